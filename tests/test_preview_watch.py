"""Live preview: `make watch` on a copy of the project (real make, pandoc, LaTeX), and `make still`.

The pure pieces (what is a source, which decks a change reloads, the error text) are tested
first, without make.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import VIDEOS, pdf_text
from lecturemedia.preview import builder, client, pages, server, sources, watch
from lecturemedia.project_copy import Project

pytestmark = pytest.mark.waits  # on the watcher's events and its builds

# ---- the pure pieces


def test_sources_are_what_a_build_reads(tmp_path: Path) -> None:
    root = tmp_path
    yes = ["slides_src/deck.md", "slides_src/templates/macros.md", "slides_src/img/a.png", "course.yaml"]
    yes += ["scenes/sgd_x2.py", "computations/sgd_x2.py"]
    no = ["build/html/deck.html", "README.md", "scenes/__pycache__/x.pyc", "slides_src/.deck.md.swp"]
    no += ["slides_src/deck.md~", "slides_src/4913", "slides_src/.#deck.md", ".git/index", "slides_src/x.tmp"]
    assert all(sources.is_source(root, str(root / p)) for p in yes)
    assert not any(sources.is_source(root, str(root / p)) for p in no)


def test_the_script_goes_before_the_end_of_body() -> None:
    assert pages.inject(b"<html><body><p>x</p></body></html>") == (
        b"<html><body><p>x</p>" + pages.SCRIPT_TAG + b"\n</body></html>"
    )
    assert pages.inject(b"<p>x</p>").endswith(pages.SCRIPT_TAG)


def _site(folder: Path) -> pages.Site:
    (folder / "videos").mkdir(parents=True)
    (folder / "a.html").write_text('<video poster="videos/x.png" src="videos/x.mp4"></video>')
    (folder / "b.html").write_text('<img src="tikz/t.svg"><a href="https://example.org/x.mp4">x</a>')
    (folder / "videos" / "x.mp4").write_bytes(b"1")
    (folder / "videos" / "x.png").write_bytes(b"1")
    return pages.Site(folder)


def test_a_deck_reloads_when_it_or_what_it_shows_changes(tmp_path: Path) -> None:
    site = _site(tmp_path)
    (tmp_path / "videos" / "x.mp4").write_bytes(b"2")
    assert site.decks_reading(site.update(keep_missing=False)) == ["a"]
    (tmp_path / "b.html").write_text('<img src="tikz/t.svg"> new')
    assert site.decks_reading(site.update(keep_missing=False)) == ["b"]
    (tmp_path / "b.html").write_text('<img src="tikz/t.svg"> new')  # rewritten, same bytes
    assert site.decks_reading(site.update(keep_missing=False)) == []


def test_a_failed_build_keeps_the_last_good_page(tmp_path: Path) -> None:
    site = _site(tmp_path)
    (tmp_path / "a.html").unlink()  # what a failed deck build does
    assert site.update(keep_missing=True) == set()
    assert b"videos/x.mp4" in site.pages["a.html"]


def test_the_error_text_is_the_builds_message() -> None:
    stderr = (
        "error: slides_src/deck.md:12: 'nope' is undefined; defined here: course, traces, video\n"
        "make[1]: *** [Makefile:83: build/md/deck.md] Error 1\n"
        "\n"
        "error: slides_src/deck.md:12: 'nope' is undefined; defined here: course, traces, video\n"
    )
    assert (
        builder.error_message(stderr)
        == "slides_src/deck.md:12: 'nope' is undefined; defined here: course, traces, video"
    )
    assert builder.error_message("make: *** No rule to make target 'x'.  Stop.\n") == (
        "make: *** No rule to make target 'x'.  Stop."
    )


def test_byte_ranges() -> None:
    assert server.byte_range(None, 100) is None
    assert server.byte_range("bytes=0-", 100) == (0, 100)
    assert server.byte_range("bytes=10-19", 100) == (10, 20)
    assert server.byte_range("bytes=-10", 100) == (90, 100)
    assert server.byte_range("bytes=200-", 100) is None


def test_the_scenes_a_save_touches() -> None:
    scenes = ["a", "b"]
    assert sources.scenes_touched(["scenes/a.py"], scenes) == ["a"]
    assert sources.scenes_touched(["computations/b.py"], scenes) == ["b"]
    assert sources.scenes_touched(["scenes/common.py"], scenes) == ["a", "b"]
    assert sources.scenes_touched(["slides_src/x.md", "scenes/sedAx1b2c", "scenes/.a.py.kate"], scenes) == []


# ---- the watcher on a copy of the project


def _marked(mark: str) -> list[int]:
    """The processes whose environment carries mark (every process a watcher started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


MAKE_WATCH = ["make", f"VENV={sys.prefix}", "SETUP=", "PORT=0", "watch"]


Watching = tuple[Project, client.Preview, client.EventStream, str]


@pytest.fixture
def watching(fixture_rebuilt: Project) -> Iterator[Watching]:
    """`make watch` running on a built copy, its first build done; and the mark of its processes."""
    mark = f"watch-test-{uuid.uuid4().hex}"
    env = {**fixture_rebuilt.env, "LECTUREMEDIA_TEST_MARK": mark}
    with client.running(MAKE_WATCH, fixture_rebuilt.root, env) as preview:
        events = preview.events()
        events.next("built", timeout=300)
        yield fixture_rebuilt, preview, events, mark
        events.close()


def _decks(project: Project) -> list[str]:
    return sorted(p.stem for p in project.path("slides_src").glob("*.md"))


@pytest.mark.slow
def test_an_edit_reloads_its_deck_and_no_other(watching: Watching) -> None:
    project, preview, events, _ = watching
    deck, other = _decks(project)[:2]
    assert preview.url.startswith("http://127.0.0.1:")
    events.drain()
    project.edit(f"slides_src/{deck}.md", lambda s: client.mark_line(s, "palabra-nueva"))
    reload = events.next("reload", timeout=120)
    assert reload["decks"] == [deck]
    page = preview.get(f"{deck}.html")
    assert b"palabra-nueva" in page
    assert pages.SCRIPT_TAG in page  # served with the reload script ...
    assert pages.SCRIPT_TAG not in project.path(f"build/html/{deck}.html").read_bytes()  # ... not built with it
    assert preview.get("__watch/watch.js").startswith(b"//")
    built = events.next("built", timeout=120)
    assert built["ok"] and built["decks"] == [deck]
    assert other not in built["decks"]
    assert "palabra-nueva" in pdf_text(project.path(f"build/slides/{deck}.pdf"))


@pytest.mark.slow
def test_a_scene_edit_renders_its_video_again_and_reloads_the_decks_showing_it(
    watching: Watching,
) -> None:
    project, preview, events, _ = watching
    scene = sources.scene_names(project.root)[0]
    video = f"videos/{scene}.mp4"
    showing = [d for d in _decks(project) if video in project.path(f"build/html/{d}.html").read_text(encoding="utf-8")]
    assert showing
    before = preview.get(video)
    events.drain()
    project.edit(f"scenes/{scene}.py", lambda s: re.sub(r"font_size=(\d+)", lambda m: f"font_size={int(m[1]) + 6}", s))
    assert events.next("reload", timeout=300)["decks"] == showing
    assert preview.get(video) != before
    assert events.next("built", timeout=120)["ok"]


def _text_if_there(pdf: Path) -> str:
    """The PDF's text; none while it is absent, or removed as it is read (a stopped build's)."""
    try:
        return pdf_text(pdf)
    except subprocess.CalledProcessError:
        return ""


@pytest.mark.slow
def test_a_save_while_the_pdf_is_made_ends_with_the_pdf_of_the_last_save(
    watching: Watching,
) -> None:
    """The second save may stop the first one's PDF (once its HTML is served): the next build makes it."""
    project, preview, events, _ = watching
    deck = _decks(project)[0]
    events.drain()
    project.edit(f"slides_src/{deck}.md", lambda s: client.mark_line(s, "primera"))
    events.next("reload", timeout=120, where=lambda d: deck in d["decks"])
    project.edit(f"slides_src/{deck}.md", lambda s: client.mark_line(s, "segunda"))
    pdf = project.path(f"build/slides/{deck}.pdf")  # absent while a stopped PDF waits for the next build
    deadline = time.monotonic() + 120
    while "segunda" not in _text_if_there(pdf):
        assert events.next("built", timeout=max(1, deadline - time.monotonic()))["ok"]
    assert b"segunda" in preview.get(f"{deck}.html")
    assert not [p for p in project.path("build").rglob("*.tmp")]
    fresh = preview.events()
    assert fresh.next("state", timeout=10)["error"] is None
    fresh.close()


@pytest.mark.slow
def test_a_save_by_temporary_file_and_rename_builds_once(
    watching: Watching,
) -> None:
    project, _, events, _ = watching
    deck = _decks(project)[0]
    source = project.path(f"slides_src/{deck}.md")
    text = source.read_text(encoding="utf-8")
    events.drain()
    for word in ("uno", "dos"):  # as editors save: a temporary file, renamed over the deck; twice, quickly
        tmp = source.with_name(f".{source.name}.{word}.tmp")
        tmp.write_text(client.mark_line(text, word), encoding="utf-8")
        tmp.replace(source)
        time.sleep(0.01)
    assert events.next("reload", timeout=120)["decks"] == [deck]
    events.next("built", timeout=120)
    with pytest.raises(TimeoutError):
        events.next("built", timeout=2)


@pytest.mark.slow
def test_a_bad_edit_shows_the_error_until_a_good_one(
    watching: Watching,
) -> None:
    project, preview, events, _ = watching
    deck = _decks(project)[0]
    source = project.path(f"slides_src/{deck}.md")
    good = source.read_text(encoding="utf-8")
    events.drain()
    source.write_text(good + "\n<< nope >>\n", encoding="utf-8")
    line = len(good.splitlines()) + 2
    state = events.next("state", timeout=120, where=lambda s: s["error"])
    assert re.search(rf"slides_src/{deck}\.md:{line}\b.*nope", state["error"])
    assert events.next("built", timeout=120)["ok"] is False
    assert b"<section" in preview.get(f"{deck}.html")  # the last good slides are still served
    assert preview.said("nope"), preview.output  # and the terminal said it
    assert preview.proc.poll() is None  # the watcher lives on

    fresh = preview.events()  # a page opened now is told of the error at once
    assert fresh.next("state", timeout=10)["error"]
    fresh.close()

    source.write_text(client.mark_line(good, "arreglado"), encoding="utf-8")
    assert events.next("state", timeout=120, where=lambda s: not s["error"])["error"] is None
    assert events.next("reload", timeout=120)["decks"] == [deck]
    assert b"arreglado" in preview.get(f"{deck}.html")


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm", "sigint-to-make"])
def test_a_stop_ends_everything_it_started(
    how: str, watching: Watching
) -> None:
    project, preview, events, mark = watching
    deck = _decks(project)[0]
    events.drain()
    project.edit(f"slides_src/{deck}.md", lambda s: client.mark_line(s, "a-medias"))
    events.next("state", timeout=60, where=lambda s: s["building"])
    time.sleep(0.3)  # make is running now
    assert len(_marked(mark)) > 2  # make watch, the watcher, the make it runs (and what that runs)
    if how == "ctrl-c":
        code = preview.stop(signal.SIGINT)  # to the whole group, as a terminal does
    else:  # to `make watch` alone, as an editor's stop button or a service manager does
        os.kill(preview.proc.pid, signal.SIGTERM if how == "sigterm" else signal.SIGINT)
        code = preview.proc.wait(30)
    assert code in (0, 2, -signal.SIGINT, -signal.SIGTERM, 128 + signal.SIGINT, 128 + signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _marked(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _marked(mark) == []
    assert preview.said("stopping"), preview.output
    assert not [p for p in project.path("build").rglob("*.tmp")]  # nothing half-written


@pytest.mark.slow
def test_with_stills_a_scene_edit_refreshes_its_still_not_its_video(fixture_rebuilt: Project) -> None:
    project = fixture_rebuilt
    scene = sources.scene_names(project.root)[0]
    videos = project.mtimes("build/videos/**/*")
    env = {**project.env, "STILLS": "1"}
    with client.running(MAKE_WATCH, project.root, env) as preview:
        events = preview.events()
        events.next("built", timeout=300)
        project.edit(f"scenes/{scene}.py", lambda s: s.replace("self.wait(1)", "self.wait(1.5)"))
        state = events.next("state", timeout=300, where=lambda s: scene in s["stills"])
        assert state["error"] is None
        assert preview.get(f"__watch/stills/{scene}.png").startswith(b"\x89PNG")
        events.next("built", timeout=300)
        events.close()
    assert project.mtimes("build/videos/**/*") == videos  # the video was kept as it was


# ---- make still


@pytest.mark.slow
def test_a_still_is_one_frame_without_a_video(fixture_rebuilt: Project) -> None:
    from PIL import Image

    project = fixture_rebuilt
    scene = sources.scene_names(project.root)[0]
    videos = project.mtimes("build/videos/**/*")
    project.make("still", f"NAME={scene}")
    last = project.path(f"build/stills/{scene}.png")
    assert Image.open(last).size == (256, 144)  # QUALITY=test
    last_pixels = Image.open(last).tobytes()
    project.make("still", f"NAME={scene}", "AT=2.5")
    assert Image.open(last).tobytes() != last_pixels
    assert project.mtimes("build/videos/**/*") == videos  # no video was rendered
    assert not list(project.path("build/stills").glob("*.mp4"))
    bad = project.make("still", "NAME=nope", check=False)
    assert bad.returncode != 0 and "no scene scenes/nope.py" in bad.stderr
    not_a_number = project.make("still", f"NAME={scene}", "AT=abc", check=False)
    assert not_a_number.returncode != 0 and "AT=abc: a moment of the scene" in not_a_number.stderr
    past_the_end = project.make("still", f"NAME={scene}", "AT=999")
    assert "AT=999 is past the scene's end: the last frame" in past_the_end.stdout
    assert Image.open(last).tobytes() == last_pixels


@pytest.mark.slow
def test_a_still_inside_the_title_card_is_the_videos_frame_there(fixture_rebuilt: Project) -> None:
    """The title card is shown in setup(), before construct(): a still of a moment in it is that card."""
    from lecturemedia.animations.scene import TITLE_SECONDS
    from PIL import Image

    project = fixture_rebuilt
    scene = sources.scene_names(project.root)[0]
    poster = Image.open(project.path(f"{VIDEOS}/{scene}.png")).convert("RGB").tobytes()  # the card in the video
    still = project.path(f"build/stills/{scene}.png")
    for at in (0, TITLE_SECONDS / 3, TITLE_SECONDS - 0.3):
        made = project.make("still", f"NAME={scene}", f"AT={at:g}")
        assert f"at {at:g} s" in made.stdout
        assert Image.open(still).convert("RGB").tobytes() == poster, at
    srt = project.path(f"{VIDEOS}/{scene}.srt").read_text(encoding="utf-8")
    faded = re.findall(r"--> (\d+):(\d+):(\d+),(\d+)", srt)[0]  # the title's caption ends as the card is gone
    h, m, sec, ms = (int(x) for x in faded)
    project.make("still", f"NAME={scene}", f"AT={h * 3600 + m * 60 + sec + ms / 1000 - 0.3:g}")  # the card fading
    fading = Image.open(still).convert("RGB").tobytes()
    assert fading != poster and any(fading)


TRICKY_SCENE = '''"""Tricky: animations whose end a still must not shortcut."""

from lecturemedia.animations.scene import TraceScene
from manim import (
    DOWN, LEFT, PI, RED, RIGHT, UP, ApplyMethod, Circle, Create, FadeOut, Homotopy, LaggedStart, Rotating,
    ShowPassingFlash, Square, Text, Transform, TransformMatchingShapes, Write,
)


class Tricky(TraceScene):
    def construct(self) -> None:
        self.say("Lo que una imagen fija no puede saltarse")
        gone = Circle(color=RED, radius=0.5).shift(3 * LEFT + UP)
        self.add(gone)
        self.play(FadeOut(gone), run_time=0.3)  # FadeOut puts its mobject back when it is done
        self.add(gone)
        flash = Circle(radius=0.5).shift(UP)
        self.add(flash)
        self.play(ShowPassingFlash(flash), run_time=0.3)  # so does ShowPassingFlash
        self.add(flash)
        a, b = Text("abc").shift(DOWN), Text("cab").shift(2 * DOWN)
        self.add(a)
        self.play(TransformMatchingShapes(a, b), run_time=0.3)
        self.play(TransformMatchingShapes(b, a), run_time=0.3)
        turned = Square(0.8).shift(3 * RIGHT + UP)
        self.add(turned)
        self.play(Rotating(turned, angle=PI / 3), run_time=0.3)  # applied again at each end
        moved = Square(0.5).shift(3 * RIGHT + DOWN)
        self.add(moved)
        self.play(Homotopy(lambda x, y, z, t: (x + t, y, z), moved), run_time=0.3)
        squares = [Square(0.3).shift(i * 0.5 * RIGHT + 2 * UP) for i in range(4)]
        self.play(LaggedStart(*[Create(q) for q in squares], lag_ratio=0.3), run_time=0.5)
        word = Text("fin").shift(3 * LEFT + DOWN)
        self.play(Write(word), squares[0].animate.shift(UP * 0.5), Transform(squares[1], Circle(0.2)), run_time=0.3)
        self.play(squares[2].animate.become(Text("xyz").scale(0.5)), ApplyMethod(squares[3].scale, 1.5), run_time=0.3)
        self.play(word.animate.become(Circle(0.4)).shift(LEFT), run_time=0.3)  # targets of their own, realigned
        self.wait(0.2)
'''


@pytest.mark.slow
def test_a_still_keeps_what_each_animation_leaves(fixture_rebuilt: Project) -> None:
    """The shortcuts a still takes must not change what an animation leaves behind it."""
    from PIL import Image

    project = fixture_rebuilt
    project.path("scenes/tricky.py").write_text(TRICKY_SCENE, encoding="utf-8")
    project.make("videos")
    project.make("still", "NAME=tricky")
    video_end = Image.open(project.path("build/videos/test/tricky-end.png")).convert("RGB")
    still = Image.open(project.path("build/stills/tricky.png")).convert("RGB")
    assert still.tobytes() == video_end.tobytes()


@pytest.mark.slow
def test_a_still_is_the_videos_last_frame_made_here_or_by_the_watchers_worker(fixture_rebuilt: Project) -> None:
    """A still skips what Manim draws and copies on the way; the frame must not change for it."""
    from PIL import Image

    project = fixture_rebuilt
    scene = sources.scene_names(project.root)[0]
    video_end = Image.open(project.path(f"build/videos/test/{scene}-end.png")).convert("RGB").tobytes()
    still = project.path(f"build/stills/{scene}.png")
    project.make("still", f"NAME={scene}")
    assert Image.open(still).convert("RGB").tobytes() == video_end
    still.unlink()
    umask = os.umask(0o022)  # a common umask, under which a socket would be 0755
    try:
        worker = watch.start_still_worker(project.root)
    finally:
        os.umask(umask)
    try:
        while not project.path("build/.still.sock").exists():
            assert worker.poll() is None, "the still worker ended"
            time.sleep(0.1)
        assert project.path("build/.still.sock").stat().st_mode & 0o777 == 0o600  # no other account can ask it
        made = project.make("still", f"NAME={scene}")
        assert f"still {scene}" in made.stdout
        assert Image.open(still).convert("RGB").tobytes() == video_end
        bad = project.make("still", "NAME=nope", check=False)
        assert bad.returncode != 0 and "no scene scenes/nope.py" in bad.stderr
    finally:
        builder.end_group(worker.pid, worker)
    assert worker.returncode is not None
    assert not project.path("build/.still.sock").exists()


@pytest.mark.slow
def test_a_still_leaves_a_worker_for_the_next_that_ends_with_build(fixture_rebuilt: Project) -> None:
    """`make still` with no worker leaves one behind; the next still goes through it; `make clean` ends it."""
    project = fixture_rebuilt
    scene = sources.scene_names(project.root)[0]
    mark = f"still-worker-test-{uuid.uuid4().hex}"
    env = {"LECTURE_STILL_WORKER": "1", "LECTUREMEDIA_TEST_MARK": mark}
    try:
        typo = project.make("still", "NAME=nope", env=env, check=False)
        assert typo.returncode != 0 and not _marked(mark)  # a typo leaves no worker
        first = project.make("still", f"NAME={scene}", env=env)  # returns at once: make waits for no worker
        socket = project.path("build/.still.sock")
        deadline = time.monotonic() + 60
        while not socket.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert socket.exists() and len(_marked(mark)) == 1
        still = project.path(f"build/stills/{scene}.png")
        made_here = still.read_bytes()
        still.unlink()
        asked = "import sys; from lecturemedia.animations import still_worker; print(still_worker.ask(sys.argv[1:]))"
        answer = subprocess.run(
            [sys.executable, "-c", asked, scene, "--quality", "test"],
            cwd=project.root, env={**os.environ, **env}, capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert answer.stdout.splitlines()[-1] == "0", answer.stdout + answer.stderr  # the worker made it
        assert answer.stdout.split(", in ")[0].strip() == first.stdout.split(", in ")[0].strip()
        assert still.read_bytes() == made_here
        assert len(_marked(mark)) == 1  # the same worker; none added
        project.make("clean")
        deadline = time.monotonic() + 10
        while _marked(mark) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _marked(mark) == []
    finally:
        for pid in _marked(mark):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
