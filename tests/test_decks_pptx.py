"""`make pptx`: each deck as PowerPoint, read back with python-pptx (slides, titles, notes,
movies with their posters, equations) and rendered by LibreOffice Impress (PPTX -> PDF):
the text is on its page, the equation boxes and the posters are drawn.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest
from conftest import pdf_text
from lecturemedia.project_copy import Project

pptx = pytest.importorskip("pptx")

NS = {
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "p14": "http://schemas.microsoft.com/office/powerpoint/2010/main",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
}
DECKS = ("alpha", "beta")


def frames(pdf: Path) -> int:
    """A Beamer PDF's frames: its pages' labels (the overlays of one frame share one)."""
    return len(set(pypdf.PdfReader(pdf).page_labels))


def titles(deck: Path) -> list[str]:
    prs = pptx.Presentation(str(deck))
    return [(s.shapes.title.text if s.shapes.title is not None else "") for s in prs.slides]


def render(deck: Path, out: Path) -> Path:
    """The deck as LibreOffice Impress draws it, as a PDF (a profile of its own per run)."""
    soffice = shutil.which("soffice")
    if not soffice:
        pytest.fail("LibreOffice Impress is missing: `make test` installs it (scripts/setup.sh test)")
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{out / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(deck),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out / f"{deck.stem}.pdf"


@pytest.mark.slow
@pytest.mark.parametrize("deck", DECKS)
def test_one_slide_per_frame_with_the_frames_titles(fixture_built: Project, deck: str) -> None:
    made = fixture_built.path(f"build/pptx/{deck}.pptx")
    assert frames(fixture_built.path(f"build/slides/{deck}.pdf")) == len(titles(made))
    pdf = pdf_text(fixture_built.path(f"build/slides/{deck}.pdf"))
    for title in titles(made)[1:]:
        if title != "Table of Contents":  # beta's `toc: true`: Beamer's contents frame has no title
            assert title.split()[0] in pdf, title


@pytest.mark.slow
def test_a_video_is_a_movie_that_plays_on_a_click_with_its_poster(fixture_built: Project) -> None:
    prs = pptx.Presentation(str(fixture_built.path("build/pptx/alpha.pptx")))
    movies = [
        (slide, pic)
        for slide in prs.slides
        for pic in slide.shapes._spTree.iterfind(".//p:pic", NS)
        if pic.find(".//a:videoFile", NS) is not None
    ]
    assert len(movies) == 1
    slide, pic = movies[0]
    assert pic.find(".//p14:media", NS) is not None  # what PowerPoint writes for an embedded movie
    movie_id = pic.find("p:nvPicPr/p:cNvPr", NS).get("id")
    assert slide.element.find(f".//p:timing//p:video//p:spTgt[@spid='{movie_id}']", NS) is not None
    assert slide.element.find(".//p:timing//p:video//p:cond[@delay='indefinite']", NS) is not None  # on a click
    parts = {rel.reltype.rsplit("/", 1)[-1]: rel.target_part for rel in slide.part.rels.values()}
    assert parts["video"].blob == fixture_built.path("build/pptx/videos/descent.mp4").read_bytes()
    poster = fixture_built.path("build/videos/test/descent.png").read_bytes()
    assert poster in [p.blob for k, p in parts.items() if k == "image"] + [
        rel.target_part.blob for rel in slide.part.rels.values() if rel.reltype.endswith("/image")
    ]
    # the captions are burned into the PPTX's copy: it is not the rendered video
    assert parts["video"].blob != fixture_built.path("build/videos/test/descent.mp4").read_bytes()


@pytest.mark.slow
def test_an_equation_is_native_for_powerpoint_with_a_picture_for_impress(fixture_built: Project) -> None:
    prs = pptx.Presentation(str(fixture_built.path("build/pptx/beta.pptx")))
    boxes = [alt for s in prs.slides for alt in s.shapes._spTree.iterfind(".//mc:AlternateContent", NS)]
    assert boxes
    for alt in boxes:
        choice, fallback = alt.find("mc:Choice", NS), alt.find("mc:Fallback", NS)
        assert choice.get("Requires") == "a14 a16"
        assert choice.find(".//m:oMath", NS) is not None
        assert fallback.find(".//p:pic//a:blip", NS) is not None


@pytest.mark.slow
def test_notes_and_a_deck_edit_rebuild_that_deck_only(fixture_rebuilt: Project) -> None:
    other = fixture_rebuilt.path("build/pptx/beta.pptx")
    before = other.stat().st_mtime_ns
    source = fixture_rebuilt.path("slides_src/alpha.md")
    text = source.read_text(encoding="utf-8")
    source.write_text(
        text.replace("# Last", "# Last\n\n::: notes\nDecir esto en voz alta.\n:::\n", 1), encoding="utf-8"
    )
    fixture_rebuilt.make("pptx")
    assert other.stat().st_mtime_ns == before
    prs = pptx.Presentation(str(fixture_rebuilt.path("build/pptx/alpha.pptx")))
    last = list(prs.slides)[-1]
    assert last.has_notes_slide and "Decir esto en voz alta." in last.notes_slide.notes_text_frame.text


@pytest.mark.slow
@pytest.mark.parametrize("deck", DECKS)
def test_impress_draws_every_slide_with_its_text_equations_and_posters(
    fixture_built: Project, tmp_path: Path, deck: str
) -> None:
    made = fixture_built.path(f"build/pptx/{deck}.pptx")
    pdf = pypdf.PdfReader(render(made, tmp_path))
    prs = pptx.Presentation(str(made))
    assert len(pdf.pages) == len(prs.slides)
    for number, (slide, page) in enumerate(zip(prs.slides, pdf.pages, strict=True), 1):
        text = " ".join((page.extract_text() or "").split())
        if slide.shapes.title is not None and slide.shapes.title.text.strip():
            assert slide.shapes.title.text.split()[0].lower() in text.lower(), f"slide {number}"
        tree = slide.shapes._spTree
        needs_picture = tree.find(".//mc:Fallback", NS) is not None or tree.find(".//a:videoFile", NS) is not None
        if needs_picture:  # the equation box's picture, the movie's poster: drawn, not left blank
            assert len(page.images) > 0, f"slide {number} of {deck}: Impress drew no picture"
