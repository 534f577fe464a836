"""Shared fixtures and helpers.

Two kinds of tests, on two courses, each in throw-away copies built with the real Makefile:

- engine tests run on tests/fixture_course/ (a small course of their own), copied together
  with the repo's engine files: `fixture_built` (built once per session), `fixture_rebuilt`
  (a copy of it, build/ with its times kept, to edit and rebuild), `fixture_fresh` (nothing
  built);
- course tests run on the course at the repo root: `course_built`, built once per session.
  They read course.yaml and the folders, never the course's values.

Every make here runs with QUALITY=test (256x144, 5 fps videos), so scenes render fast.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from lecturemedia import outputs, paths
from lecturemedia.decks import markdown_code
from lecturemedia.project_copy import Project, copy_course, copy_project

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixture_course"
# tests leave no still worker behind (one test does); scenes render whole (the parts tests set their splits)
TEST_ENV = {"QUALITY": "test", "LECTURE_STILL_WORKER": "0", "LECTURE_PARTS": "1"}
VIDEOS = "build/videos/test"  # where QUALITY=test renders
OWN_MAKE_LINE = re.compile(r"^make(\[\d+\])?: \*\*\* ")
# A scene's render as make's rule runs it (in a warm process: animations/warm_start.py).
RENDER = [sys.executable, "-m", "lecturemedia.animations.warm_start", "lecturemedia.animations.video"]


# ------------------------------------------------------------------ the fixture course


def shared(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A folder made once per test run by `build`, shared by pytest-xdist's workers: the first
    that needs it makes it while the others wait (a lock beside it), then all read it. A build
    that failed is started again from an empty folder, so the test that needs it shows why."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if worker else base) / f"shared-{name}"
    root.mkdir(exist_ok=True)
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / ".done"
        if not done.exists():
            for left in root.iterdir():
                if left.name == ".lock":
                    continue
                if left.is_dir() and not left.is_symlink():
                    shutil.rmtree(left)
                else:
                    left.unlink()
            build(root)
            done.touch()
    return root


@pytest.fixture(scope="session")
def fixture_built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The fixture course after `make all`, built once per test run. Read it, never edit it."""

    def build(root: Path) -> None:
        copy_course(REPO, FIXTURE, root / "course", env=TEST_ENV).make("all")

    return Project(shared(tmp_path_factory, "fixture", build) / "course", env=TEST_ENV)


@pytest.fixture(scope="session")
def lecture_built(tmp_path_factory: pytest.TempPathFactory, fixture_built: Project) -> Project:
    """A copy of the built fixture course with alpha's narrated lecture made (make lecture's rule),
    shared by the lecture's and the site's tests. Read it, never edit it."""

    def build(root: Path) -> None:
        copy_project(fixture_built.root, root / "course", with_build=True, env=TEST_ENV).make("build/lecture/alpha.mp4")

    return Project(shared(tmp_path_factory, "lecture", build) / "course", env=TEST_ENV)


@pytest.fixture
def fixture_rebuilt(tmp_path: Path, fixture_built: Project) -> Project:
    """A copy of the built fixture course (build/ with its times), to edit and rebuild."""
    return copy_project(fixture_built.root, tmp_path / "course", with_build=True, env=TEST_ENV)


@pytest.fixture
def fixture_fresh(tmp_path: Path) -> Project:
    """The fixture course with the engine, nothing built."""
    return copy_course(REPO, FIXTURE, tmp_path / "course", env=TEST_ENV)


