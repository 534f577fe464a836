"""Deck templating: delimiters that leave LaTeX and code alone, strict variables, a sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from lecturemedia import templating
from lecturemedia.errors import UserError


def render(tmp_path: Path, text: str, macros: str = "", **context: object) -> str:
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates" / "macros.md").write_text(macros or "<# none #>", encoding="utf-8")
    (tmp_path / "deck.md").write_text(text, encoding="utf-8")
    return templating.render("deck", dict(context), templating.make_env(tmp_path))


def test_latex_and_code_pass_through_untouched(tmp_path: Path) -> None:
    text = (
        "\\newcommand{\\vect}[1]{\\mathbf{#1}}\n"
        "\\begin{tikzpicture}{%\n\\node {x};%\n}\\end{tikzpicture}\n"
        "```python\nd = {{'a': 1}}\nprint(f'{{x}}')\n```\n"
    )
    assert render(tmp_path, text) == text


def test_variables_and_a_literal_delimiter(tmp_path: Path) -> None:
    out = render(
        tmp_path,
        'Año << course.date >>, literal << "<<" >> and <% raw %><< x >><% endraw %> end\n',
        course={"date": "2026"},
    )
    assert out == "Año 2026, literal << and << x >> end\n"


def test_shared_macros_are_available_to_every_deck(tmp_path: Path) -> None:
    macros = "<% macro pregunta(text) -%>\n##\n> << text >>\n<%- endmacro %>\n"
    out = render(tmp_path, "# Frame\n\n<< pregunta('¿Por qué?') >>\n", macros=macros)
    assert out == "# Frame\n\n##\n> ¿Por qué?\n"


def test_unknown_variable_names_deck_and_line(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"deck\.md:3: 'nope' is undefined"):
        render(tmp_path, "# A\n\n<< nope >>\n")


def test_syntax_error_names_deck_and_line(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"deck\.md:2: template syntax error"):
        render(tmp_path, "# A\n<% if %>\n")


def test_the_sandbox_refuses_python_internals(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not allowed"):
        render(tmp_path, "<< course.__class__.__mro__ >>\n", course={})


def test_scan_finds_templates_traces_and_videos_without_rendering(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "macros.md").write_text("<# none #>")
    (tmp_path / "templates" / "part.md").write_text("<< traces.two_layer_net.x >>")
    (tmp_path / "deck.md").write_text(
        '<% include "part.md" %>\n<< traces.sgd_x2.a >> << traces["autograd_graph"] >>\n<< video("sgd_x2") >>\n'
    )
    deps = templating.scan("deck", templating.make_env(tmp_path))
    assert deps.traces == {"sgd_x2", "autograd_graph", "two_layer_net"}
    assert set(deps.videos) == {"sgd_x2"}
    assert {Path(t).name for t in deps.templates} == {"macros.md", "part.md"}


def test_scan_wants_literal_video_names(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "macros.md").write_text("")
    (tmp_path / "deck.md").write_text("\n<< video(name) >>\n")
    with pytest.raises(UserError, match=r"deck\.md:2: name the video literally"):
        templating.scan("deck", templating.make_env(tmp_path))
