"""`make bench`: how long the builds take, from one run, against the bare tools.

Runs in a throw-away copy of the project, so the instructor's files are never touched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import median

from bench_course import bench_course
from lecturemedia.animations import manim_scene
from lecturemedia.project_copy import Project, copy_project

ROOT = Path.cwd()
ROUNDS = 5  # one machine's timings wander by a third from run to run


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def row(label: str, seconds: float, reference: float | None = None) -> str:
    ratio = f"{seconds / reference:6.2f}x" if reference else ""
    return f"  {label:<44} {seconds:7.2f} s  {ratio}"


def bare_pandoc(project: Project, deck: str, out: Path, course_metadata: bool) -> float:
    """Plain `pandoc -t beamer deck.md -o deck.pdf` on the deck's rendered Markdown (with its slide level).

    With `course_metadata`, pandoc also reads the course's facts (theme, language, author,
    date) as our build gives them, so it typesets the deck as ours does (less the videos, the
    shared preamble and the filters): the fair reference. Without them it makes a lighter PDF
    (pandoc's default theme, no babel).
    """
    md = project.path(f"build/md/{deck}.md").read_text(encoding="utf-8")
    md = re.sub(r"^!\[[^\]]*\]\(videos/.*$", "", md, flags=re.M)  # bare pandoc cannot place an mp4
    src = out / f"{deck}.md"
    src.write_text(md, encoding="utf-8")
    own = re.search(r"^slide-level: (\d)", md, flags=re.M)  # the deck's own, else the course's
    course = json.loads(project.path("build/config/course.json").read_text(encoding="utf-8"))
    level = own.group(1) if own else course.get("slide-level")
    args = [f"--slide-level={level}"] if level is not None else []
    if course_metadata:
        args += ["--metadata-file", str(project.path("build/config/course.json"))]
    return timed(
        lambda: subprocess.run(
            ["pandoc", "-t", "beamer", *args, src.name, "-o", f"{deck}.pdf"], cwd=out, check=True, capture_output=True
        )
    )


def edit_one_line(project: Project, deck: str, n: int) -> None:
    """Append a word to the deck's first list item (another word each round)."""
    project.edit(f"slides_src/{deck}.md", lambda s: re.sub(r"^(- .+)$", rf"\1 (bench {n})", s, count=1, flags=re.M))


def bench_slides(project: Project, scratch: Path) -> None:
    print(f"slides: per deck, the median of {ROUNDS} rounds. Bare pandoc is given the course's facts (theme,")
    print("lang, author) as our build gives them, so both typeset the deck alike. Ratios are to it.")
    project.make("slides")
    decks = sorted(p.stem for p in project.path("slides_src").glob("*.md"))
    for deck in decks:
        bare, lighter, rebuild, noop = [], [], [], []
        for n in range(ROUNDS):
            bare.append(bare_pandoc(project, deck, scratch, course_metadata=True))
            lighter.append(bare_pandoc(project, deck, scratch, course_metadata=False))
            edit_one_line(project, deck, n)
            rebuild.append(timed(lambda: project.make("slides")))
            noop.append(timed(lambda: project.make("slides")))
        reference = median(bare)
        print(f" {deck}")
        print(row("bare pandoc -t beamer deck.md -o deck.pdf", reference))
        print(row("  the same without the course's theme, lang", median(lighter), reference))
        print(row("make slides after editing one line", median(rebuild), reference))
        print(row("make slides with nothing changed", median(noop), reference))


def bench_traces(project: Project, scratch: Path) -> None:
    print("traces: every computation of the course, with PyTorch on the CPU, from scratch")
    for jobs in ("-j1", "-j2"):
        shutil.rmtree(project.path("build/traces"), ignore_errors=True)
        print(row(f"make {jobs} traces", timed(lambda jobs=jobs: project.make(jobs, "traces"))))
    print(row("make traces with nothing changed", timed(lambda: project.make("traces"))))


RENDERED = re.compile(r"made  build/videos/(?:\w+/)?(\w+)\.mp4  \(([\d.]+) s of video in ([\d.]+) s\)")


def render_all(project: Project, quality: str, jobs: int) -> tuple[float, dict[str, tuple[float, float]]]:
    """Wall time of `make videos` from nothing, and per scene (video seconds, render seconds)."""
    folder = project.path("build/videos" if quality == "preview" else f"build/videos/{quality}")
    for movie in folder.glob("*.mp4"):
        movie.unlink()
    for parts in project.path("build/manim").glob("*/parts"):  # nothing cached: every part renders
        shutil.rmtree(parts, ignore_errors=True)
    for counted in project.path("build/manim").glob("*/plays-*.json"):  # and every scene's plays are counted
        counted.unlink()
    out: dict[str, subprocess.CompletedProcess[str]] = {}
    took = timed(lambda: out.update(run=project.make(f"JOBS={jobs}", "videos", f"QUALITY={quality}")))
    scenes = {m[1]: (float(m[2]), float(m[3])) for m in RENDERED.finditer(out["run"].stdout)}
    return took, scenes


def plain_manim(project: Project, name: str, flag: str, media: Path, encoder: dict[str, str] | None = None) -> float:
    """Wall time of `manim render FLAG` of one scene, Manim's own encoder settings or `encoder`'s."""
    cls = manim_scene.scene_class_name(name)
    cmd = [
        sys.executable,
        "-m",
        "manim",
        "render",
        flag,
        *(arg for key, value in (encoder or {}).items() for arg in ("--encoder-option", f"{key}={value}")),
        "--progress_bar",
        "none",
        "-v",
        "WARNING",
        "--media_dir",
        str(media),
        f"scenes/{name}.py",
        cls,
    ]
    return timed(lambda: subprocess.run(cmd, cwd=project.root, check=True, capture_output=True))


def bench_videos(project: Project, scratch: Path) -> None:
    print("videos: render time per second of video")
    project.make("traces")
    render_all(project, "preview", 3)  # warm-up: Manim's LaTeX cache, so both runs below start warm
    sequential, preview = render_all(project, "preview", 1)
    parallel, _ = render_all(project, "preview", 3)
    noop = timed(lambda: project.make("videos"))
    _, final = render_all(project, "final", 1)
    final_all, _ = render_all(project, "final", os.cpu_count() or 1)
    preview_all, _ = render_all(project, "preview", os.cpu_count() or 1)
    plain_ql = plain_qh = plain_qh_ours = 0.0
    for name in sorted(preview):
        (video_s, preview_s), (_, final_s) = preview[name], final[name]
        print(f" {name} ({video_s:.1f} s of video)")
        print(row("preview (854x480, 15 fps), per video second", preview_s / video_s))
        print(row("final (1920x1080, 60 fps), per video second", final_s / video_s))
        ql = plain_manim(project, name, "-ql", scratch / "plain")
        qh = plain_manim(project, name, "-qh", scratch / "plain")
        qh_ours = plain_manim(project, name, "-qh", scratch / "plain", manim_scene.ENCODER_OPTIONS)
        plain_ql, plain_qh, plain_qh_ours = plain_ql + ql, plain_qh + qh, plain_qh_ours + qh_ours
        print(row("plain manim -ql, whole scene", ql))
        print(row("our preview render, whole scene", preview_s, ql))
        print(row("plain manim -qh, whole scene", qh))
        print(row("plain manim -qh, our encoder settings", qh_ours, qh))
        print(row("our final render, whole scene", final_s, qh))
    print(" all scenes, preview")
    print(row("one after another (make JOBS=1 videos)", sequential))
    print(row("in parallel (make JOBS=3 videos)", parallel, sequential))
    print(row("make videos with nothing changed", noop, sequential))
    print(" all scenes, nothing cached, each split over the free cores (targets: 0.4x and 0.5x)")
    print(row("plain manim -ql, scene after scene", plain_ql))
    print(row("make videos", preview_all, plain_ql))
    print(row("plain manim -qh, scene after scene", plain_qh))
    print(row("QUALITY=final make videos", final_all, plain_qh))
    print(row("plain manim -qh, our encoder settings", plain_qh_ours, plain_qh))
    print(row("QUALITY=final make videos, against that", final_all, plain_qh_ours))


def bench_watch(project: Project, scratch: Path) -> None:
    """make watch: from saving a one-line edit of a deck to its new HTML served, and to its new PDF."""
    from lecturemedia.preview import client

    deck = sorted(p.stem for p in project.path("slides_src").glob("*.md"))[0]
    print(f"watch: saving a one-line edit of {deck}, median of 10 (aims: HTML 1 s, PDF 2.5 s)")
    make_args = [f"VENV={sys.prefix}", "SETUP="]
    result = client.measure_latency(project.root, deck, n=10, make_args=make_args, env=project.env)
    print(row("to the new HTML served", result["html_median"]))
    print(row("  of which make, to the HTML written", result["make_html_median"]))
    print(row("to the new PDF written", result["pdf_median"]))


def bench_stills(project: Project, scratch: Path) -> None:
    """make still against re-rendering the same scene's preview video, both through make."""
    print(f"stills: make still NAME=<scene> (the last frame) against its preview render, median of {ROUNDS}")
    project.make("videos")
    scenes = sorted(rendered_scenes(project))
    alone = {"LECTURE_STILL_WORKER": "0"}
    project.make("still", f"NAME={scenes[0]}", env=alone)  # the first still of a copy fills Manim's caches
    for scene in scenes:
        render, still, warm = [], [], []
        for n in range(ROUNDS):
            project.edit(f"scenes/{scene}.py", lambda s, n=n: s.rstrip("\n") + f"\n# bench {n}\n")
            render.append(timed(lambda: project.make("JOBS=1", "videos")))
            still.append(timed(lambda scene=scene: project.make("still", f"NAME={scene}")))
            end_left_worker(project)  # each round's still is a first one, its worker starting beside it
        with still_worker(project):
            for n in range(ROUNDS):
                project.edit(f"scenes/{scene}.py", lambda s, n=n: s.rstrip("\n") + f"\n# bench warm {n}\n")
                warm.append(timed(lambda scene=scene: project.make("still", f"NAME={scene}")))
        print(f" {scene}")
        print(row("make videos after editing the scene", median(render)))
        print(row("make still, the first (no worker yet)", median(still), median(render)))
        print(row("  the next ones (the worker it left)", median(warm), median(render)))


def end_left_worker(project: Project) -> None:
    """End the worker a `make still` left behind: it goes when its socket goes, and frees its lock."""
    import fcntl

    with project.path("build/.still.lock").open("a") as lock:
        while True:
            project.path("build/.still.sock").unlink(missing_ok=True)  # again: it may bind only now
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held until the worker has ended
            except OSError:
                time.sleep(0.2)
                continue
            fcntl.flock(lock, fcntl.LOCK_UN)
            return


@contextmanager
def still_worker(project: Project) -> Iterator[None]:
    """What the first `make still` leaves behind, as `make watch STILLS=1` does: Manim kept imported."""
    from lecturemedia.preview import builder, watch

    worker = watch.start_still_worker(project.root)
    try:
        socket = project.path("build/.still.sock")
        while not socket.exists():
            if worker.poll() is not None:
                raise SystemExit("bench: the still worker ended before it listened")
            time.sleep(0.1)
        yield
    finally:
        builder.end_group(worker.pid, worker)


def rendered_scenes(project: Project) -> list[str]:
    """The scenes that made a video (scenes/ holds shared helpers too)."""
    return [p.stem for p in project.path("build/videos").glob("*.mp4")]


def lecture_minutes(project: Project) -> float:
    """The lectures' length, from their files (ffprobe)."""
    total = 0.0
    for mp4 in project.path("build/lecture").glob("*.mp4"):
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(mp4)],
            capture_output=True,
            text=True,
            check=True,
        )
        total += float(out.stdout)
    return total / 60


