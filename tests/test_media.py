"""Videos inside the decks (PDF, handout, HTML) and the numbers the decks quote from traces."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import pdf_pages, pdf_text
from lecturemedia.project_copy import Project
from lecturemedia.templating import num
from lecturemedia.traces import store
from pypdf import PdfReader

PLACED = {"tensores_autograd": "autograd_graph", "red_desde_cero": "two_layer_net", "backprop_sgd": "sgd_x2"}


def movies(pdf: Path) -> list[str]:
    """The file of every Movie annotation in the PDF."""
    found = []
    for page in PdfReader(pdf).pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Movie":
                found.append(str(annot["/Movie"].get_object()["/F"]))
    return found


@pytest.mark.parametrize(("deck", "video"), PLACED.items())
def test_the_pdf_links_the_video_beside_it(built: Project, deck: str, video: str) -> None:
    pdf = built.path(f"build/slides/{deck}.pdf")
    assert movies(pdf) == [f"videos/{video}.mp4"]
    assert (pdf.parent / "videos" / f"{video}.mp4").is_file()
    assert (pdf.parent / "videos" / f"{video}.mp4").read_bytes() == built.path(
        f"build/videos/test/{video}.mp4"
    ).read_bytes()


@pytest.mark.parametrize(("deck", "video"), PLACED.items())
def test_the_handout_has_the_poster_and_no_media_link(built: Project, deck: str, video: str) -> None:
    handout = built.path(f"build/handouts/{deck}.pdf")
    assert movies(handout) == []
    assert pdf_pages(handout) == pdf_pages(built.path(f"build/slides/{deck}.pdf"))
    images = [img for page in PdfReader(handout).pages for img in page.images]
    assert len(images) >= 1


class Loads(HTMLParser):
    """Everything an HTML page loads (src, href of stylesheets, posters) and its videos."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.videos: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "video":
            self.videos.append(a)
        for key in ("src", "data-src", "poster"):
            if a.get(key):
                self.loads.append(a[key] or "")
        if tag == "link" and a.get("href"):
            self.loads.append(a["href"] or "")


def css_urls(css: Path) -> list[str]:
    return re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(errors="replace"))


@pytest.mark.parametrize(("deck", "video"), PLACED.items())
def test_the_html_plays_the_video_inline_and_loads_nothing_remote(built: Project, deck: str, video: str) -> None:
    page = built.path(f"build/html/{deck}.html")
    parser = Loads()
    parser.feed(page.read_text(encoding="utf-8"))
    assert [v["src"] for v in parser.videos] == [f"videos/{video}.mp4"]
    assert "controls" in parser.videos[0]
    for target in parser.loads:
        assert not target.startswith(("http:", "https:", "//")), target
        assert (page.parent / target).exists(), target
    for css in (t for t in parser.loads if t.endswith(".css")):
        for url in css_urls(page.parent / css):
            assert not url.startswith(("http:", "https:", "//")), (css, url)
    assert "<math" in page.read_text(encoding="utf-8") or deck == "red_desde_cero"  # math as MathML


def test_the_tikz_picture_shows_in_html_as_svg(built: Project) -> None:
    parser = Loads()
    parser.feed(built.path("build/html/tensores_autograd.html").read_text(encoding="utf-8"))
    svgs = [t for t in parser.loads if t.startswith("tikz/") and t.endswith(".svg")]
    assert len(svgs) == 1
    assert "<svg" in built.path(f"build/html/{svgs[0]}").read_text()


def trace(project: Project, name: str) -> object:
    params = json.loads(project.path(f"build/config/trace-{name}.json").read_text(encoding="utf-8"))
    return store.load(name, project.path(f"build/traces/{name}.json"), expected_params=params)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_sgd_deck_quotes_the_trace(built: Project) -> None:
    data = trace(built, "sgd_x2").data  # type: ignore[attr-defined]
    text = squash(pdf_text(built.path("build/slides/backprop_sgd.pdf")))
    for run in data.runs:
        assert f"{num(run.lr, 3)} {num(run.history_x[-1], 3)} {run.regime}" in text


def test_the_net_deck_quotes_the_trace(built: Project) -> None:
    data = trace(built, "two_layer_net").data  # type: ignore[attr-defined]
    text = squash(pdf_text(built.path("build/slides/red_desde_cero.pdf")))
    assert f"Tras {len(data.loss_history)} épocas" in text
    assert f"pérdida media {num(data.final_loss, 4)}" in text
    assert f"accuracy {num(100 * data.final_accuracy, 1)} %" in text


def test_the_autograd_deck_quotes_the_trace(built: Project) -> None:
    data = trace(built, "autograd_graph").data  # type: ignore[attr-defined]
    text = squash(pdf_text(built.path("build/slides/tensores_autograd.pdf")))
    a, b, d = (num(data.tensor(n).value) for n in ("a", "b", "d"))
    assert f"Con a = {a} y b = {b}: d = {d}" in text
    paths = " + ".join(num(p.grad) for p in data.leaf("a").paths)
    assert f"a.grad = {paths} = {num(data.leaf('a').total)}" in text
    assert f"b.grad = {num(data.leaf('b').total)}" in text


def test_a_changed_trace_rebuilds_exactly_what_reads_it(rebuilt: Project) -> None:
    rebuilt.edit("course.yaml", lambda s: s.replace("a: 2.0", "a: 5.0"))
    intermediate = ("build/config/", "build/md/", "build/deps/", "build/latex/", "build/logs/", "build/manim/")
    changed = {k for k in rebuilt.changed_by_make("all") if not k.startswith(intermediate)}
    assert changed == {
        "build/traces/autograd_graph.json",
        "build/traces/.autograd_graph.stamp",
        "build/videos/test/autograd_graph.mp4",
        "build/videos/test/autograd_graph.png",
        "build/slides/videos/autograd_graph.mp4",
        "build/slides/videos/autograd_graph.png",
        "build/handouts/videos/autograd_graph.png",
        "build/html/videos/autograd_graph.mp4",
        "build/html/videos/autograd_graph.png",
        "build/slides/tensores_autograd.pdf",
        "build/handouts/tensores_autograd.pdf",
        "build/html/tensores_autograd.html",
    }
    assert "Con a = 5 y b = 3: d = 20" in squash(pdf_text(rebuilt.path("build/slides/tensores_autograd.pdf")))


def test_an_unknown_video_names_the_deck_line_and_the_videos(rebuilt: Project) -> None:
    path = rebuilt.path("slides_src/red_desde_cero.md")
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, "", "# Otro", "", '<< video("sgd_x3") >>', ""]), encoding="utf-8")
    out = rebuilt.make("slides", check=False)
    assert out.returncode != 0
    assert (
        f"slides_src/red_desde_cero.md:{len(lines) + 4}: unknown video 'sgd_x3'; "
        "the videos are: autograd_graph, sgd_x2, two_layer_net"
    ) in out.stderr


@pytest.mark.parametrize("ref", ["![gráfico](../../secreto.png)", "\\includegraphics{/etc/passwd}"])
def test_a_path_that_leaves_the_project_is_refused(rebuilt: Project, ref: str) -> None:
    path = rebuilt.path("slides_src/red_desde_cero.md")
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, "", "# Otro", "", ref, ""]), encoding="utf-8")
    out = rebuilt.make("slides", check=False)
    assert out.returncode != 0
    assert f"slides_src/red_desde_cero.md:{len(lines) + 4}: the path" in out.stderr
    assert "leaves the project" in out.stderr
    assert not rebuilt.path("build/slides/red_desde_cero.pdf").exists()
