"""Engine, decks: path checks, LaTeX logs, the Lua filters through bare pandoc; fast, with no make."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from lecturemedia import paths
from lecturemedia.decks import glued_lists, latex, pandoc
from lecturemedia.decks.templating import paths_leaving
from lecturemedia.errors import UserError

DATA = Path(__file__).parent / "data"
DECK = ["# Nuevo", "", "\\begin{center}", "\\comandoinexistente{x}", "\\end{center}", "El cardinal ℵ no está."]


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


# ------------------------------------------------------------------ the Lua filters, through bare pandoc


def beamer(markdown: str, *filters: str, meta: dict[str, object] | None = None) -> str:
    """The deck's Beamer LaTeX body, as pandoc writes it with the engine's reader (for a deck
    whose front matter is `meta`) and filters."""
    args = ["pandoc", "-f", pandoc.reader(meta or {}, "deck.md"), "-t", "beamer", "--slide-level=1"]
    for name in filters or ("br.lua", "pregunta.lua"):
        args += ["--lua-filter", str(pandoc.FILTER_DIR / name)]
    return subprocess.run(args, input=markdown, capture_output=True, text=True, check=True).stdout


def test_a_list_right_after_its_line_is_a_list_when_the_deck_asks_for_it() -> None:
    text = "# F\n\nEjemplos:\n- uno\n- dos\n"
    tex = beamer(text, meta={"reader-extensions": "+lists_without_preceding_blankline"})
    assert "Ejemplos:\n\n\\begin{itemize}" in tex
    assert "itemize" not in beamer(text)  # as bare pandoc reads it


def test_a_list_right_under_a_line_of_text_is_found_where_pandoc_would_glue_it() -> None:
    text = (
        "---\ntitle: T\n---\n"  # lines 1-3
        "# F\n- after a heading: a list\n\n"  # 4-6
        "Ejemplos comunes:\n- ReLU\n- Sigmoid\n\n"  # 7-10: line 8
        "> Cita:\n> - uno\n\n"  # 11-13: line 12
        "- a list\n  continued\n- goes on\n\n"  # 14-17
        "Intro:\n<% for x in xs %>\n1. << x >>\n<% endfor %>\n\n"  # 18-22: line 20
        "```\nCode:\n- not a list\n```\n\n"  # 23-27
        "Wrapped prose, as in\n(c) a licence line\n\n"  # 28-30
        "\\end{center}\n- after raw LaTeX\n"  # 31-32
    )
    assert glued_lists.lines_after_text(text) == [8, 12, 20]
    tex = beamer("# F\n\nEjemplos comunes:\n- ReLU\n- Sigmoid\n")
    assert "itemize" not in tex  # what the warning is about: bare pandoc's paragraph


@pytest.mark.parametrize(
    ("extensions", "on"),
    [
        ("markdown", False),
        ("markdown+lists_without_preceding_blankline", True),
        ("markdown+lists_without_preceding_blankline-lists_without_preceding_blankline", False),
        ("markdown+smart+lists_without_preceding_blankline-smart", True),
    ],
)
def test_whether_the_reader_reads_such_a_list_as_a_list(extensions: str, on: bool) -> None:
    assert glued_lists.enabled(extensions) is on


def test_the_course_gives_the_reading_options_and_a_deck_overrides_them(tmp_path: Path) -> None:
    course = {"slide-level": 1, "reader-extensions": "+lists_without_preceding_blankline"}
    (tmp_path / "course.json").write_text(json.dumps(course), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "CONFIG_DIR", tmp_path)
        meta = pandoc.metadata("---\ntitle: T\n---\n\n# F\n")
        assert pandoc.reader(meta, "deck.md") == "markdown+lists_without_preceding_blankline"
        assert pandoc.slide_level(meta) == ["--slide-level=1"]
        meta = pandoc.metadata("---\nslide-level: 2\nreader-extensions: ''\n---\n\n# F\n")
        assert pandoc.reader(meta, "deck.md") == "markdown"
        assert pandoc.slide_level(meta) == ["--slide-level=2"]


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


def mathml(markdown: str, *filters: str) -> str:
    """The MathML pandoc writes for the HTML decks, with these filters."""
    args = ["pandoc", "-t", "html", "--mathml"]
    for name in filters:
        args += ["--lua-filter", str(pandoc.FILTER_DIR / name)]
    return subprocess.run(args, input=markdown, capture_output=True, text=True, check=True).stdout


INFIX_MINUS = re.compile(r"(?<!<mrow>)<mo>−</mo><mn>")  # a minus before a number, not the first of its row


@pytest.mark.parametrize("formula", ["$(−0.538)$", "$= −3$", "$x = -3$", "$[−1, 2]$", "$2 \\cdot (−1.5)$"])
def test_a_numbers_own_minus_is_a_prefix_in_mathml_and_typesets_as_before(formula: str) -> None:
    assert INFIX_MINUS.search(mathml(formula))  # bare pandoc: spaced as a subtraction, "( − 0.538 )"
    html = mathml(formula, "unary_minus.lua")
    assert "<mrow><mo>−</mo><mn>" in html and not INFIX_MINUS.search(html), html
    tex = beamer(f"# F\n\n{formula}\n", "unary_minus.lua")
    assert re.search(r"\{[−-]\d+(\.\d+)?\}\{\}", tex), tex  # braced: the same atoms for TeX, an <mrow> for MathML


@pytest.mark.parametrize("formula", ["$x - 1$", "$\\eta - 1$", "$(a) - 2$", "$x^2 - 3$", "$-3^2$"])
def test_a_subtraction_or_a_minus_before_a_power_is_left_as_written(formula: str) -> None:
    tex = beamer(f"# F\n\n{formula}\n", "unary_minus.lua")
    assert tex == beamer(f"# F\n\n{formula}\n"), tex
