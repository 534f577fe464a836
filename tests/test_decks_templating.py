"""Engine: deck templating. Delimiters that leave LaTeX and code alone, a stray `<<` refused,
strict variables, a sandbox; then, through `make` on the fixture course, the errors a deck
gets for a trace, a field or a video that does not exist."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from conftest import append_frame, pdf_text, squash, stderr_tail
from lecturemedia.decks import templating
from lecturemedia.errors import UserError
from lecturemedia.project_copy import Project


def render(tmp_path: Path, text: str, macros: str | None = "<# none #>", **context: object) -> str:
    (tmp_path / "templates").mkdir(exist_ok=True)
    if macros is not None:
        (tmp_path / "templates" / "macros.md").write_text(macros, encoding="utf-8")
    (tmp_path / "deck.md").write_text(text, encoding="utf-8")
    return templating.render("deck", dict(context), templating.make_env(tmp_path))


def test_latex_and_code_pass_through_untouched(tmp_path: Path) -> None:
    text = (
        "\\newcommand{\\vect}[1]{\\mathbf{#1}}\n"
        "\\begin{tikzpicture}{%\n\\node {x};%\n}\\end{tikzpicture}\n\n"
        "```python\nd = {{'a': 1}}\nprint(f'{{x}}')\n```\n\n"
        "```cpp\nstd::cout << x << std::endl; // <% not a statement %> <# nor a comment #>\n```\n\n"
        "Inline `1 << 4` and `print(1 << 4, 256 >> 4)` stay as written.\n\n"
        "    indented << code >> too\n\n"
        "~~~\n<< not a value >>\n~~~\n"
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


def test_a_course_without_shared_macros_renders(tmp_path: Path) -> None:
    assert render(tmp_path, "# A\n\n<< course.author >>\n", macros=None, course={"author": "X"}) == "# A\n\nX\n"


@pytest.mark.parametrize(
    "line",
    [
        "a << b << c >> d in prose",  # closed on its line, but not an expression
        "shift 1 << 4, 256 >> 4 in prose",  # a bare tuple of numbers
        "<< 42 >>",  # a bare number
    ],
)
def test_a_stray_delimiter_in_prose_is_an_error_with_the_fix(tmp_path: Path, line: str) -> None:
    with pytest.raises(UserError) as err:
        render(tmp_path, f"# A\n{line}\n")
    message = str(err.value)
    assert "deck.md:2:" in message
    assert '<< "<<" >>' in message and "<% raw %>" in message


@pytest.mark.parametrize("text", ["# A\nflecha << y\n>> z\n", '# A\n<< video("x",\n   caption="y") >>\n'])
def test_a_delimiter_closed_on_another_line_is_an_error(tmp_path: Path, text: str) -> None:
    """What a later line's `>>` closes reads as an expression over two lines: refused, not text."""
    with pytest.raises(UserError, match=r"deck\.md:2: `<<` here is closed by a `>>` on line 3"):
        render(tmp_path, text, video=lambda *a, **k: "")


@pytest.mark.parametrize(
    "line",
    [
        "Si $c <<0$, la pérdida crece.",
        "std::cout << x << std::endl; en prosa",
        "a << b << c",
        "Año << course.date >>, y luego a << b",
    ],
)
def test_a_delimiter_that_does_not_close_on_its_line_is_text(tmp_path: Path, line: str) -> None:
    """It cannot open an expression: it reaches pandoc as written, even with a `>>` further on."""
    text = f"# A\n\n{line}\n\n>> una cita anidada\n\n<% raw %>x << y<% endraw %> << course.date >>\n"
    out = render(tmp_path, text, course={"date": "2026"})
    assert out == text.replace("<< course.date >>", "2026").replace("<% raw %>", "").replace("<% endraw %>", "")


def test_unknown_variable_names_deck_line_and_the_names_there_are(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"deck\.md:3: 'nope' is undefined; defined here: course"):
        render(tmp_path, "# A\n\n<< nope >>\n", course={})


def test_an_unknown_field_is_an_error_not_a_blank(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"deck\.md:2: .*'nope'"):
        render(tmp_path, "# A\n<< course.nope >>\n", course={"author": "X"})