def edit_one_note(project: Project, deck: str) -> None:
    """Add a sentence to the deck's first notes (or give its first frame notes, if it has none)."""

    def edit(text: str) -> str:
        if re.search(r"^::: *notes", text, flags=re.M):
            return re.sub(r"^(::: *notes[^\n]*\n)", r"\1Una frase más para medir.\n", text, count=1, flags=re.M)
        return re.sub(r"^(#{1,2} .+)$", r"\1\n\n::: notes\nUna frase para medir.\n:::\n", text, count=1, flags=re.M)

    project.edit(f"slides_src/{deck}.md", edit)


def bench_lecture(project: Project, scratch: Path) -> None:
    print("lecture: seconds of build per minute of lecture (one round; the handouts and videos made before)")
    project.make("handouts", "videos")
    shutil.rmtree(project.path("build/lecture"), ignore_errors=True)
    first = timed(lambda: project.make("lecture"))
    minutes = lecture_minutes(project)
    print(row(f"first build ({minutes:.1f} min of lecture)", first))
    print(f"  {'':<44} {first / minutes:7.2f} s per minute")
    deck = sorted(p.stem for p in project.path("slides_src").glob("*.md"))[0]
    edit_one_note(project, deck)
    again = timed(lambda: project.make("lecture"))
    print(row(f"after one note's edit in {deck}", again))
    print(f"  {'':<44} {again / lecture_minutes(project):7.2f} s per minute")


SECTIONS = {
    "traces": bench_traces,
    "slides": bench_slides,
    "videos": bench_videos,
    "stills": bench_stills,
    "watch": bench_watch,
    "lecture": bench_lecture,
    "course": lambda project, scratch: bench_course(ROOT, scratch),
}


def main() -> None:
    wanted = sys.argv[1:] or [s for s in SECTIONS if s != "course"]  # the course: BENCH=course, it takes long
    scratch = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        project = copy_project(ROOT, scratch / "project", with_build=(ROOT / "build").exists())
        for name in wanted:
            SECTIONS[name](project, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
