"""Engine, animations: trace files, animation names, the Manim speed-ups; fast, with no make."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE, engine_at
from lecturemedia.animations import captions, computation, manim_scene, manim_speedups, scaffold, traces
from lecturemedia.errors import UserError

DATA = Path(__file__).parent / "data"
DECK = ["# Nuevo", "", "\\begin{center}", "\\comandoinexistente{x}", "\\end{center}", "El cardinal ℵ no está."]


# ------------------------------------------------------------------ trace files


def test_a_trace_is_canonical_json_and_refuses_nan() -> None:
    text = traces.dumps({"b": [1.5, 2], "a": "á"})
    assert text == '{\n "a": "á",\n "b": [\n  1.5,\n  2\n ]\n}\n'
    with pytest.raises(ValueError):
        traces.dumps({"x": float("nan")})
    assert traces.non_finite({"runs": [{"x": [1.0, float("inf")]}]}) == "runs.0.x.1"
    assert traces.non_finite({"runs": [{"x": [1.0]}]}) is None


def test_a_missing_trace_says_how_to_make_it(tmp_path: Path) -> None:
    with engine_at(tmp_path), pytest.raises(UserError, match=r"descent\.json is missing; run `make`"):
        traces.load("descent", tmp_path / "build" / "traces" / "descent.json")


# ------------------------------------------------------------------ animation names


@pytest.mark.parametrize("name", ["Bad-name", "2fast", "class", "with space", "common"])
def test_a_name_that_cannot_name_an_animation_is_refused(name: str, tmp_path: Path) -> None:
    with engine_at(tmp_path), pytest.raises(UserError, match=repr(name)):
        scaffold.check_free(name)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("class", r"'class' is a Python keyword, which cannot name a module .* e\.g\. class_demo$"),
        ("regresión", r"'regresión' has letters outside ASCII \(ó\): .* write it without accents, e\.g\. regresion$"),
        ("Regresión-Lineal", r"outside ASCII \(ó\): .*, e\.g\. regresion_lineal$"),
        ("Bad-name", r"use lowercase letters, digits and _, starting with a letter .*, e\.g\. bad_name$"),
    ],
)
def test_a_refused_name_says_why_and_a_name_that_works(name: str, says: str, tmp_path: Path) -> None:
    with engine_at(tmp_path), pytest.raises(UserError, match=says):
        scaffold.check_free(name)
    assert computation.name_problem(computation.suggested_name(name) or "x") is None


def test_a_taken_name_is_refused(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE / "scenes", tmp_path / "scenes")
    with engine_at(tmp_path), pytest.raises(UserError, match=r"scenes/descent\.py already exist.*taken"):
        scaffold.check_free("descent")


def test_the_svg_cache_knows_an_svg_by_its_bytes(tmp_path: Path) -> None:
    """Two SVGs of one name and size, in two folders or one after an edit, are two entries."""
    from types import SimpleNamespace

    def svg(path: Path, colour: str) -> SimpleNamespace:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'<svg><rect fill="{colour}"/></svg>')
        return SimpleNamespace(get_file_path=lambda: path, svg_default={}, path_string_config={})

    red, blue = svg(tmp_path / "a" / "logo.svg", "#F00"), svg(tmp_path / "b" / "logo.svg", "#00F")
    key = manim_speedups.SvgCache.key
    assert key(red) != key(blue)
    before = key(red)
    svg(tmp_path / "a" / "logo.svg", "#0F0")  # the same size, other bytes
    assert key(red) != before
    assert key(svg(tmp_path / "c" / "logo.svg", "#00F")) == key(blue)
    assert key(SimpleNamespace(get_file_path=lambda: tmp_path / "none.svg")) is None



def test_vectorised_subpaths_are_manims_own() -> None:
    """The same subpaths as Manim's loop of np.allclose, near misses, NaN and infinities included."""
    import numpy as np
    from manim import VMobject

    manim_speedups.vectorised_subpaths()
    fast = VMobject.get_subpaths_from_points
    loop = fast.__wrapped__  # type: ignore[attr-defined]
    rng = np.random.default_rng(7)
    mob = VMobject()
    tol = mob.tolerance_for_point_equality
    for n_points in (0, 3, 4, 5, 8, 9, 16, 40, 41):
        for _ in range(30):
            points = rng.normal(size=(n_points, 3))
            for n in range(4, n_points, 4):  # most anchors joined, some nearly, some not
                kind = rng.integers(5)
                nudge = {0: 0.0, 1: tol / 2, 2: tol * 2, 3: 1.0, 4: np.nan}[int(kind)]
                points[n] = points[n - 1] + nudge
            if n_points > 8 and rng.integers(3) == 0:
                points[4:6] = np.inf
            want, got = loop(mob, points), fast(mob, points)
            assert len(want) == len(got)
            assert all(np.array_equal(w, g, equal_nan=True) for w, g in zip(want, got, strict=True))