def test_syntax_error_names_deck_and_line(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"deck\.md:2: template syntax error"):
        render(tmp_path, "# A\n<% if %>\n")


@pytest.mark.parametrize(
    "expression", ["course.__class__.__mro__", "course.author.__class__", "cycler.__init__.__globals__"]
)
def test_the_sandbox_refuses_python_internals(tmp_path: Path, expression: str) -> None:
    with pytest.raises(UserError, match=r"not allowed|undefined"):
        render(tmp_path, f"<< {expression} >>\n", course={"author": "X"})


def out_of_memory() -> str:
    raise MemoryError


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("<< 1/0 >>", "the template failed: ZeroDivisionError: division by zero"),
        ("<% for i in range(10**9) %>x<% endfor %>", "the template failed: OverflowError: Range too big"),
        ("<% macro f(n) %><< f(n + 1) >><% endmacro %><< f(1) >>", "the template failed: RecursionError: "),
        ("<< out_of_memory() >>", "the template failed: MemoryError"),
        ("<< 10 ** (10 ** 10) >>", "not allowed in a deck: 10 ** 10000000000 is too big a number"),
        ('<< "x" * 10 ** 11 >>', "not allowed in a deck: a text or list of 100000000000 items is too long"),
    ],
)
def test_whatever_a_template_raises_is_named_at_its_line(tmp_path: Path, body: str, says: str) -> None:
    with pytest.raises(UserError) as err:
        render(tmp_path, f"# A\n\n{body}\n", out_of_memory=out_of_memory)
    assert str(err.value).startswith(f"{tmp_path / 'deck.md'}:3: {says}")


def test_a_template_that_would_run_for_ever_stops_at_the_time_limit_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(templating.TIME_LIMIT_VARIABLE, "1")
    loops = "<% for i in range(100000) %>\n<% for j in range(100000) %>\n<% endfor %>\n<% endfor %>\n"
    start = time.monotonic()
    with pytest.raises(UserError) as err:
        render(tmp_path, f"# A\n\n{loops}")
    assert time.monotonic() - start < 10
    assert str(err.value).startswith(f"{tmp_path / 'deck.md'}:4: the deck took more than 1 s to render")
    assert "LECTURE_TEMPLATE_TIMEOUT=<seconds>" in str(err.value)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # no alarm left behind
    assert render(tmp_path, "# A\n") == "# A\n"


def test_scan_finds_templates_traces_and_videos_without_rendering(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "macros.md").write_text("<# none #>")
    (tmp_path / "templates" / "part.md").write_text("<< traces.third.x >>")
    (tmp_path / "deck.md").write_text(
        '<% include "part.md" %>\n<< traces.first.a >> << traces["second"] >>\n<< video("first") >>\n'
    )
    deps = templating.scan("deck", templating.make_env(tmp_path))
    assert set(deps.traces) == {"first", "second", "third"}
    assert set(deps.videos) == {"first"}
    assert {Path(t).name for t in deps.templates} == {"macros.md", "part.md"}


@pytest.mark.parametrize(("text", "what"), [("<< video(name) >>", "video"), ("<< traces[name] >>", "trace")])
def test_scan_wants_literal_names(tmp_path: Path, text: str, what: str) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "macros.md").write_text("")
    (tmp_path / "deck.md").write_text(f"\n{text}\n")
    with pytest.raises(UserError, match=rf"deck\.md:2: name the {what} literally, as .*my_animation"):
        templating.scan("deck", templating.make_env(tmp_path))


def test_a_video_is_placed_as_the_media_filter_reads_it() -> None:
    place = templating.video_placer(lambda: ["descent"])
    assert place("descent", caption="Bajando", width="60%") == (
        '![Bajando](videos/descent.mp4){.animation poster="videos/descent.png" width="60%"}'
    )
    with pytest.raises(UserError, match=r"unknown video 'nope'; the videos are: descent"):
        place("nope")
    with pytest.raises(UserError, match="width"):
        place("descent", width="60%; x")


# ------------------------------------------------------------------ through make, on the fixture course


