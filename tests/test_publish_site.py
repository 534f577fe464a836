"""`make site` (issue 21): the course for its students, on one deck of the fixture course with its
narrated lecture (make lecture) and a tiny lab notebook; the pages
loaded in the system Chromium (puppeteer-core) and checked with axe-core."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import REPO, TEST_ENV, shared
from lecturemedia import config
from lecturemedia.errors import UserError
from lecturemedia.project_copy import Project, copy_project
from lecturemedia.publish.site import lectures, notebooks, order, tracks

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER = REPO / "tests" / "site_browser.mjs"
LAB_LINE = "Lab: the notebook `labs/tiny_lab.ipynb`"


def tiny_lab() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiny lab\n\nA notebook the site runs."),
        nbformat.v4.new_code_cell("answer = 6 * 7  # a comment\nprint('la respuesta es', answer)"),
    ]
    return nb


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, lecture_built: Project) -> Project:
    """The built fixture course with one deck (alpha), which names a lab, and `make site` made
    (which makes alpha's narrated lecture again for the lab's line: one frame's segment)."""

    def build(root: Path) -> None:
        project = copy_project(lecture_built.root, root / "course", with_build=True, env=TEST_ENV)
        project.path("slides_src/beta.md").unlink()
        project.path("labs").mkdir()
        nbformat.write(tiny_lab(), project.path("labs/tiny_lab.ipynb"))
        project.edit("slides_src/alpha.md", lambda text: text.rstrip("\n") + f"\n\n{LAB_LINE}\n")
        project.make("site")

    return Project(shared(tmp_path_factory, "site", build) / "course", env=TEST_ENV)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        for key in ("href", "src", "poster", "data-src", "data-fullscreen"):
            if a.get(key):
                self.targets.append(a[key] or "")


def parsed(page: Path) -> Links:
    links = Links()
    links.feed(page.read_text(encoding="utf-8"))
    return links


def pages(site_dir: Path) -> list[Path]:
    return sorted(p for p in site_dir.rglob("*.html") if "reveal.js" not in p.parts)


# ------------------------------------------------------------------ the site as files


def test_every_link_inside_the_site_resolves_and_none_leaves_it(site: Project) -> None:
    root = site.path("build/site")
    found = {str(p.relative_to(root)) for p in pages(root)}
    assert {"index.html", "lectures/alpha.html", "decks/alpha.html", "labs/tiny_lab.html"} <= found
    for page in pages(root):
        for target in parsed(page).targets:
            if target.startswith(("data:", "#", "mailto:")):
                continue
            assert not re.match(r"^(?:[a-z]+:|//|/)", target), (page, target)  # relative only: any host, file://
            path = (page.parent / target.split("#")[0].split("?")[0]).resolve()
            assert path.is_file() and path.is_relative_to(root.resolve()), (page.relative_to(root), target)


def test_the_lecture_page_has_what_the_deck_places_and_names(site: Project) -> None:
    page = site.path("build/site/lectures/alpha.html")
    links = parsed(page)
    html = page.read_text(encoding="utf-8")
    assert '<html lang="es">' in html
    videos = [a for tag, a in links.tags if tag == "video"]
    assert len(videos) == 2  # the narrated lecture and the one animation alpha places (descent)
    assert "../decks/videos/descent.mp4" in links.targets and "../labs/tiny_lab.html" in links.targets
    for name in ("alpha-diapositivas.pdf", "alpha-apuntes.pdf", "alpha.pptx", "alpha.zip", "alpha.mp4"):
        assert f"alpha/{name}" in links.targets
    tracks = [a for tag, a in links.tags if tag == "track"]
    captions = [t for t in tracks if t["kind"] == "captions"]
    assert len(captions) == 2 and all("default" in t and t["srclang"] == "es" for t in captions)
    chapters = next(t for t in tracks if t["kind"] == "chapters")
    assert (chapters["src"] or "").startswith("data:text/vtt;base64,")  # loads from file:// too
    assert all(a.get("alt") for tag, a in links.tags if tag == "img")
    assert 'lang="en"' in html  # the fixture course is in English: its titles say so
    index = site.path("build/site/index.html").read_text(encoding="utf-8")
    assert 'href="lectures/alpha.html"' in index and "A fixture deck: frames" in index


def test_the_lab_page_shows_the_outputs_of_a_run_at_build_time(site: Project) -> None:
    html = site.path("build/site/labs/tiny_lab.html").read_text(encoding="utf-8")
    assert "la respuesta es 42" in html  # the notebook on disk has no outputs: the build ran it
    assert "<script" not in html and "http" not in re.sub(r"<a [^>]*>", "", html).split('<div class="notebook">')[0]


def test_the_zip_holds_the_lecture_and_opens_by_itself(site: Project) -> None:
    with zipfile.ZipFile(site.path("build/site/lectures/alpha/alpha.zip")) as zf:
        names = set(zf.namelist())
    expected = {
        "alpha/alpha.mp4", "alpha/alpha.vtt", "alpha/alpha.chapters.vtt", "alpha/alpha-diapositivas.pdf",
        "alpha/alpha-apuntes.pdf", "alpha/alpha.pptx", "alpha/html/alpha.html", "alpha/html/videos/descent.mp4",
        "alpha/html/reveal.js/dist/reveal.js", "alpha/labs/tiny_lab.ipynb", "alpha/labs/tiny_lab.html",
    }  # fmt: skip
    assert expected <= names
    with zipfile.ZipFile(site.path("build/site/lectures/alpha/alpha.zip")) as zf:
        for page in ("alpha/labs/tiny_lab.html", "alpha/html/alpha.html"):
            links = Links()
            links.feed(zf.read(page).decode("utf-8"))
            folder = Path(page).parent
            for target in links.targets:
                if target.startswith(("#", "data:")):
                    continue
                resolved = os.path.normpath(folder / target.split("#")[0])
                assert resolved in names, (page, target)  # the unpacked zip has no broken link


# ------------------------------------------------------------------ the site in a browser


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs it)")
def test_every_page_loads_cleanly_passes_axe_and_the_chapters_seek(site: Project) -> None:
    if not (REPO / "node_modules" / "puppeteer-core").is_dir():
        pytest.skip("node_modules has no puppeteer-core: run `make test` (it runs npm ci)")
    root = site.path("build/site")
    rels = [str(p.relative_to(root)) for p in pages(root)]
    out = subprocess.run(
        ["node", str(BROWSER), str(root), *rels],
        capture_output=True, text=True, timeout=300, check=True, env={"CHROMIUM": CHROMIUM, "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    report = json.loads(out.stdout)
    assert set(report) == set(rels)
    for rel, page in report.items():
        assert page["console"] == [], (rel, page["console"])
        assert page["outside"] == [], (rel, page["outside"])
        # a <video> cancels its own range requests (ERR_ABORTED): nothing else may fail to load
        assert [f for f in page["failed"] if f["type"] != "media"] == [], (rel, page["failed"])
        assert page["violations"] == [], (rel, page["violations"])
    chapters = report["lectures/alpha.html"]["chapters"]
    cues = site.path("build/lecture/alpha.chapters.vtt").read_text(encoding="utf-8").count("-->")
    assert chapters["count"] == cues > 2
    assert chapters["start"] > 0 and abs(chapters["currentTime"] - chapters["start"]) < 0.5, chapters


# ------------------------------------------------------------------ rebuilding what an edit touched


def test_a_lab_edit_rebuilds_its_page_and_its_lecture_only(site: Project, tmp_path: Path) -> None:
    project = copy_project(site.root, tmp_path / "course", with_build=True, env=TEST_ENV)
    nb = tiny_lab()
    nb.cells[1].source = "print('otra respuesta', 6 * 9)"
    nbformat.write(nb, project.path("labs/tiny_lab.ipynb"))
    changed = project.changed_by_make("site", pattern="build/site/**/*")
    assert "build/site/labs/tiny_lab.html" in changed and "build/site/lectures/alpha.html" in changed
    assert "build/site/index.html" not in changed and "build/site/decks/alpha.html" not in changed
    assert "otra respuesta 54" in project.path("build/site/labs/tiny_lab.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------ units


def test_a_deck_s_lecture_is_read_from_its_markdown() -> None:
    md = (
        '---\ntitle: "Tensores *y* grafos"\nsubtitle: "Sin magia"\n---\n\n# Uno\n'
        '![La frontera](videos/net.mp4){.animation poster="videos/net.png" width="60%"}\n'
        '![](videos/sgd.mp4){.animation poster="videos/sgd.png"}\n![](videos/net.mp4){.animation}\n'
        "Práctica: [el cuaderno](../labs/sesion3.ipynb) y `labs/extra.ipynb`; no `mylabs/x.ipynb`\n"
    )
    lecture = lectures.parse("deck", md)
    assert (lecture.title, lecture.subtitle) == ("Tensores y grafos", "Sin magia")
    assert [(a.name, a.caption) for a in lecture.animations] == [("net", "La frontera"), ("sgd", "")]
    assert lecture.labs == ("sesion3", "extra")
    assert lectures.parse("bare", "# Uno\n").title == "bare"


def test_the_course_order_comes_first_then_file_names() -> None:
    assert order.ordered(["c", "a", "b", "d"], ["c", "a"]) == ["c", "a", "b", "d"]
    assert order.ordered(["b", "a"], []) == ["a", "b"]
    with pytest.raises(UserError) as err:
        order.ordered(["a"], ["zz"], "course.yaml:9")
    assert str(err.value).startswith("course.yaml:9: site.lectures names 'zz', which is no deck")


def test_course_yaml_site_section_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "course.yaml"
    path.write_text(yaml.safe_dump({"course": {"lang": "es"}, "site": {"lectures": ["a", "b"]}}))
    assert config.load(path).site.lectures == ["a", "b"]
    path.write_text("course: {}\nsite:\n  order: [a]\n")
    with pytest.raises(UserError) as err:
        config.load(path)
    assert "course.yaml:3: unknown key site.order; the keys of site are: lectures" in str(err.value)


def test_code_colours_are_darkened_to_read_on_the_panel() -> None:
    css = notebooks.readable(".a { color: #A2F } .b { color: #3D7B7B } .c { background-color: #ffffff }")
    colours = re.findall(r"(?<![-\w])color: #(\w{6})", css)
    assert len(colours) == 2 and "background-color: #ffffff" in css
    for colour in colours:
        rgb = tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))
        assert notebooks.contrast(rgb, notebooks.PANEL) >= 4.5  # type: ignore[arg-type]


def test_a_lab_that_fails_names_its_notebook_and_cell(tmp_path: Path) -> None:
    nb = tiny_lab()
    nb.cells.append(nbformat.v4.new_code_cell("1 / 0"))
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(UserError) as err:
        notebooks.execute(path)
    message = str(err.value)
    assert message.startswith(f"{path}: code cell 2 failed when run top to bottom: ZeroDivisionError: division by zero")
    assert "\x1b[" not in message and "Restart and Run All" in message


def test_an_animation_is_named_by_its_first_caption(tmp_path: Path) -> None:
    vtt = tmp_path / "a.vtt"
    vtt.write_text(
        "WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000 line:5%\nLa red <b>aprende</b>\na separar\n\n"
        "00:00:02.000 --> 00:00:03.000\nDespués\n",
        encoding="utf-8",
    )
    assert tracks.first_cue(vtt) == "La red aprende a separar"
    assert tracks.first_cue(tmp_path / "missing.vtt") == ""
    vtt.write_text("WEBVTT\n", encoding="utf-8")
    assert tracks.first_cue(vtt) == ""


def test_a_lab_that_links_outside_the_project_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lecturemedia import paths

    root = tmp_path / "course"
    (root / "build" / "md").mkdir(parents=True)
    (root / "labs").mkdir()
    (root / "slides_src").mkdir()
    (root / "slides_src" / "deck.md").write_text("# Uno\n\nLab: `labs/fuera.ipynb`\n", encoding="utf-8")
    (root / "build" / "md" / "deck.md").write_text("# Uno\n\nLab: `labs/fuera.ipynb`\n", encoding="utf-8")
    nbformat.write(tiny_lab(), tmp_path / "elsewhere.ipynb")
    (root / "labs" / "fuera.ipynb").symlink_to(tmp_path / "elsewhere.ipynb")
    for name, value in (("ROOT", root), ("BUILD", root / "build"), ("SLIDES_SRC", root / "slides_src")):
        monkeypatch.setattr(paths, name, value)
    with pytest.raises(UserError, match=r"deck.md:3: labs/fuera.ipynb leads outside the project"):
        lectures.read("deck")
