"""Engine: `make slides` on the fixture course with the real pandoc and pdflatex: pages and
question blocks, bare pandoc's slide level, images, code, the title page from course.yaml,
what a rebuild touches, and the errors (LaTeX, a missing tool, course.yaml, deck names,
a busy or unwritable build folder)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import (
    FIXTURE,
    append_frame,
    engine_at,
    level1_frames,
    page_texts,
    pdf_pages,
    pdf_text,
    questions,
    squash,
    stderr_tail,
)
from lecturemedia import config
from lecturemedia.project_copy import Project
from pypdf import PdfReader

DECKS = sorted(p.stem for p in (FIXTURE / "slides_src").glob("*.md"))
OUTPUTS = ("build/slides/{}.pdf", "build/handouts/{}.pdf", "build/html/{}.html")


def fixture_facts() -> config.CourseFacts:
    with engine_at(FIXTURE):
        return config.load(FIXTURE / "course.yaml").course


def md(project: Project, deck: str) -> str:
    return project.path(f"build/md/{deck}.md").read_text(encoding="utf-8")


def deck_outputs(*decks: str) -> set[str]:
    return {pattern.format(deck) for deck in decks for pattern in OUTPUTS}


def changed_outputs(project: Project, *goals: str) -> set[str]:
    """The decks' outputs (PDF, handout, HTML) that `make goals` rewrote."""
    changed = project.changed_by_make(*goals)
    return {p for p in changed if re.fullmatch(r"build/(slides|handouts)/[^/]+\.pdf|build/html/[^/]+\.html", p)}


# ------------------------------------------------------------------ the fixture's decks


def test_alpha_has_a_title_page_and_one_page_per_frame(fixture_built: Project) -> None:
    frames = level1_frames(md(fixture_built, "alpha"))
    assert frames >= 5
    assert pdf_pages(fixture_built.path("build/slides/alpha.pdf")) == 1 + frames
    assert pdf_pages(fixture_built.path("build/handouts/alpha.pdf")) == 1 + frames


def test_alphas_questions_are_question_blocks(fixture_built: Project) -> None:
    title = fixture_facts().question_title or "Pregunta"
    asked = questions(md(fixture_built, "alpha"))
    assert asked == 2  # one written as `##` + quote, one with the macro
    text = pdf_text(fixture_built.path("build/slides/alpha.pdf"))
    assert len(re.findall(rf"^\s*{title}\s*$", text, flags=re.M)) == asked
    tex = fixture_built.path("build/latex/slides/alpha/deck.tex").read_text(encoding="utf-8")
    assert tex.count("\\begin{exampleblock}") == asked and "\\begin{quote}" not in tex
    html = fixture_built.path("build/html/alpha.html").read_text(encoding="utf-8")
    assert html.count('class="pregunta"') == asked


def test_the_list_and_br_read_as_the_instructor_means_them(fixture_built: Project) -> None:
    page = next(p for p in page_texts(fixture_built.path("build/slides/alpha.pdf")) if "After the list" in p)
    indent = {
        key: len(line) - len(line.lstrip())
        for line in page.splitlines()
        for key in ("two", "After the list")
        if key in line
    }
    assert indent["After the list"] < indent["two"]  # its own paragraph, not the last item's
    tex = fixture_built.path("build/latex/slides/alpha/deck.tex").read_text(encoding="utf-8")
    assert re.search(r"two\n\\end\{itemize\}\n\n\\vspace\{[0-9.]+\\baselineskip\}\n\nAfter the list", tex)
    assert "<br" not in tex


def test_a_question_in_a_deck_at_pandocs_slide_level_is_a_block_of_its_frame(fixture_rebuilt: Project) -> None:
    pages = pdf_pages(fixture_rebuilt.path("build/slides/beta.pdf"))
    fixture_rebuilt.edit("slides_src/beta.md", lambda s: s.replace("Text.", "Text.\n\n##\n> Why plain?"))
    fixture_rebuilt.make("slides")
    assert pdf_pages(fixture_rebuilt.path("build/slides/beta.pdf")) == pages
    page = next(p for p in page_texts(fixture_rebuilt.path("build/slides/beta.pdf")) if "Plain slide" in p)
    assert "Why plain?" in page and "Pregunta" in page