@pytest.mark.parametrize("options", [{}, manim_scene.ENCODER_OPTIONS])
def test_a_held_frame_converted_once_is_encoded_to_the_same_bytes(tmp_path: Path, options: dict[str, str]) -> None:
    """Manim's encoder, given frames held for a count, writes the same file with the speedup as without."""
    import numpy as np
    from manim._config.output import OutputFormat, OutputSpec
    from manim._config.video_encoder import resolve_video_encoder
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    manim_speedups.held_frames_converted_once()
    fast = VideoSegmentEncoder.write_frame
    rng = np.random.default_rng(3)
    pictures = [rng.integers(0, 256, size=(72, 128, 4), dtype=np.uint8) for _ in range(3)]
    spec = resolve_video_encoder(
        OutputSpec(OutputFormat.MP4, transparent=False, save_sections=False, fallback_to_still=False),
        width=128, height=72, frame_rate=15, options=options)
    written = []
    for name, write in (("manims", fast.__wrapped__), ("held", fast)):  # type: ignore[attr-defined]
        encoder = VideoSegmentEncoder(target=tmp_path / f"{name}.mp4", spec=spec)
        for picture, repeat in zip(pictures, (1, 7, 4), strict=True):
            write(encoder, picture, repeat=repeat)
        encoder.finish()
        written.append((tmp_path / f"{name}.mp4").read_bytes())
    assert written[0] == written[1]

# ------------------------------------------------------------------ captions: reading time, placement, files


def test_a_caption_shown_too_briefly_is_named_with_its_line_and_the_wait_it_needs() -> None:
    said = [
        captions.Caption(0.0, 1.2, "Backward: la regla de la cadena lleva el gradiente", "scenes/x.py:12"),
        captions.Caption(1.2, 5.0, "Forward: valores", "scenes/x.py:20"),
        captions.Caption(5.0, 6.0, "Fin", "scenes/x.py:31"),
    ]
    warnings = captions.too_brief(said, "scenes/x.py")
    need = len(said[0].text) / captions.READING_CPS
    assert warnings == [
        f"scenes/x.py:12: caption shown 1.2 s, too briefly to be read: {captions._quote(said[0].text)} has "
        f"{len(said[0].text)} characters, which need {need:.1f} s (15 a second, 1.5 s at least); "
        f"add self.wait({need - 1.2:.1f}) before the next say(), or say less",
        'scenes/x.py:31: caption shown 1.0 s, too briefly to be read: "Fin" has 3 characters, which need 1.5 s '
        "(15 a second, 1.5 s at least); add self.wait(0.5) at the end of the scene, or say less",
    ]


def frames(free_top: float, free_bottom: float, start: float = 0.0, end: float = 4.0) -> list[captions.Rows]:
    return [captions.Rows(t / 10, free_top, free_bottom) for t in range(int(start * 10), int(end * 10))]


def test_a_caption_goes_where_the_picture_leaves_it_room() -> None:
    short = "Una línea"  # one line: 12 % of the height
    free = captions.Caption(0.0, 1.0, short, "scenes/x.py:1")
    low = captions.Caption(1.0, 2.0, short, "scenes/x.py:2")
    both = captions.Caption(2.0, 3.0, short, "scenes/x.py:3")
    rows = frames(1.0, 1.0, 0, 1) + frames(0.5, 0.05, 1, 2) + frames(0.05, 0.05, 2, 3)
    warnings = captions.place([free, low, both], rows, "scenes/x.py")
    assert (free.top, low.top, both.top) == (False, True, False)
    assert len(warnings) == 1 and warnings[0].startswith("scenes/x.py:3: the caption will cover the picture")
    srt = captions.srt([free, low])
    assert "\nUna línea\n" in srt and "\n{\\an8}Una línea\n" in srt  # at the top for mpv, VLC, ffmpeg
    vtt = captions.webvtt([free, low])
    assert "00:00:01.000 --> 00:00:02.000 line:5%\nUna línea\n" in vtt and "00:00:01.000\nUna línea" in vtt


def test_a_longer_caption_needs_more_room() -> None:
    long = "una frase de captions que ocupa dos líneas enteras en la pantalla del vídeo"
    assert captions.lines(long) == 2 and captions.band(long) == pytest.approx(captions.TWO_LINES)
    rows = frames(1.0, 0.15)  # room for one line at the bottom, not for two
    one, two = captions.Caption(0, 4, "Una línea"), captions.Caption(0, 4, long)
    assert captions.place([one, two], rows, "scenes/x.py") == [] and (one.top, two.top) == (False, True)
