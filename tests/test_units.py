"""Fast tests of the pure pieces: number formatting, path checks, LaTeX logs, course.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
from lecturemedia import config, latex
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
        "\\includegraphics[width=2cm]{/etc/passwd} \\input{../../../secret}"
    )
    assert paths_leaving(text, base, root) == ["../../c.png", "/etc/passwd", "../../../secret"]


def test_an_undefined_command_is_shown_at_its_deck_line() -> None:
    message = latex.explain_failure(DATA / "undefined_cs.log", Path("deck.tex"), DECK, "slides_src/deck.md")
    assert message.splitlines() == [
        "LaTeX error: Undefined control sequence.",
        "  in slides_src/deck.md:4:",
        "    \\comandoinexistente{x}",
        "    ^",
        "  hint: a LaTeX command is misspelt or its package is not loaded",
        "  full log: tests/data/undefined_cs.log",  # shown relative to the project
    ]


def test_a_character_latex_cannot_set_is_named_with_its_line() -> None:
    message = latex.explain_failure(DATA / "unicode.log", Path("deck.tex"), DECK, "slides_src/deck.md")
    lines = message.splitlines()
    assert lines[0] == "slides_src/deck.md:6: the character ℵ (U+2135) cannot be typeset by pdflatex"
    assert lines[1] == "    El cardinal ℵ no está."
    assert "newunicodechar" in lines[3]


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "course.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_course_yaml_values_are_validated_with_their_field(tmp_path: Path) -> None:
    path = write_config(tmp_path, "course: {author: X}\ntraces:\n  sgd_x2: {steps: 0}\n")
    with pytest.raises(UserError, match=r"traces\.sgd_x2\.steps: Input should be greater than or equal to 1"):
        config.load(path)


def test_course_yaml_names_an_unknown_trace(tmp_path: Path) -> None:
    path = write_config(tmp_path, "course: {author: X}\ntraces:\n  sgd_x3: {}\n")
    with pytest.raises(UserError, match=r"unknown trace 'sgd_x3' under `traces:`; known: autograd_graph"):
        config.load(path)


def test_course_yaml_syntax_errors_have_a_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, "course:\n  author: [unclosed\n")
    with pytest.raises(UserError, match=r"course\.yaml:\d+: not valid YAML"):
        config.load(path)


def test_split_writes_each_part_only_when_it_changes(tmp_path: Path) -> None:
    path = write_config(tmp_path, "course: {author: X, date: '2025'}\n")
    out = tmp_path / "config"
    config.split(path, out)
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    write_config(tmp_path, "course: {author: X, date: '2026'}\n")
    config.split(path, out)
    changed = {p.name for p in out.iterdir() if p.stat().st_mtime_ns != stamps[p.name]}
    assert changed == {"course.json"}