def test_code_is_set_as_written(fixture_built: Project) -> None:
    text = squash(pdf_text(fixture_built.path("build/slides/alpha.pdf")))
    assert "std::cout << x << std::endl;" in text
    assert "Inline 1 << 4 and print(1 << 4, 256 >> 4) stay as written." in text


def test_beta_has_the_pages_of_bare_pandoc(fixture_built: Project, tmp_path: Path) -> None:
    """A deck without slide-level is cut into frames as bare `pandoc -t beamer` cuts it."""
    src = fixture_built.path("slides_src")
    subprocess.run(
        ["pandoc", "-t", "beamer", "beta.md", "-o", str(tmp_path / "beta.pdf")],
        cwd=src,
        check=True,
        capture_output=True,
    )
    ours = fixture_built.path("build/slides/beta.pdf")
    assert pdf_pages(ours) == pdf_pages(tmp_path / "beta.pdf")
    theirs = squash(pdf_text(tmp_path / "beta.pdf"))
    for words in ("Section one", "A slide with a figure", "Plain slide", "strikeout"):
        assert words in theirs and words in squash(pdf_text(ours))


def test_the_figure_is_in_the_pdf_and_beside_the_html(fixture_built: Project) -> None:
    reader = PdfReader(fixture_built.path("build/slides/beta.pdf"))
    pages = page_texts(fixture_built.path("build/slides/beta.pdf"))
    at = next(i for i, text in enumerate(pages) if "A red rectangle" in text)
    assert len(reader.pages[at].images) == 1
    html = fixture_built.path("build/html/beta.html").read_text(encoding="utf-8")
    assert 'src="img/red.png"' in html
    assert (
        fixture_built.path("build/html/img/red.png").read_bytes() == (FIXTURE / "slides_src/img/red.png").read_bytes()
    )


def images_on(pdf: Path, words: str) -> int:
    """The pictures on the page that shows `words`."""
    at = next(i for i, text in enumerate(page_texts(pdf)) if words in text)
    return len(PdfReader(pdf).pages[at].images)


def test_an_image_beside_slides_src_is_in_every_output_and_its_edit_rebuilds_them(fixture_rebuilt: Project) -> None:
    """The boundary is the project: `../img/x.png` is as good as `img/x.png`."""
    from PIL import Image

    fixture_rebuilt.path("img").mkdir()
    image = fixture_rebuilt.path("img/beside.png")
    Image.new("RGB", (40, 30), (0, 90, 200)).save(image)
    append_frame(fixture_rebuilt, "beta", "![Beside the decks](../img/beside.png)", title="Beside")
    fixture_rebuilt.make("slides", "handouts", "html")
    for fmt in ("slides", "handouts"):
        assert images_on(fixture_rebuilt.path(f"build/{fmt}/beta.pdf"), "Beside the decks") == 1, fmt
    html = fixture_rebuilt.path("build/html/beta.html")
    assert 'src="_project/img/beside.png"' in html.read_text(encoding="utf-8")
    assert fixture_rebuilt.path("build/html/_project/img/beside.png").read_bytes() == image.read_bytes()

    time.sleep(0.01)
    Image.new("RGB", (40, 30), (200, 30, 0)).save(image)
    changed = fixture_rebuilt.changed_by_make("slides", "handouts", "html")
    beta = {"build/slides/beta.pdf", "build/handouts/beta.pdf", "build/html/beta.html"}
    assert beta | {"build/html/_project/img/beside.png"} <= changed
    assert not any("alpha" in p for p in changed)
    assert fixture_rebuilt.path("build/html/_project/img/beside.png").read_bytes() == image.read_bytes()


