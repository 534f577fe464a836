"""A deck reads no file outside the project: every TeX run a deck makes (the PDF, the handout,
the HTML's TikZ pictures) is refused when it read one, with the deck line and the file, and
leaves no output; what is inside the project and TeX's own trees still builds.

The fast tests read made-up recorder files; the others run make with the real pdflatex."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import append_frame, stderr_tail
from lecturemedia.decks import pandoc, tex_guard
from lecturemedia.errors import UserError
from lecturemedia.project_copy import Project

SECRET = "TOPSECRET-5f1c"
TREES = (Path("/usr/share/texlive"), Path("/var/lib/texmf"))

# ------------------------------------------------------------------ the guard, on made-up runs


def fls(folder: Path, *inputs: str) -> Path:
    path = folder / "deck.fls"
    path.write_text("\n".join([f"PWD {folder}", *(f"INPUT {name}" for name in inputs)]) + "\n", encoding="utf-8")
    return path


def test_tex_trees_and_the_projects_files_are_allowed_and_nothing_else(tmp_path: Path) -> None:
    root = tmp_path / "course"
    src = root / "slides_src"
    src.mkdir(parents=True)
    (src / "own.tex").write_text("x", encoding="utf-8")
    (tmp_path / "id_rsa").write_text(SECRET, encoding="utf-8")
    (src / "notes.txt").symlink_to(tmp_path / "id_rsa")
    recorded = fls(
        src,
        "/usr/share/texlive/texmf-dist/tex/latex/base/article.cls",
        "/var/lib/texmf/web2c/pdftex/pdflatex.fmt",
        "own.tex",
        f"{root}/build/latex/slides/deck/deck.aux",
        "./notes.txt",
        "notes.txt",  # the same file again: named once
        "/etc/passwd",
        "/usr/share/texlive/../../../etc/shadow",
        "/dev/null",
    )
    reads = tex_guard.outside_reads(recorded, "", root, TREES)
    assert [(r.name, r.target) for r in reads] == [
        ("./notes.txt", tmp_path / "id_rsa"),
        ("/etc/passwd", Path("/etc/passwd")),
        ("/usr/share/texlive/../../../etc/shadow", Path("/etc/shadow")),
    ]
    assert reads[0].what(root) == f"slides_src/notes.txt (a link to {tmp_path / 'id_rsa'})"


def test_a_name_tex_refused_is_named_once_as_the_deck_gave_it(tmp_path: Path) -> None:
    """openin_any=p refuses the name, so it is in no .fls: kpathsea's own line names it; an
    image is also tried with each extension pdfTeX knows."""
    stderr = "".join(
        f"\npdflatex: Not reading from {name} (openin_any = p).\n"
        for name in ["/home/u/.ssh/id_rsa", "/tmp/x.png", "/tmp/x.png.pdf", "/tmp/x.png.jpg", "/dev/null"]
    )
    reads = tex_guard.outside_reads(tmp_path / "none.fls", stderr, tmp_path, TREES)
    assert [r.name for r in reads] == ["/home/u/.ssh/id_rsa", "/tmp/x.png"]


def test_the_refusal_names_the_deck_line_and_the_file(tmp_path: Path) -> None:
    lines = ["---", "title: x", "---", "", "# Uno", "", "\\verbatiminput{/etc/passwd}"]
    reads = [tex_guard.OutsideRead("/etc/passwd")]
    assert tex_guard.refusal(reads, tmp_path, lines, "slides_src/x.md").startswith(
        "slides_src/x.md:7: the deck reads /etc/passwd, outside the project; a deck may read only the project's files"
    )


def test_a_name_tex_refused_inside_the_project_says_why(tmp_path: Path) -> None:
    """Hidden files and names with `..` are refused by TeX even inside the project: not 'outside'."""
    root = tmp_path / "course"
    (root / "slides_src").mkdir(parents=True)
    stderr = "".join(
        f"pdflatex: Not reading from {name} (openin_any = p).\n" for name in [".env", "../img/x.png", "../../x.png"]
    )
    reads = tex_guard.outside_reads(fls(root / "slides_src"), stderr, root, TREES)
    assert [(r.name, r.reason) for r in reads] == [
        (".env", "hidden"),
        ("../img/x.png", "climbs"),
        ("../../x.png", "outside"),
    ]
    lines = ["\\input{.env}", "![](../img/x.png)"]
    hidden = tex_guard.refusal(reads[:1], root, lines, "slides_src/x.md")
    assert hidden.startswith("slides_src/x.md:1: the deck reads .env, a hidden file") and "rename it" in hidden
    climbs = tex_guard.refusal(reads[1:], root, lines, "slides_src/x.md")
    assert climbs.startswith("slides_src/x.md:2: the deck reads ../img/x.png, named with `..`, which TeX refuses")
    assert "move the file into slides_src/" in climbs and "it also reads: ../../x.png" in climbs


def test_a_lua_filters_own_error_is_shown_alone() -> None:
    stderr = (
        "Error running filter /x/tikz.lua:\n"
        'PandocLuaError "slides_src/Sesi\\243n.md:3: the deck reads \\"/etc/passwd\\"\\n  more"\n'
        "stack traceback:\n\t/x/tikz.lua:30: in upvalue 'render'\n"
    )
    assert pandoc.filter_error(stderr) == 'slides_src/Sesión.md:3: the deck reads "/etc/passwd"\n  more'
    assert pandoc.filter_error("pandoc: some other error") is None


def test_the_guard_runs_the_real_pdflatex(tmp_path: Path) -> None:
    """openin_any=p and -recorder as this TeX Live has them: an absolute name refused and
    named, a link in the project followed and named, an own file read."""
    root = tmp_path / "course"
    root.mkdir()
    (tmp_path / "id_rsa").write_text(SECRET, encoding="utf-8")
    (root / "notes.txt").symlink_to(tmp_path / "id_rsa")
    (root / "own.txt").write_text("own", encoding="utf-8")
    lines = ["\\documentclass{article}", "\\begin{document}", "\\input{own.txt}", "", "\\end{document}"]

    def compile_with(line: str) -> None:
        lines[3] = line
        (root / "t.tex").write_text("\n".join(lines), encoding="utf-8")
        command = ["pdflatex", "-interaction=nonstopmode", "t.tex"]
        fls = root / "t.fls"
        tex_guard.run(command, cwd=root, env=os.environ, fls=fls, root=root, source_lines=lines, source_name="t")

    compile_with("")
    assert (root / "t.pdf").is_file()
    for line, named in [
        (f"\\InputIfFileExists{{{tmp_path / 'id_rsa'}}}{{}}{{}}", f"t:4: the deck reads {tmp_path / 'id_rsa'},"),
        ("\\input{notes.txt}", f"t:4: the deck reads notes.txt (a link to {tmp_path / 'id_rsa'}),"),
        ("\\edef\\x{\\pdfmdfivesum file {notes.txt}}", "(a link to"),
    ]:
        with pytest.raises(UserError) as refused:
            compile_with(line)
        assert named in str(refused.value)
        assert not (root / "t.pdf").exists() and not (root / "t.log").exists()


# ------------------------------------------------------------------ through make


def outside_secret(project: Project) -> Path:
    """A private file outside the project, as ~/.ssh/id_rsa would be."""
    secret = project.root.parent / "id_rsa"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    return secret


def add_header(project: Project, deck: str, *packages: str) -> None:
    header = "header-includes:\n" + "".join(f"  - \\usepackage{{{p}}}\n" for p in packages)
    project.edit(f"slides_src/{deck}.md", lambda s: s.replace("---\n", "---\n" + header, 1))


def assert_refused(project: Project, out: subprocess.CompletedProcess[str], where: str, named: str) -> None:
    assert out.returncode != 0
    err = "\n".join(stderr_tail(out.stderr))
    assert f"error: {where}: the deck reads {named}, outside the project" in err, err
    assert "Traceback" not in out.stderr
    leaked = subprocess.run(["grep", "-rl", SECRET, str(project.path("build"))], capture_output=True, text=True)
    assert leaked.stdout == "", f"the outside file's text is under build/: {leaked.stdout}"


@pytest.mark.parametrize("case", ["verbatiminput", "InputIfFileExists", "a link in slides_src"])
def test_a_deck_that_reads_outside_the_project_is_refused_leaving_no_pdf(fixture_rebuilt: Project, case: str) -> None:
    project = fixture_rebuilt
    secret = outside_secret(project)
    if case == "verbatiminput":
        add_header(project, "beta", "verbatim")
        body, named = "\\verbatiminput{/etc/passwd}", "/etc/passwd"
    elif case == "InputIfFileExists":
        body, named = f"\\InputIfFileExists{{{secret}}}{{}}{{}}", str(secret)
    else:
        project.path("slides_src/notes.txt").symlink_to(secret)
        add_header(project, "beta", "verbatim")
        body, named = "\\verbatiminput{notes.txt}", f"slides_src/notes.txt (a link to {secret})"
    line = append_frame(project, "beta", body)
    out = project.make("-k", "slides", "handouts", check=False)
    assert_refused(project, out, f"slides_src/beta.md:{line}", named)
    for output in ("build/slides/beta.pdf", "build/handouts/beta.pdf", "build/latex/slides/beta/deck.pdf"):
        assert not project.path(output).exists(), output
    assert project.path("build/slides/alpha.pdf").is_file()  # the other deck is left as it was


def test_a_tikz_picture_reads_the_projects_files_and_none_outside(fixture_rebuilt: Project) -> None:
    project = fixture_rebuilt
    secret = outside_secret(project)
    project.path("slides_src/label.tex").write_text("etiqueta propia", encoding="utf-8")
    add_header(project, "beta", "tikz")
    append_frame(project, "beta", "\\begin{tikzpicture}\\node{\\input{label.tex}};\\end{tikzpicture}")
    project.make("html")
    assert list(project.path("build/html/tikz").glob("*.svg"))
    line = append_frame(
        project, "beta", f"\\begin{{tikzpicture}}\\node{{\\InputIfFileExists{{{secret}}}{{}}{{}}}};\\end{{tikzpicture}}"
    )
    out = project.make("html", check=False)
    assert_refused(project, out, f"slides_src/beta.md:{line}", str(secret))
    assert len(stderr_tail(out.stderr)) <= 3
    assert not project.path("build/html/beta.html").exists()