def failing_make(project: Project, *goals: str) -> str:
    out = project.make(*goals, check=False)
    assert out.returncode != 0, out.stdout
    assert "Traceback" not in out.stderr, out.stderr
    return out.stderr


def test_a_trace_field_that_does_not_exist_names_the_fields_that_do(fixture_rebuilt: Project) -> None:
    line = append_frame(fixture_rebuilt, "alpha", "<< traces.descent.data.nope >>")
    err = failing_make(fixture_rebuilt, "slides")
    assert (
        f"slides_src/alpha.md:{line}: Result has no field 'nope'; its fields are: "
        "function, target, history_w, losses, grads"
    ) in err
    assert "defined here" not in err  # the trace's fields, not the deck's variables
    assert not fixture_rebuilt.path("build/slides/alpha.pdf").exists()


def test_an_unknown_trace_names_the_deck_line_and_the_traces(fixture_rebuilt: Project) -> None:
    line = append_frame(fixture_rebuilt, "alpha", "<< traces.descnt.data.losses|length >>")
    err = failing_make(fixture_rebuilt, "slides")
    assert f"slides_src/alpha.md:{line}: unknown trace 'descnt'; the traces are: descent" in err
    assert "No rule to make target" not in err


def test_an_unknown_video_names_the_deck_line_and_the_videos(fixture_rebuilt: Project) -> None:
    line = append_frame(fixture_rebuilt, "beta", '<< video("descnt") >>')
    err = failing_make(fixture_rebuilt, "slides")
    assert f"slides_src/beta.md:{line}: unknown video 'descnt'; the videos are: descent" in err
    assert not fixture_rebuilt.path("build/slides/beta.pdf").exists()


def test_an_undefined_variable_and_a_stray_delimiter_name_deck_and_line(fixture_rebuilt: Project) -> None:
    line = append_frame(fixture_rebuilt, "alpha", "Valor: << valor_inexistente >>")
    err = failing_make(fixture_rebuilt, "slides")
    assert f"slides_src/alpha.md:{line}: 'valor_inexistente' is undefined; defined here: course, traces" in err

    fixture_rebuilt.edit(
        "slides_src/alpha.md", lambda s: s.replace("Valor: << valor_inexistente >>", "shift << 1, 2 >> in prose")
    )
    err = failing_make(fixture_rebuilt, "slides")
    assert stderr_tail(err)[0].startswith(f"error: slides_src/alpha.md:{line}: ")
    assert '<< "<<" >>' in err


def test_a_delimiter_that_does_not_close_on_its_line_reaches_every_output_as_text(fixture_rebuilt: Project) -> None:
    append_frame(fixture_rebuilt, "alpha", "Si $c <<0$ y a << b, la suma crece.")
    fixture_rebuilt.make("build/slides/alpha.pdf", "build/html/alpha.html")
    text = squash(pdf_text(fixture_rebuilt.path("build/slides/alpha.pdf")))
    assert "Si c << 0 y a" in text and "b, la suma crece." in text  # pdflatex's T1 sets a text << as «
    html = fixture_rebuilt.path("build/html/alpha.html").read_text(encoding="utf-8")
    assert "y a &lt;&lt; b, la suma crece." in html


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("<% for i in range(10**9) %>x<% endfor %>", "the template failed: OverflowError: Range too big"),
        (
            "<% for i in range(100000) %><% for j in range(100000) %><% endfor %><% endfor %>",
            "the deck took more than 1 s to render",
        ),
    ],
)
def test_a_hostile_template_ends_with_the_deck_line_not_a_traceback(
    fixture_rebuilt: Project, body: str, says: str
) -> None:
    line = append_frame(fixture_rebuilt, "alpha", body)
    out = fixture_rebuilt.make("slides", check=False, env={templating.TIME_LIMIT_VARIABLE: "1"})
    assert out.returncode != 0 and "Traceback" not in out.stderr, out.stderr
    assert stderr_tail(out.stderr)[-1].startswith(f"error: slides_src/alpha.md:{line}: {says}")
    assert not fixture_rebuilt.path("build/slides/alpha.pdf").exists()