@pytest.mark.parametrize(
    ("image", "says"),
    [
        ("../img/none.png", "the image '../img/none.png' is not there (img/none.png): a deck names its images"),
        ("../../outside.png", "the path '../../outside.png' leaves the project"),
    ],
)
def test_an_image_not_there_or_outside_the_project_is_refused_with_the_deck_line(
    fixture_rebuilt: Project, image: str, says: str
) -> None:
    (fixture_rebuilt.root.parent / "outside.png").write_bytes((FIXTURE / "slides_src/img/red.png").read_bytes())
    line = append_frame(fixture_rebuilt, "beta", f"![An image]({image})")
    out = fixture_rebuilt.make("slides", check=False)
    assert out.returncode != 0
    assert stderr_tail(out.stderr)[-1].startswith(f"error: slides_src/beta.md:{line}: {says}")
    assert not fixture_rebuilt.path("build/slides/beta.pdf").exists()


def test_the_title_page_has_the_course_facts_of_course_yaml(fixture_built: Project) -> None:
    facts = fixture_facts()
    for deck in DECKS:
        first = page_texts(fixture_built.path(f"build/slides/{deck}.pdf"))[0]
        assert str(facts.author) in first and str(facts.date) in first, deck


def test_a_yaml_date_reaches_every_title_page_and_no_trace(fixture_rebuilt: Project) -> None:
    fixture_rebuilt.edit("course.yaml", lambda s: re.sub(r"(?m)^(\s+date:).*$", r"\1 2025-09-15", s))
    changed = fixture_rebuilt.changed_by_make("slides")
    for deck in DECKS:
        assert "2025-09-15" in page_texts(fixture_rebuilt.path(f"build/slides/{deck}.pdf"))[0]
    assert not [p for p in changed if p.startswith(("build/traces/", "build/videos/"))]


# ------------------------------------------------------------------ what a rebuild touches


def test_a_make_with_nothing_to_do_rewrites_no_file_and_prints_nothing(fixture_rebuilt: Project) -> None:
    before = fixture_rebuilt.mtimes("build/**/*")
    out = fixture_rebuilt.make("all")
    assert out.stdout == "" and out.stderr == ""
    after = fixture_rebuilt.mtimes("build/**/*")
    # The first check of a copied file notes its size and time beside its digest (build/.digests/).
    assert {k for k in after if after[k] != before.get(k) and not k.startswith("build/.digests/")} <= {"build/.lock"}
    out = fixture_rebuilt.make("all")
    assert out.stdout == "" and out.stderr == ""
    assert {k for k, v in fixture_rebuilt.mtimes("build/**/*").items() if after.get(k) != v} <= {"build/.lock"}


def test_editing_one_deck_rebuilds_only_its_outputs(fixture_rebuilt: Project) -> None:
    fixture_rebuilt.edit("slides_src/beta.md", lambda s: s.replace("Text.", "Text (edited)."))
    assert changed_outputs(fixture_rebuilt, "all") == deck_outputs("beta")
    assert "Text (edited)." in pdf_text(fixture_rebuilt.path("build/slides/beta.pdf"))


def test_every_pass_loads_the_preamble_from_its_format(fixture_built: Project) -> None:
    """The format of a deck's preamble is made once and loaded by every later pass, also when
    the preamble turns on TeX--XeT (babel's bidi=default, in every pandoc deck with a `lang`),
    which e-TeX turns off in a dumped format."""
    for deck in DECKS:
        for kind in ("slides", "handouts"):
            log = fixture_built.path(f"build/latex/{kind}/{deck}/deck.log").read_text(encoding="utf-8")
            assert "(preloaded format=preamble-" in log.splitlines()[0], (kind, deck, log.splitlines()[0])


def test_editing_a_shared_macro_or_the_preamble_rebuilds_every_deck(fixture_rebuilt: Project) -> None:
    fixture_rebuilt.edit("slides_src/templates/macros.md", lambda s: s + "<# edited #>\n")
    assert changed_outputs(fixture_rebuilt, "all") == deck_outputs(*DECKS)
    fixture_rebuilt.edit("slides_src/templates/preamble.tex", lambda s: s + "% edited\n")
    assert {p for p in changed_outputs(fixture_rebuilt, "slides")} == {f"build/slides/{d}.pdf" for d in DECKS}


# ------------------------------------------------------------------ LaTeX and tools


