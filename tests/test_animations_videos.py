"""Engine: `make videos` on the fixture course with the real Manim, at the test quality
(256x144, 5 fps): the video and its posters, what a rebuild renders, and a scene's errors."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import FIXTURE, RENDER, VIDEOS, logged_error, stderr_tail
from lecturemedia.project_copy import Project
from PIL import Image

SCENES = sorted(p.stem for p in (FIXTURE / "scenes").glob("*.py") if p.stem != "common" and not p.stem.startswith("_"))
TEST_SIZE = (256, 144)


def check_video(mp4: Path) -> None:
    with av.open(str(mp4)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == TEST_SIZE
        assert stream.average_rate == 5
        assert container.duration is not None and container.duration / av.time_base > 1


def check_poster(png: Path) -> None:
    """The frame is of the test size and not blank: some pixels differ from the background."""
    image = np.asarray(Image.open(png).convert("RGB")).astype(int)
    assert image.shape[:2] == (TEST_SIZE[1], TEST_SIZE[0])
    background = np.median(image.reshape(-1, 3), axis=0)
    differing = (np.abs(image - background).sum(axis=2) > 60).mean()
    assert differing > 0.005, f"{png.name}: {differing:.2%} of the pixels show something"


@pytest.mark.parametrize("name", SCENES)
def test_every_scene_renders_a_video_of_the_test_size_and_posters_that_show_something(
    fixture_built: Project, name: str
) -> None:
    check_video(fixture_built.path(f"{VIDEOS}/{name}.mp4"))
    posters = sorted(fixture_built.path(VIDEOS).glob(f"{name}*.png"))
    assert fixture_built.path(f"{VIDEOS}/{name}.png") in posters
    for png in posters:
        check_poster(png)


def test_a_second_make_videos_renders_nothing(fixture_rebuilt: Project) -> None:
    fixture_rebuilt.make("videos")  # notes the digests of the copied build (see test_slides)
    before = fixture_rebuilt.mtimes()
    out = fixture_rebuilt.make("videos")
    assert out.stdout == "" and out.stderr == ""
    assert {k for k, v in fixture_rebuilt.mtimes().items() if before.get(k) != v} <= {"build/.lock"}


def test_editing_one_scene_rerenders_it_and_the_decks_that_place_it(fixture_rebuilt: Project) -> None:
    fixture_rebuilt.make("new-animation", "NAME=second")
    fixture_rebuilt.make("videos")
    fixture_rebuilt.edit("scenes/descent.py", lambda s: s + "\n# edited\n")
    changed = fixture_rebuilt.changed_by_make("all")
    videos = {Path(p).name.split(".")[0].split("-")[0] for p in changed if p.startswith(f"{VIDEOS}/")}
    assert videos == {"descent"}
    decks = {p for p in changed if re.fullmatch(r"build/(slides|handouts|html)/\w+\.(pdf|html)", p)}
    assert decks == {"build/slides/alpha.pdf", "build/handouts/alpha.pdf", "build/html/alpha.html"}


def render(project: Project, name: str) -> subprocess.CompletedProcess[str]:
    """The render step as make runs it, without make (which would remake a missing trace)."""
    return subprocess.run(
        [*RENDER, name, "--quality", "test"],
        cwd=project.root,
        capture_output=True,
        text=True,
    )


def test_a_missing_trace_is_named_with_how_to_make_it(fixture_rebuilt: Project) -> None:
    fixture_rebuilt.path("build/traces/descent.json").unlink()
    out = render(fixture_rebuilt, "descent")
    assert out.returncode == 1
    assert out.stderr.strip().startswith("error: build/traces/descent.json is missing; run `make`")


def insert_after_trace(project: Project, code: str) -> int:
    """Insert a line of code after the scene's `data = trace(...)` line; its line number."""
    lines = project.path("scenes/descent.py").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "= trace(" in line)
    indent = re.match(r"\s*", lines[at]).group(0)
    lines.insert(at + 1, indent + code)
    project.path("scenes/descent.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return at + 2


def no_video_left(project: Project) -> bool:
    return not list(project.path(VIDEOS).glob("descent*"))


def test_an_exception_in_a_scene_names_its_line_and_the_log(fixture_rebuilt: Project) -> None:
    line = insert_after_trace(fixture_rebuilt, "steps = 1 / 0")
    out = fixture_rebuilt.make("videos", check=False)
    assert out.returncode != 0
    err = stderr_tail(out.stderr)
    assert err[0] == f"error: scenes/descent.py:{line}: ZeroDivisionError: division by zero"
    assert "ZeroDivisionError" in logged_error(fixture_rebuilt, out.stderr)
    assert len(err) <= 6 and "Traceback" not in out.stderr
    assert no_video_left(fixture_rebuilt)


def test_a_scene_reading_a_field_its_trace_lacks_names_its_line_and_the_fields(fixture_rebuilt: Project) -> None:
    line = insert_after_trace(fixture_rebuilt, "wrong = data.nope")
    out = fixture_rebuilt.make("videos", check=False)
    assert out.returncode != 0
    assert (
        f"scenes/descent.py:{line}: AttributeError: Result has no field 'nope'; its fields are: "
        "function, target, history_w, losses, grads"
    ) in out.stderr
    assert no_video_left(fixture_rebuilt)


def test_a_formula_latex_cannot_typeset_shows_the_formula_and_latexs_message(fixture_rebuilt: Project) -> None:
    fixture_rebuilt.edit("scenes/descent.py", lambda s: s.replace("from manim import ", "from manim import MathTex, "))
    line = insert_after_trace(fixture_rebuilt, r'self.add(MathTex(r"d = \frac{a"))')
    out = render(fixture_rebuilt, "descent")
    assert out.returncode == 1
    assert f"scenes/descent.py:{line}: LaTeX could not typeset a formula" in out.stderr
    assert "d = \\frac{a" in out.stderr and "LaTeX compilation error" in out.stderr
    assert len(out.stderr.strip().splitlines()) <= 8


NUMBERS_SCENE = '''"""Numbers: a negative one, in every kind of text a scene writes."""

from lecturemedia.animations.scene import TraceScene
from lecturemedia.numbers import num
from manim import DOWN, UP, MathTex, Tex, Text


class Numbers(TraceScene):
    def construct(self) -> None:
        self.say(f"El paso vale {num(-0.5381, 3)}")
        self.add(MathTex(r"\\Delta = " + num(-0.5381, 3)).shift(UP), Tex(f"paso {num(-3)}"), Text(num(-1)).shift(DOWN))
        self.wait(2)
'''


def test_a_negative_number_has_a_true_minus_in_the_captions_and_typesets_in_mathtex(fixture_rebuilt: Project) -> None:
    fixture_rebuilt.path("scenes/numbers.py").write_text(NUMBERS_SCENE, encoding="utf-8")
    out = render(fixture_rebuilt, "numbers")
    assert out.returncode == 0, out.stderr
    for ext in ("srt", "vtt"):
        assert "El paso vale −0.538\n" in fixture_rebuilt.path(f"{VIDEOS}/numbers.{ext}").read_text(encoding="utf-8")


CAPTIONS_SCENE = '''"""Captions: how long and where."""

from lecturemedia.animations.scene import TraceScene
from manim import BLUE, DOWN, UP, Rectangle


class Captions(TraceScene):
    def construct(self) -> None:
        self.say("Una frase que pasa demasiado deprisa para leerla")
        self.wait(1)
        low = Rectangle(width=12, height=1.2, color=BLUE, fill_opacity=1).to_edge(DOWN, buff=0.2)
        self.add(low)
        self.say("Abajo hay dibujo: esta va arriba")
        self.wait(3)
        high = Rectangle(width=12, height=1.2, color=BLUE, fill_opacity=1).to_edge(UP, buff=0.2)
        self.add(high)
        self.say("Arriba y abajo: esta tapa el dibujo")
        self.wait(3)
        self.remove(low, high)
        self.say("Todo libre de nuevo")
        self.wait_to_read()
'''


def test_captions_too_brief_or_over_the_picture_are_named_and_placed_where_it_is_free(
    fixture_rebuilt: Project,
) -> None:
    fixture_rebuilt.path("scenes/captions.py").write_text(CAPTIONS_SCENE, encoding="utf-8")
    lines = CAPTIONS_SCENE.splitlines()
    said = [i for i, line in enumerate(lines, 1) if "self.say(" in line]
    out = render(fixture_rebuilt, "captions")
    assert out.returncode == 0, out.stderr
    warnings = [line for line in out.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2, out.stderr  # the title card is held until it can be read; the rest are
    assert warnings[0].startswith(f"warning: scenes/captions.py:{said[0]}: caption shown 1.0 s, too briefly to be read")
    assert warnings[1].startswith(f"warning: scenes/captions.py:{said[2]}: the caption will cover the picture")
    srt = fixture_rebuilt.path(f"{VIDEOS}/captions.srt").read_text(encoding="utf-8")
    assert [cue.split("\n")[-1] for cue in srt.strip().split("\n\n")] == [
        "Captions: how long and where",
        "Una frase que pasa demasiado deprisa para leerla",
        "{\\an8}Abajo hay dibujo: esta va arriba",  # the bottom is drawn on, the top is free
        "Arriba y abajo: esta tapa el dibujo",
        "Todo libre de nuevo",
    ]
    vtt = fixture_rebuilt.path(f"{VIDEOS}/captions.vtt").read_text(encoding="utf-8")
    assert re.search(r"--> [\d:.]+ line:5%\nAbajo hay dibujo: esta va arriba\n", vtt)
    assert vtt.count("line:") == 1