# Shared builds of their own sources (not the fixture course): the decks we did not write, the course.
SEPARATE = {"corpus_build", "course_built"}
# The shared builds that come one after another: the fixture course, then its lecture, then its site.
CHAINED = {"lecture_built", "site"}


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, which `-p no:xdist` leaves out
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto` (pyproject.toml): one worker more than the cores this process may use. A sixth
    of the suite's time is spent waiting (on Impress drawing its slide show, the watcher's
    pauses, Chromium, a Dask cluster), and a third worker keeps two cores busy meanwhile: on 2
    cores, 176 s became 165 s for the same CPU time. PYTEST_XDIST_AUTO_NUM_WORKERS still decides."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    return len(os.sched_getaffinity(0)) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The order in which pytest-xdist's work stealing (pyproject.toml) hands out the tests: each
    worker gets a stretch of it, and an idle worker takes the last tests of a busy one.

    First the tests of the longest shared build, the decks we did not write, so that it starts
    at once while another worker builds the fixture course; then the tests marked
    `waits(long=True)`, which its worker runs next, early, while the others compute (last, one
    of them left the cores idle for its 20 s). Then the other tests that read a build of their
    own sources, then those that read the lecture or the site: their builds come one after
    another and take one core each, and started last they would leave the others idle at the
    end. Then the tests marked `waits` (on a browser, Impress, a watcher, a cluster), whose waits
    the other workers' builds fill. Last the tests that compute, which an idle worker can take
    over."""

    def rank(item: pytest.Item) -> int:
        names = set(getattr(item, "fixturenames", ()))
        waits = item.get_closest_marker("waits")
        if "corpus_build" in names:
            return 0
        if waits and waits.kwargs.get("long"):
            return 1
        if SEPARATE & names:
            return 2
        if CHAINED & names:
            return 3
        return 4 if waits else 5

    items.sort(key=rank)


# ------------------------------------------------------------------ the real course


# The course is tested as `make` builds it (QUALITY=preview), not at the test quality.
COURSE_ENV = {name: value for name, value in TEST_ENV.items() if name != "QUALITY"}
COURSE_VIDEOS = "build/videos"


@pytest.fixture(scope="session")
def course_built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The course at the repo root with its slides, handouts and HTML (what the course tests
    read; the PPTX are the engine's, tested on the fixture course), with every video and trace,
    also of the scenes and computations no deck uses yet; made once per test run, in a copy.

    The copy starts from the repo's own build/ when there is one (the README's first command
    made it; its lock is held while it is copied), and make in the copy brings it up to date
    as it would any build: by content, so a product that does not match its sources is made
    again. The tests read what the instructor's `make` made, current; on a clone with nothing
    built, the copy builds it all."""

    def build(root: Path) -> None:
        with build_lock(REPO) as built:
            project = copy_project(REPO, root / "course", with_build=built, env=COURSE_ENV)
        project.make("slides", "handouts", "html", "videos", "traces")

    return Project(shared(tmp_path_factory, "course", build) / "course", env=COURSE_ENV)


@contextlib.contextmanager
def build_lock(root: Path) -> Iterator[bool]:
    """Hold root's build/.lock (a make in root waits; one running is waited for), yielding
    whether root has a build/ at all. Under `make test` the make that runs the tests holds it
    (LECTURE_LOCK_HELD names it): no other make builds there meanwhile."""
    lock_file = root / "build" / ".lock"
    if not lock_file.parent.is_dir():
        yield False
        return
    if os.environ.get("LECTURE_LOCK_HELD") == str(lock_file):
        yield True
        return
    with lock_file.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield True


# ------------------------------------------------------------------ reading a project in-process


@contextlib.contextmanager
def engine_at(root: Path) -> Iterator[None]:
    """Point the engine's paths (normally the current directory) at `root`, for in-process
    reads of a project: course.yaml, its computations, its traces."""
    names = {
        "ROOT": root,
        "SLIDES_SRC": root / "slides_src",
        "TEMPLATES": root / "slides_src" / "templates",
        "SCENES": root / "scenes",
        "COMPUTATIONS": root / "computations",
        "CONFIG_FILE": root / "course.yaml",
        "BUILD": root / "build",
        "CONFIG_DIR": root / "build" / "config",
        "TRACES_DIR": root / "build" / "traces",
    }
    with pytest.MonkeyPatch.context() as mp:
        for name, value in names.items():
            mp.setattr(paths, name, value.resolve())
        mp.setattr(outputs, "DIGESTS", (root / "build" / ".digests").resolve())
        yield


# ------------------------------------------------------------------ outputs


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def attached_files(pdf: Path) -> dict[str, bytes]:
    """The files a PDF carries (its EmbeddedFiles), by name; each name is the same in the name
    tree (what a GoToE link names) and in the file spec's /F and /UF (what viewers show)."""
    from pypdf import PdfReader

    names = PdfReader(pdf).trailer["/Root"].get("/Names", {}).get("/EmbeddedFiles")
    pairs = names.get_object().get("/Names", []) if names else []
    found = {}
    for name, spec in zip(pairs[::2], pairs[1::2], strict=True):
        spec = spec.get_object()
        assert str(spec["/F"]) == str(spec.get("/UF", spec["/F"])) == str(name), (name, spec["/F"], spec.get("/UF"))
        found[str(name)] = spec["/EF"]["/F"].get_object().get_data()
    return found


def pdf_pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def page_texts(pdf: Path) -> list[str]:
    return pdf_text(pdf).split("\f")[: pdf_pages(pdf)]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def movies(pdf: Path) -> list[str]:
    """The file of every Movie annotation in the PDF."""
    from pypdf import PdfReader

    found = []
    for page in PdfReader(pdf).pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Movie":
                found.append(str(annot["/Movie"].get_object()["/F"]))
    return found


def link_count(pdf: Path) -> int:
    """Annotations that act when clicked: Movie, Screen, Launch or URI links."""
    from pypdf import PdfReader

    count = 0
    for page in PdfReader(pdf).pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            action = annot.get("/A")
            kind = action.get_object().get("/S") if action is not None else None
            if annot.get("/Subtype") in ("/Movie", "/Screen") or kind in ("/Launch", "/URI", "/Rendition"):
                count += 1
    return count


class Loads(HTMLParser):
    """Everything an HTML page loads (src, href of stylesheets, posters, tracks) and its videos."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.videos: list[dict[str, str | None]] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "video":
            self.videos.append(a)
        if tag == "img" and a.get("src"):
            self.images.append(a["src"] or "")
        for key in ("src", "data-src", "poster"):
            if a.get(key):
                self.loads.append(a[key] or "")
        if tag == "link" and a.get("href"):
            self.loads.append(a["href"] or "")


def html_loads(page: Path) -> Loads:
    parser = Loads()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def css_urls(css: Path) -> list[str]:
    return re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(errors="replace"))


def assert_offline(page: Path) -> None:
    """The page loads nothing remote, and every file it loads is there (its CSS's too)."""
    loads = html_loads(page).loads
    assert loads, page
    for target in loads:
        if target.startswith("data:"):
            continue
        assert not target.startswith(("http:", "https:", "//")), (page.name, target)
        assert (page.parent / target.split("#")[0].split("?")[0]).is_file(), (page.name, target)
    for css in (t for t in loads if t.endswith(".css")):
        for url in css_urls(page.parent / css):
            assert not url.startswith(("http:", "https:", "//")), (css, url)


# ------------------------------------------------------------------ decks


def placed_videos(md: str) -> list[str]:
    """The videos a rendered deck (build/md/<deck>.md) places, in order."""
    return re.findall(r"!\[[^\]]*\]\(videos/(\w+)\.mp4\)\{[^}]*\.animation", md)


def prose_lines(md: str) -> list[str]:
    """The deck's lines outside code blocks (code lines blanked), front matter blanked too."""
    lines = md.splitlines()
    code = markdown_code.block_lines(lines)
    out = ["" if i in code else line for i, line in enumerate(lines)]
    if out and out[0].strip() == "---":
        end = next((i for i in range(1, len(out)) if out[i].strip() in ("---", "...")), 0)
        out[: end + 1] = [""] * (end + 1)
    return out


def level1_frames(md: str) -> int:
    """Frames of a slide-level-1 deck: each `# ` heading, and each `---` rule that starts a
    frame without a heading."""
    lines = prose_lines(md)
    frames = 0
    for i, line in enumerate(lines):
        if re.match(r"^# ", line):
            frames += 1
        elif re.fullmatch(r"-{3,}\s*", line):
            following = next((x for x in lines[i + 1 :] if x.strip()), "")
            if not following.startswith("# "):
                frames += 1
    return frames


def questions(md: str) -> int:
    """Discussion questions: an empty `##` followed by a `> ` quote."""
    text = "\n".join(prose_lines(md))
    return len(re.findall(r"^##[ \t]*\n>", text, flags=re.M))


def front_matter(md: str) -> dict[str, object]:
    import yaml

    match = re.match(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*\n", md, re.S)
    data = yaml.safe_load(match.group(1)) if match else None
    return data if isinstance(data, dict) else {}


def stderr_tail(stderr: str) -> list[str]:
    """stderr's lines, make's own `make: *** […] Error` lines and blank lines left out."""
    return [line for line in stderr.splitlines() if line.strip() and not OWN_MAKE_LINE.match(line)]


def logged_error(project: Project, stderr: str) -> str:
    """The full log a build error points to (`full log: build/logs/…`), read."""
    log = re.search(r"full log: (\S+)", stderr)
    assert log, "the error names no full log"
    return project.path(log.group(1)).read_text(encoding="utf-8", errors="replace")


def append_frame(project: Project, deck: str, body: str, title: str = "Nuevo") -> int:
    """Append a frame `# title` with `body` to a deck; return the line number of the body's first line."""
    path = project.path(f"slides_src/{deck}.md")
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, "", f"# {title}", "", body, ""]), encoding="utf-8")
    return len(lines) + 4
