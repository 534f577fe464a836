"""Engine: fast tests of the pure pieces, with no make. Number format, path checks, LaTeX
logs, course.yaml (one loader, lines, unknown keys), trace files, animation names, and the
Lua filters through bare pandoc."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURE, engine_at
from lecturemedia import config, latex, manim_speedups, pandoc, paths, scaffold, traces
from lecturemedia.errors import UserError
from lecturemedia.templating import num, paths_leaving

DATA = Path(__file__).parent / "data"
DECK = ["# Nuevo", "", "\\begin{center}", "\\comandoinexistente{x}", "\\end{center}", "El cardinal ℵ no está."]


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [(2.0, 2, "2"), (0.028753778, 4, "0.0288"), (99.0000, 1, "99"), (-0.0001, 2, "0"), (55.72562, 3, "55.726")],
)
def test_num_writes_a_number_as_a_slide_quotes_it(value: float, digits: int, expected: str) -> None:
    assert num(value, digits) == expected


def test_paths_leaving_the_project(tmp_path: Path) -> None:
    root, base = tmp_path, tmp_path / "slides_src"
    text = (
        "![a](videos/a.mp4) ![b](../scenes/b.png) ![c](../../c.png) [web](https://x.org/y.png) [s](#frame)\n"
        "\\includegraphics[width=2cm]{/etc/passwd} \\input{../../../secret}\n"
        "`![code](../../not-a-file.png)`\n"
    )
    assert paths_leaving(text, base, root) == ["../../c.png", "/etc/passwd", "../../../secret"]


# ------------------------------------------------------------------ LaTeX logs


def test_an_undefined_command_is_shown_at_its_deck_line() -> None:
    message = latex.explain_failure(DATA / "undefined_cs.log", Path("deck.tex"), DECK, "slides_src/deck.md")
    lines = message.splitlines()
    assert lines[:5] == [
        "LaTeX error: Undefined control sequence.",
        "  in slides_src/deck.md:4:",
        "    \\comandoinexistente{x}",
        "    ^",
        "  hint: a LaTeX command is misspelt or its package is not loaded",
    ]
    assert lines[5].startswith("  full log: ") and lines[5].endswith("undefined_cs.log")


def test_a_character_latex_cannot_set_is_named_with_its_line() -> None:
    message = latex.explain_failure(DATA / "unicode.log", Path("deck.tex"), DECK, "slides_src/deck.md")
    lines = message.splitlines()
    assert lines[0] == "slides_src/deck.md:6: the character ℵ (U+2135) cannot be typeset by pdflatex"
    assert lines[1] == "    El cardinal ℵ no está."
    assert "newunicodechar" in lines[3]


@pytest.mark.parametrize(
    ("missing", "says"),
    [("ulem.sty", "apt-get install texlive-plain-generic"), ("nope.sty", "apt-file search nope.sty")],
)
def test_a_missing_latex_package_names_what_to_install(missing: str, says: str) -> None:
    assert says in latex.missing_file_hint(missing)


# ------------------------------------------------------------------ course.yaml


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    """A project folder with the fixture course's computations, for course.yaml to name."""
    shutil.copytree(FIXTURE / "computations", tmp_path / "computations")
    return tmp_path


def load_yaml(folder: Path, text: str) -> config.Config:
    (folder / "course.yaml").write_text(text, encoding="utf-8")
    with engine_at(folder):
        return config.load(folder / "course.yaml")


def test_the_fixture_course_yaml_loads() -> None:
    with engine_at(FIXTURE):
        loaded = config.load(FIXTURE / "course.yaml")
    assert loaded.course.author and set(loaded.traces) == {"descent"}


def test_an_unknown_section_names_its_line_and_the_sections(course_dir: Path) -> None:
    with pytest.raises(UserError) as err:
        load_yaml(course_dir, "course:\n  author: X\n\ntrace:\n  descent: {}\n")
    assert str(err.value) == "course.yaml:4: unknown section 'trace'; the sections are: course, traces"


def test_an_unknown_course_key_names_its_line_and_the_keys(course_dir: Path) -> None:
    with pytest.raises(UserError) as err:
        load_yaml(course_dir, "course:\n  author: X\n  autor: Y\n")
    message = str(err.value)
    assert message.startswith("course.yaml:3: unknown key course.autor; the keys of course are: ")
    assert "author" in message and "date" in message


def test_an_unknown_trace_key_names_its_line_and_the_parameters(course_dir: Path) -> None:
    with pytest.raises(UserError) as err:
        load_yaml(course_dir, "course: {author: X}\ntraces:\n  descent:\n    lr: 0.1\n    step: 3\n")
    assert str(err.value) == (
        "course.yaml:5: unknown key traces.descent.step; the keys of traces.descent are: w0, target, lr, steps"
    )