def test_a_latex_error_shows_the_message_the_deck_line_a_hint_and_the_log(fixture_rebuilt: Project) -> None:
    line = append_frame(fixture_rebuilt, "alpha", "\\begin{center}\n\\comandoinexistente{x}\n\\end{center}")
    out = fixture_rebuilt.make("slides", check=False)
    assert out.returncode != 0
    err = "\n".join(stderr_tail(out.stderr))
    assert "Undefined control sequence" in err
    assert f"slides_src/alpha.md:{line + 1}" in err
    assert "    \\comandoinexistente{x}\n    ^" in err
    assert "hint: " in err
    log = re.search(r"full log: (\S+)", err)
    assert log and fixture_rebuilt.path(log.group(1)).is_file()
    assert len(stderr_tail(out.stderr)) <= 8
    assert not fixture_rebuilt.path("build/slides/alpha.pdf").exists()


def test_a_character_the_preamble_sets_works_and_one_it_lacks_is_named(fixture_rebuilt: Project) -> None:
    append_frame(fixture_rebuilt, "beta", "The rate η, typed as text.")
    fixture_rebuilt.make("slides")
    assert "η" in pdf_text(fixture_rebuilt.path("build/slides/beta.pdf"))
    line = append_frame(fixture_rebuilt, "beta", "El cardinal ℵ no está en la tabla.", title="Más")
    out = fixture_rebuilt.make("slides", check=False)
    assert out.returncode != 0
    assert f"slides_src/beta.md:{line}: the character ℵ (U+2135)" in out.stderr
    assert "newunicodechar" in out.stderr


