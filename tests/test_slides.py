"""`make slides` with the real pandoc and pdflatex: the decks, their fixes, errors, rebuilds."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import REPO, pdf_pages, pdf_text
from lecturemedia.project_copy import Project

DECKS = sorted(p.stem for p in (REPO / "slides_src").glob("*.md"))


def frames(project: Project, deck: str) -> list[str]:
    md = project.path(f"build/md/{deck}.md").read_text(encoding="utf-8")
    return re.findall(r"^# (.+)$", md, flags=re.M)


def questions(project: Project, deck: str) -> int:
    md = project.path(f"build/md/{deck}.md").read_text(encoding="utf-8")
    return len(re.findall(r"^##\s*\n>", md, flags=re.M))


@pytest.mark.parametrize("deck", DECKS)
def test_every_deck_has_a_title_page_and_one_page_per_frame(built: Project, deck: str) -> None:
    pdf = built.path(f"build/slides/{deck}.pdf")
    assert pdf_pages(pdf) == 1 + len(frames(built, deck))


@pytest.mark.parametrize("deck", DECKS)
def test_every_question_is_a_pregunta_block(built: Project, deck: str) -> None:
    text = pdf_text(built.path(f"build/slides/{deck}.pdf"))
    assert questions(built, deck) > 0
    assert len(re.findall(r"^\s*Pregunta\s*$", text, flags=re.M)) == questions(built, deck)
    tex = built.path(f"build/latex/slides/{deck}/{deck}.tex").read_text(encoding="utf-8")
    assert "\\begin{quote}\n¿" not in tex  # the question is not an untitled box around a quote


@pytest.mark.parametrize("deck", DECKS)
def test_course_facts_come_from_course_yaml(built: Project, deck: str) -> None:
    first_page = pdf_text(built.path(f"build/slides/{deck}.pdf")).split("\f")[0]
    assert "Cesar Garcia" in first_page and "2025" in first_page


def test_a_list_without_a_blank_line_before_it_is_a_list(built: Project) -> None:
    page = next(p for p in pdf_text(built.path("build/slides/red_desde_cero.pdf")).split("\f") if "Activación" in p)
    line = next(line for line in page.splitlines() if "Ejemplos comunes" in line)
    assert "ReLU" not in line
    tex = built.path("build/latex/slides/red_desde_cero/red_desde_cero.tex").read_text(encoding="utf-8")
    assert re.search(r"Ejemplos comunes:\n\n\\begin\{itemize\}", tex)


def test_text_after_br_leaves_the_list_as_its_own_paragraph(built: Project) -> None:
    page = next(
        p for p in pdf_text(built.path("build/slides/tensores_autograd.pdf")).split("\f") if "Más que un array" in p
    )
    indent = {
        key: len(line) - len(line.lstrip())
        for line in page.splitlines()
        for key in ("Escalar", "En PyTorch, un tensor")
        if key in line
    }
    assert indent["En PyTorch, un tensor"] < indent["Escalar"]
    tex = built.path("build/latex/slides/tensores_autograd/tensores_autograd.tex").read_text(encoding="utf-8")
    assert re.search(r"lotes\n\\end\{itemize\}\n\n\\vspace\{1\.0\\baselineskip\}\n\nEn PyTorch", tex)
    assert "<br" not in tex


def test_tikz_graph_is_drawn(built: Project) -> None:
    tex = built.path("build/latex/slides/tensores_autograd/tensores_autograd.tex").read_text(encoding="utf-8")
    assert "\\begin{tikzpicture}" in tex
    page = next(
        p for p in pdf_text(built.path("build/slides/tensores_autograd.pdf")).split("\f") if "Intuición visual" in p
    )
    assert "×" in page or "+" in page


def test_spanish_hyphenation_is_on(built: Project) -> None:
    log = built.path("build/latex/slides/tensores_autograd/tensores_autograd.log").read_text(errors="replace")
    assert "No hyphenation patterns were preloaded for" not in log
    assert "spanish" in log.lower()


def test_no_op_rebuild_touches_nothing(rebuilt: Project) -> None:
    before = rebuilt.mtimes()
    out = rebuilt.make("slides")
    assert "lecturemedia" not in out.stdout  # no build step ran
    assert rebuilt.mtimes() == before


def test_editing_one_deck_rebuilds_only_that_deck(rebuilt: Project) -> None:
    rebuilt.edit("slides_src/red_desde_cero.md", lambda s: s.replace("Pérdida\n", "Pérdida (editada)\n", 1))
    assert rebuilt.changed_by_make("slides", pattern="build/slides/*.pdf") == {"build/slides/red_desde_cero.pdf"}
    assert "Pérdida (editada)" in pdf_text(rebuilt.path("build/slides/red_desde_cero.pdf"))


def test_changing_the_year_once_changes_every_deck(rebuilt: Project) -> None:
    rebuilt.edit("course.yaml", lambda s: s.replace('date: "2025"', 'date: "2027"'))
    rebuilt.make("slides")
    for deck in DECKS:
        assert "2027" in pdf_text(rebuilt.path(f"build/slides/{deck}.pdf")).split("\f")[0]


def test_editing_a_shared_macro_rebuilds_every_deck(rebuilt: Project) -> None:
    rebuilt.edit("slides_src/templates/macros.md", lambda s: s + "<# edited #>\n")
    assert rebuilt.changed_by_make("slides", pattern="build/slides/*.pdf") == {f"build/slides/{d}.pdf" for d in DECKS}


def test_a_trace_parameter_edit_rebuilds_no_deck_that_does_not_read_it(rebuilt: Project) -> None:
    rebuilt.edit("course.yaml", lambda s: s.replace("hidden: 16", "hidden: 16   # edited"))
    assert rebuilt.changed_by_make("slides", pattern="build/slides/*.pdf") == set()


# ------------------------------------------------------------------ errors


def add_frame(project: Project, text: str, deck: str = "red_desde_cero") -> int:
    """Append a frame to a deck; return the line number of its body."""
    path = project.path(f"slides_src/{deck}.md")
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, "", "# Nuevo", "", text, ""]), encoding="utf-8")
    return len(lines) + 4


def test_template_error_names_deck_and_line_and_leaves_no_pdf(rebuilt: Project) -> None:
    line = add_frame(rebuilt, "Valor: << valor_inexistente >>")
    out = rebuilt.make("slides", check=False)
    assert out.returncode != 0
    assert f"slides_src/red_desde_cero.md:{line}: 'valor_inexistente' is undefined" in out.stderr
    assert not rebuilt.path("build/slides/red_desde_cero.pdf").exists()


def test_template_syntax_error_names_deck_and_line(rebuilt: Project) -> None:
    line = add_frame(rebuilt, "<% for x in %>")
    out = rebuilt.make("slides", check=False)
    assert out.returncode != 0
    assert f"slides_src/red_desde_cero.md:{line}: template syntax error" in out.stderr


def test_latex_error_shows_message_snippet_and_log(rebuilt: Project) -> None:
    line = add_frame(rebuilt, "\\begin{center}\n\\comandoinexistente{x}\n\\end{center}")
    out = rebuilt.make("slides", check=False)
    assert out.returncode != 0
    err = out.stderr
    assert "Undefined control sequence" in err
    assert f"slides_src/red_desde_cero.md:{line + 1}" in err
    assert "\\comandoinexistente{x}" in err
    log = re.search(r"full log: (\S+)", err)
    assert log and rebuilt.path(log.group(1)).exists()
    assert len(err.splitlines()) <= 8
    assert not rebuilt.path("build/slides/red_desde_cero.pdf").exists()


def test_greek_and_math_symbols_typed_as_text_just_work(rebuilt: Project) -> None:
    add_frame(rebuilt, "La tasa η, el gradiente ∇L y la cota x ≤ 1.")
    rebuilt.make("slides")
    text = pdf_text(rebuilt.path("build/slides/red_desde_cero.pdf"))
    assert "η" in text and "∇" in text and "≤" in text


def test_a_character_pdflatex_cannot_set_names_it_deck_and_line(rebuilt: Project) -> None:
    line = add_frame(rebuilt, "El cardinal ℵ no está en la tabla.")
    out = rebuilt.make("slides", check=False)
    assert out.returncode != 0
    assert f"slides_src/red_desde_cero.md:{line}: the character ℵ (U+2135)" in out.stderr
    assert "newunicodechar" in out.stderr


def test_a_missing_tool_is_named_with_how_to_install_it(rebuilt: Project, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("make", "bash", "env", "touch", "mkdir", "sed", "grep", "cat", "pdflatex"):
        target = next((Path(d) / tool for d in os.environ["PATH"].split(":") if (Path(d) / tool).exists()), None)
        if target:
            (bin_dir / tool).symlink_to(target)
    rebuilt.edit("slides_src/red_desde_cero.md", lambda s: s + "\n")
    out = rebuilt.make("slides", check=False, env={"PATH": str(bin_dir)})
    assert out.returncode != 0
    assert "pandoc is not installed; run `make setup` (or `apt-get install pandoc`)" in out.stderr