def test_a_trace_with_no_computation_names_the_computations(course_dir: Path) -> None:
    with pytest.raises(UserError, match=r"course\.yaml:3: traces\.descnt: there is no computations/descnt\.py; "):
        load_yaml(course_dir, "course: {}\ntraces:\n  descnt: {}\n")


def test_a_value_out_of_bounds_names_the_field(course_dir: Path) -> None:
    with pytest.raises(UserError, match=r"course\.yaml:3: traces\.descent\.steps: Input should be greater than"):
        load_yaml(course_dir, "traces:\n  descent:\n    steps: 0\n")


def test_a_yaml_date_is_kept_as_written(course_dir: Path) -> None:
    assert load_yaml(course_dir, "course:\n  date: 2025-09-15\n").course.date == "2025-09-15"


def test_a_syntax_error_has_a_line(course_dir: Path) -> None:
    with pytest.raises(UserError, match=r"course\.yaml:\d+: not valid YAML"):
        load_yaml(course_dir, "course:\n  author: [unclosed\n")


def test_a_key_given_twice_is_an_error(course_dir: Path) -> None:
    with pytest.raises(UserError, match=r"course\.yaml:3: .*'author' is given twice"):
        load_yaml(course_dir, "course:\n  author: X\n  author: Y\n")


def test_a_missing_course_yaml_says_how_to_restore_it(course_dir: Path) -> None:
    with engine_at(course_dir), pytest.raises(UserError, match=r"course\.yaml is missing.*git checkout course\.yaml"):
        config.load(course_dir / "course.yaml")


def test_split_writes_each_part_only_when_it_changes(course_dir: Path) -> None:
    (course_dir / "course.yaml").write_text("course: {author: X, date: '2025'}\n", encoding="utf-8")
    out = course_dir / "build" / "config"
    with engine_at(course_dir):
        config.split(course_dir / "course.yaml", out)
        assert json.loads((out / "trace-descent.json").read_text())["steps"] >= 1  # the defaults
        stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
        (course_dir / "course.yaml").write_text("course: {author: X, date: '2026'}\n", encoding="utf-8")
        config.split(course_dir / "course.yaml", out)
    changed = {p.name for p in out.iterdir() if p.stat().st_mtime_ns != stamps[p.name]}
    assert changed == {"course.json"}


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


def test_a_taken_name_is_refused(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE / "scenes", tmp_path / "scenes")
    with engine_at(tmp_path), pytest.raises(UserError, match=r"scenes/descent\.py already exist.*taken"):
        scaffold.check_free("descent")


# ------------------------------------------------------------------ the Lua filters, through bare pandoc


def beamer(markdown: str, *filters: str, meta: dict[str, object] | None = None) -> str:
    """The deck's Beamer LaTeX body, as pandoc writes it with the engine's reader (for a deck
    whose front matter is `meta`) and filters."""
    args = ["pandoc", "-f", pandoc.reader(meta or {}, "deck.md"), "-t", "beamer", "--slide-level=1"]
    for name in filters or ("br.lua", "pregunta.lua"):
        args += ["--lua-filter", str(paths.FILTERS / name)]
    return subprocess.run(args, input=markdown, capture_output=True, text=True, check=True).stdout


def test_a_list_right_after_its_line_is_a_list_when_the_deck_asks_for_it() -> None:
    text = "# F\n\nEjemplos:\n- uno\n- dos\n"
    tex = beamer(text, meta={"reader-extensions": "+lists_without_preceding_blankline"})
    assert "Ejemplos:\n\n\\begin{itemize}" in tex
    assert "itemize" not in beamer(text)  # as bare pandoc reads it


def test_a_malformed_reader_extension_is_refused() -> None:
    with pytest.raises(UserError, match=r"deck\.md: reader-extensions: "):
        pandoc.reader({"reader-extensions": "lists; rm -rf"}, "deck.md")


def test_text_after_br_leaves_the_list_as_its_own_paragraph() -> None:
    tex = beamer("# F\n\n- uno\n- dos\n<br/>\nDespués.\n")
    assert "dos\n\\end{itemize}\n\n\\vspace{0.5\\baselineskip}\n\nDespués." in tex
    assert "<br" not in tex


def test_br_inside_a_line_breaks_it() -> None:
    tex = beamer("# F\n\nuno <br/> dos\n")
    assert "uno \\\\\ndos" in tex or "uno\\\\\ndos" in tex or "uno \\\\ dos" in tex


def test_an_empty_h2_and_a_quote_is_a_question_block() -> None:
    tex = beamer("# F\n\nTexto.\n\n##\n> ¿Por qué?\n")
    assert "\\begin{exampleblock}{Pregunta}" in tex
    assert "¿Por qué?" in tex and "\\begin{quote}" not in tex


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