def test_a_missing_tool_is_named_with_how_to_install_it(fixture_rebuilt: Project, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        if not Path(folder).is_dir():
            continue
        for tool in Path(folder).iterdir():
            if tool.name != "pandoc" and not (bin_dir / tool.name).exists() and os.access(tool, os.X_OK):
                (bin_dir / tool.name).symlink_to(tool)
    fixture_rebuilt.edit("slides_src/beta.md", lambda s: s + "\n")
    out = fixture_rebuilt.make("slides", check=False, env={"PATH": str(bin_dir)})
    assert out.returncode != 0
    assert "pandoc is not installed; run `make setup` (or `apt-get install pandoc`)" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("ref", ["![secret](../../secret.png)", "\\includegraphics{/etc/passwd}"])
def test_a_path_that_leaves_the_project_is_refused(fixture_rebuilt: Project, ref: str) -> None:
    line = append_frame(fixture_rebuilt, "beta", ref)
    out = fixture_rebuilt.make("slides", check=False)
    assert out.returncode != 0
    assert f"slides_src/beta.md:{line}: the path" in out.stderr and "leaves the project" in out.stderr
    assert not fixture_rebuilt.path("build/slides/beta.pdf").exists()


# ------------------------------------------------------------------ course.yaml


def test_a_misspelt_section_is_an_error_with_its_line(fixture_rebuilt: Project) -> None:
    text = fixture_rebuilt.path("course.yaml").read_text(encoding="utf-8")
    line = text.splitlines().index("traces:") + 1
    fixture_rebuilt.edit("course.yaml", lambda s: s.replace("traces:", "trace:", 1))
    out = fixture_rebuilt.make("all", check=False)
    assert out.returncode != 0
    assert f"course.yaml:{line}: unknown section 'trace'; the sections are: course, traces, site, render" in out.stderr
    assert len(stderr_tail(out.stderr)) <= 3


def insert_yaml_line(project: Project, after: str, line: str) -> int:
    """Insert `line` into course.yaml after the first line starting with `after`; its line number."""
    lines = project.path("course.yaml").read_text(encoding="utf-8").splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith(after))
    lines.insert(at + 1, line)
    project.path("course.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return at + 2


def test_an_unknown_key_under_course_or_a_trace_is_an_error_with_its_line(fixture_rebuilt: Project) -> None:
    original = fixture_rebuilt.path("course.yaml").read_text(encoding="utf-8")
    line = insert_yaml_line(fixture_rebuilt, "course:", "  autor: X")
    out = fixture_rebuilt.make("all", check=False)
    assert out.returncode != 0
    assert f"course.yaml:{line}: unknown key course.autor; the keys of course are: " in out.stderr
    assert "author" in out.stderr

    fixture_rebuilt.path("course.yaml").write_text(original, encoding="utf-8")
    line = insert_yaml_line(fixture_rebuilt, "  descent:", "    step: 3")
    out = fixture_rebuilt.make("all", check=False)
    assert out.returncode != 0
    assert f"course.yaml:{line}: unknown key traces.descent.step; the keys of traces.descent are: " in out.stderr


GLUED = "---\ntitle: Gamma\n---\n\n# Frame\n\nExamples:\n- first item\n- second item\n\n```\nCode:\n- no list\n```\n"


def test_the_courses_reading_options_are_every_decks_and_a_deck_may_override_them(fixture_rebuilt: Project) -> None:
    """course.yaml's slide_level and reader_extensions read every deck, as if each said them;
    without them a list right under its line is bare pandoc's paragraph, and the build says where."""
    fixture_rebuilt.path("slides_src/gamma.md").write_text(GLUED, encoding="utf-8")
    html = fixture_rebuilt.path("build/html/gamma.html")
    out = fixture_rebuilt.make("build/html/gamma.html", "build/slides/beta.pdf")
    warnings = [line for line in out.stderr.splitlines() if "gamma.md" in line]
    assert warnings == [
        "warning: slides_src/gamma.md:8: a list right after a line of text is read as part of that paragraph; "
        'leave a blank line before it, or set reader_extensions: "+lists_without_preceding_blankline" '
        "under course: in course.yaml"
    ]
    assert "<li>first item</li>" not in html.read_text(encoding="utf-8")
    beta_pages = pdf_pages(fixture_rebuilt.path("build/slides/beta.pdf"))

    insert_yaml_line(fixture_rebuilt, "course:", '  reader_extensions: "+lists_without_preceding_blankline"')
    insert_yaml_line(fixture_rebuilt, "course:", "  slide_level: 1")
    out = fixture_rebuilt.make("build/html/gamma.html", "build/slides/beta.pdf")
    assert "gamma.md" not in out.stderr
    assert "<li>first item</li>" in html.read_text(encoding="utf-8")
    beta = fixture_rebuilt.path("build/md/beta.md").read_text(encoding="utf-8")
    frames = level1_frames(beta) + 2  # its title page and its table of contents
    assert pdf_pages(fixture_rebuilt.path("build/slides/beta.pdf")) == frames < beta_pages

    own = "title: Gamma\nreader-extensions: ''"  # the deck's own front matter over the course's
    fixture_rebuilt.edit("slides_src/gamma.md", lambda s: s.replace("title: Gamma", own))
    out = fixture_rebuilt.make("build/html/gamma.html")
    assert "warning: slides_src/gamma.md:9: a list right after a line of text" in out.stderr
    assert "<li>first item</li>" not in html.read_text(encoding="utf-8")


def test_a_course_yaml_without_a_course_section_is_said(fixture_rebuilt: Project) -> None:
    fixture_rebuilt.edit("course.yaml", lambda s: s[s.index("traces:") :])
    out = fixture_rebuilt.make("html")
    assert "warning: course.yaml: no course: section; the decks get no author, date, theme or language" in out.stderr


def test_a_deleted_course_yaml_is_named_with_how_to_restore_it(fixture_rebuilt: Project) -> None:
    fixture_rebuilt.path("course.yaml").unlink()
    out = fixture_rebuilt.make("all", check=False)
    assert out.returncode != 0
    assert "course.yaml is missing" in out.stderr and "git checkout course.yaml" in out.stderr
    assert len(stderr_tail(out.stderr)) <= 3


# ------------------------------------------------------------------ deck files


def test_a_deck_name_make_cannot_take_is_named_and_the_other_decks_build(fixture_rebuilt: Project) -> None:
    fixture_rebuilt.path("slides_src/Sesión 1.md").write_text("---\ntitle: S\n---\n\n# Uno\n\nHola.\n", "utf-8")
    fixture_rebuilt.edit("slides_src/beta.md", lambda s: s.replace("Text.", "Text (edited)."))
    out = fixture_rebuilt.make("all", check=False)
    assert out.returncode != 0
    err = "\n".join(stderr_tail(out.stderr))
    assert "slides_src/Sesión 1.md" in err and "rename it" in err and 'git mv "slides_src/Sesión 1.md"' in err
    assert "Text (edited)." in pdf_text(fixture_rebuilt.path("build/slides/beta.pdf"))
    assert fixture_rebuilt.path("build/html/beta.html").is_file()
    assert not list(fixture_rebuilt.path("build/slides").glob("Sesi*"))


def test_a_latin1_deck_builds_with_a_warning_naming_it(fixture_rebuilt: Project) -> None:
    text = '---\ntitle: "Latín"\nslide-level: 1\n---\n\n# Canción\n\nAñadir más: pequeño.\n'
    fixture_rebuilt.path("slides_src/latin.md").write_bytes(text.encode("latin-1"))
    out = fixture_rebuilt.make("all")
    assert "slides_src/latin.md" in out.stderr and "UTF-8" in out.stderr
    assert "Añadir más: pequeño." in pdf_text(fixture_rebuilt.path("build/slides/latin.pdf"))
    assert "Añadir más: pequeño." in fixture_rebuilt.path("build/html/latin.html").read_text(encoding="utf-8")


def test_a_failing_builds_error_is_the_last_thing_on_stderr(fixture_rebuilt: Project) -> None:
    fixture_rebuilt.edit("slides_src/beta.md", lambda s: s.replace("Text.", "Text (edited)."))
    line = append_frame(fixture_rebuilt, "alpha", "Valor: << valor_inexistente >>")
    out = fixture_rebuilt.make("all", check=False)
    assert out.returncode != 0
    tail = stderr_tail(out.stderr)
    assert tail[-1].startswith(f"error: slides_src/alpha.md:{line}: 'valor_inexistente' is undefined")
    assert out.stderr.rstrip().splitlines()[-1].startswith("make: *** ")


# ------------------------------------------------------------------ the build folder


def test_an_unwritable_build_folder_gets_a_short_message(fixture_rebuilt: Project) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes through any permission: a read-only build/ cannot be made here (see the next test)")
    fixture_rebuilt.path("build").chmod(0o555)
    try:
        out = fixture_rebuilt.make("all", check=False)
    finally:
        fixture_rebuilt.path("build").chmod(0o755)
    assert out.returncode != 0
    assert "build" in out.stderr and "Traceback" not in out.stderr
    assert len(stderr_tail(out.stderr)) <= 3


@pytest.mark.parametrize("blocked", ["build", "build/slides"])
def test_a_build_folder_that_is_a_file_gets_a_short_message(fixture_rebuilt: Project, blocked: str) -> None:
    shutil.rmtree(fixture_rebuilt.path(blocked))
    fixture_rebuilt.path(blocked).write_text("not a folder\n")
    out = fixture_rebuilt.make("all", check=False)
    assert out.returncode != 0
    assert blocked in out.stderr and "Traceback" not in out.stderr
    assert 1 <= len(stderr_tail(out.stderr)) <= 3


def lock_is_held(project: Project) -> bool:
    probe = subprocess.run(["flock", "-n", str(project.path("build/.lock")), "true"], check=False)
    return probe.returncode != 0


def test_a_second_make_waits_for_the_first_and_both_end_well(fixture_rebuilt: Project) -> None:
    fixture_rebuilt.edit("computations/descent.py", lambda s: s + "\n# edited: the trace and the video again\n")
    fixture_rebuilt.edit("slides_src/beta.md", lambda s: s.replace("Text.", "Text (edited)."))
    first = fixture_rebuilt.start("all")
    deadline = time.monotonic() + 30
    while not lock_is_held(fixture_rebuilt) and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    second = fixture_rebuilt.make("all", check=False)
    _, first_err = first.communicate(timeout=600)
    assert first.returncode == 0, first_err
    assert second.returncode == 0, second.stderr
    assert "another make is running" in second.stderr
    assert "Text (edited)." in pdf_text(fixture_rebuilt.path("build/slides/beta.pdf"))
    for deck in DECKS:
        for pattern in OUTPUTS:
            assert fixture_rebuilt.path(pattern.format(deck)).stat().st_size > 0
        assert pdf_pages(fixture_rebuilt.path(f"build/handouts/{deck}.pdf")) >= 2
    assert fixture_rebuilt.make("all").stdout == ""  # and what they left is up to date


def test_a_second_make_does_not_swallow_the_first_ones_error(fixture_rebuilt: Project) -> None:
    """A computation fails, once the test has seen it running and a second make waiting for the
    first: the first still ends with its own error."""
    held, release = fixture_rebuilt.path("held"), fixture_rebuilt.path("release")
    fixture_rebuilt.edit(
        "computations/descent.py",
        lambda s: s.replace(
            "    import torch\n",
            "    import pathlib, time\n"
            f"    pathlib.Path({str(held)!r}).touch()\n"
            "    for _ in range(2400):\n"
            f"        if pathlib.Path({str(release)!r}).exists():\n"
            "            break\n"
            "        time.sleep(0.05)\n"
            "    1 / 0\n"
            "    import torch\n",
            1,
        ),
    )
    code = fixture_rebuilt.path("computations/descent.py").read_text(encoding="utf-8")
    line = code.splitlines().index("    1 / 0") + 1
    first = fixture_rebuilt.start("all")
    try:
        deadline = time.monotonic() + 120
        while not held.exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert held.exists() and first.poll() is None, "the first make did not reach the computation"
        second = fixture_rebuilt.start("all")
        assert second.stderr is not None
        assert "another make is running" in second.stderr.readline()  # it waits for the first
    finally:
        release.touch()
    _, first_err = first.communicate(timeout=600)
    second.communicate(timeout=600)
    assert first.returncode != 0
    assert f"error: computations/descent.py:{line}: ZeroDivisionError: division by zero" in first_err


NEGATIVE_DECK = """---
title: "Gamma"
header-includes:
  - \\usepackage{tikz}
---

# Negative numbers
<% set d = traces.descent.data %>
The first step is << (d.target - d.history_w[0])|num >>, or $(<< (d.target - d.history_w[0])|num(3) >>)$,
so $w_1 = << d.history_w[0]|num >> << (d.target - d.history_w[0])|num >>$ and $\\Delta = << -0.5381|num(3) >>$.

\\begin{tikzpicture}
\\node {$<< -0.5381|num(3) >>$ and << -0.5381|num(3) >>};
\\end{tikzpicture}
"""


def test_a_negative_number_has_a_true_minus_in_the_pdf_and_a_prefix_minus_in_the_html(
    fixture_rebuilt: Project,
) -> None:
    fixture_rebuilt.path("slides_src/gamma.md").write_text(NEGATIVE_DECK, encoding="utf-8")
    fixture_rebuilt.make("slides", "html")
    text = squash(pdf_text(fixture_rebuilt.path("build/slides/gamma.pdf")))
    assert "The first step is −3, or (−3), so w1 = 4 − 3 and ∆ = −0.538." in text, text
    assert "−0.538 and −0.538" in text  # the TikZ picture: in math and in text
    assert "-0.538" not in text and "-3" not in text  # never a hyphen
    html = fixture_rebuilt.path("build/html/gamma.html").read_text(encoding="utf-8")
    maths = re.findall(r"<math.*?</math>", html, re.S)
    assert len(maths) == 3
    for quoted in (maths[0], maths[2]):  # (−3), Δ = −0.538: the number's minus begins its own row
        assert re.search(r"<mrow><mo>−</mo><mn>(3|0\.538)</mn></mrow>", quoted), quoted
        assert not re.search(r"(?<!<mrow>)<mo>−</mo>", quoted), quoted
    assert "<mn>4</mn><mo>−</mo><mn>3</mn>" in maths[1]  # 4 − 3 stays a subtraction
    assert "−0.538" in html  # the prose
    svg = next(fixture_rebuilt.path("build/html").glob("**/*.svg"), None)
    assert svg is not None  # the TikZ picture was drawn for the HTML
