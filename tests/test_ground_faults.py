"""Engine, the ground: outputs follow their sources' content (a source restored with an older
time), the outputs of a deleted deck or animation go, a full disk is named; with the real make."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator

import pytest
import yaml
from conftest import REPO, VIDEOS, pdf_text
from lecturemedia.project_copy import Project


def _restore(project: Project, rel: str, edit: Callable[[str], str]) -> Callable[[], None]:
    """Edit a source; return what puts it back as `cp -p` would: the old bytes and the old time."""
    path = project.path(rel)
    text, st = path.read_text(encoding="utf-8"), path.stat()
    project.edit(rel, edit)

    def put_back() -> None:
        path.write_text(text, encoding="utf-8")
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    return put_back


@pytest.mark.slow
@pytest.mark.parametrize(
    ("source", "goal", "product", "word"),
    [
        ("slides_src/beta.md", "slides", "build/slides/beta.pdf", "Editada"),
        ("scenes/descent.py", "videos", f"{VIDEOS}/descent.srt", "Editada"),
        ("course.yaml", "traces", "build/traces/descent.json", '"lr": 0.35'),
    ],
)
def test_a_source_restored_with_an_older_time_rebuilds_what_it_makes(
    fixture_rebuilt: Project, source: str, goal: str, product: str, word: str
) -> None:
    def read() -> str:
        path = fixture_rebuilt.path(product)
        return pdf_text(path) if path.suffix == ".pdf" else path.read_text(encoding="utf-8")

    edits = {
        "slides_src/beta.md": lambda s: s.replace("Text.", "Text. Editada."),
        "scenes/descent.py": lambda s: s.replace('self.say("', 'self.say("Editada. ', 1),
        "course.yaml": lambda s: re.sub(r"(?m)^(\s+lr:).*$", r"\1 0.35", s, count=1),
    }
    original = read()
    assert word not in original
    put_back = _restore(fixture_rebuilt, source, edits[source])
    fixture_rebuilt.make(goal)
    assert word in read()
    put_back()
    out = fixture_rebuilt.make(goal)
    assert word not in read(), out.stdout + out.stderr
    assert read() == original or product.endswith(".pdf")  # a PDF carries its time of making


@pytest.mark.slow
def test_the_outputs_of_a_deleted_deck_or_animation_go(fixture_rebuilt: Project) -> None:
    project = fixture_rebuilt
    course_yaml = project.path("course.yaml").read_text(encoding="utf-8")
    project.make("new-animation", "NAME=extra")
    project.make("videos", "traces")
    made = [f"{VIDEOS}/extra.mp4", f"{VIDEOS}/extra.srt", "build/traces/extra.json"]
    assert all(project.path(p).exists() for p in made)
    for rel in ("scenes/extra.py", "computations/extra.py", "slides_src/beta.md"):
        project.path(rel).unlink()
    project.path("course.yaml").write_text(course_yaml, encoding="utf-8")
    out = project.make("all")
    build = project.path("build")
    left = [str(p.relative_to(project.root)) for p in build.rglob("*") if re.search(r"extra|beta", p.name)]
    assert left == [], out.stdout
    assert "removed build/slides/beta.pdf" in out.stdout
    assert project.path("build/slides/alpha.pdf").exists()


# ---- a full disk


@pytest.fixture
def full_build(fixture_rebuilt: Project) -> Iterator[Project]:
    """The built fixture course whose build/ is on a small file system left with no free space."""
    project = fixture_rebuilt
    build = project.path("build")
    kept = project.path("build-kept")
    build.rename(kept)
    build.mkdir()
    used = int(subprocess.run(["du", "-sb", str(kept)], capture_output=True, text=True, check=True).stdout.split()[0])
    size = used + (8 << 20)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(build)], capture_output=True)
    if mounted.returncode != 0:
        build.rmdir()
        kept.rename(build)
        pytest.skip("mounting a small file system needs root")
    try:
        subprocess.run(["cp", "-a", f"{kept}/.", str(build)], check=True)
        with contextlib.suppress(OSError), (build / "filler").open("wb") as fh:
            while True:  # until the disk is full
                fh.write(b"\0" * (1 << 16))
                fh.flush()
        yield project
    finally:
        subprocess.run(["umount", "-l", str(build)], check=False)
        shutil.rmtree(kept, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("source", "edit"),
    [
        ("slides_src/beta.md", lambda s: s.replace("Text.", "Text, longer now.")),
        ("course.yaml", lambda s: re.sub(r"(?m)^(\s+lr:).*$", r"\1 0.35", s, count=1)),
    ],
    ids=["latex", "trace"],
)
def test_a_full_disk_is_named(full_build: Project, source: str, edit: Callable[[str], str]) -> None:
    full_build.edit(source, edit)
    out = full_build.make("all", check=False)
    assert out.returncode != 0
    assert "bad array subscript" not in out.stderr
    assert "build/ has no space left on its disk" in out.stderr, out.stderr
    # nothing made from the edited source is left to pass for what it says now
    if source.startswith("slides_src/"):  # the deck's outputs
        deck = source.removeprefix("slides_src/").removesuffix(".md")
        stale = [f"build/md/{deck}.md", f"build/slides/{deck}.pdf", f"build/html/{deck}.html"]
    else:  # the trace whose learning rate changed, its video, and the decks that quote it
        traces = yaml.safe_load(full_build.path("course.yaml").read_text(encoding="utf-8"))["traces"]
        trace = next(name for name, params in traces.items() if "lr" in params)
        quoting = [d.stem for d in full_build.path("build/deps").glob("*.d") if f"traces/{trace}.json" in d.read_text()]
        assert quoting, "the fixture course quotes the trace in a deck"
        stale = [f"build/traces/{trace}.json", f"{VIDEOS}/{trace}.mp4", *(f"build/slides/{d}.pdf" for d in quoting)]
    assert not [rel for rel in stale if full_build.path(rel).exists()]


def test_make_runs_a_job_per_core_whatever_omp_num_threads_says() -> None:
    """nproc obeys OMP_NUM_THREADS, which numerical shells (and Dask) set to 1: make must not."""
    cores = len(os.sched_getaffinity(0))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OMP_THREAD_LIMIT": "1", "LECTURE_INNER": "1"}
    env = {k: v for k, v in env.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "JOBS")}
    printed = subprocess.run(["make", "-n", "-p", "help"], cwd=REPO, env=env, capture_output=True, text=True).stdout
    flags = next(line for line in printed.splitlines() if line.startswith("MAKEFLAGS"))
    assert f" -j{cores} " in f"{flags} "
