"""`make pptx`: each deck as PowerPoint, read back with python-pptx (slides, titles, notes,
movies with their posters, equations) and rendered by LibreOffice Impress (PPTX -> PDF):
the text is on its page, the equation boxes and the posters are drawn.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest
from conftest import pdf_text
from lecturemedia.project_copy import Project
from PIL import Image
from test_decks_corpus import DECKS as CORPUS_DECKS
from test_decks_corpus import corpus_build  # noqa: F401 (a fixture: the corpus built once, its PPTX too)

pptx = pytest.importorskip("pptx")

NS = {
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "p14": "http://schemas.microsoft.com/office/powerpoint/2010/main",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
DECKS = ("alpha", "beta")
BLOCK_KINDS = ("block", "alert", "example")
XFRM = (("off", "x"), ("off", "y"), ("ext", "cx"))
EMU_PER_PT = 12700


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


def _colour(index: int) -> tuple[int, int, int]:
    return (40 + 7 * index, 3, 200)


def _text_boxes(slide) -> list[tuple[str, int, int, int, int]]:
    """(name, left, top, right, bottom) of each shape with text Impress draws, each coloured by its index."""
    from lecturemedia.decks.pptx.ooxml import frame_of as _geometry

    out = []
    for sp in slide.shapes._spTree.iterfind(".//p:sp", NS):
        body = sp.find("p:txBody", NS)
        text = "".join(t.text or "" for t in body.iterfind(".//a:t", NS)) if body is not None else ""
        in_fallback = any(anc.tag.endswith("}Fallback") for anc in sp.iterancestors())
        geometry = _geometry(slide, sp)
        if not text.strip() or in_fallback or geometry is None:
            continue
        red, green, blue = _colour(len(out))
        for run in sp.iterfind(".//a:r", NS):
            rpr = run.find("a:rPr", NS)
            if rpr is None:
                rpr = run.makeelement(f"{{{NS['a']}}}rPr", {})
                run.insert(0, rpr)
            for old in rpr.findall("a:solidFill", NS):
                rpr.remove(old)
            fill = rpr.makeelement(f"{{{NS['a']}}}solidFill", {})
            fill.append(fill.makeelement(f"{{{NS['a']}}}srgbClr", {"val": f"{red:02X}{green:02X}{blue:02X}"}))
            rpr.insert(0, fill)
        left, top, width, height = geometry
        out.append((sp.find(".//p:cNvPr", NS).get("name"), left, top, left + width, top + height))
    return out


def overflows(deck: Path, work: Path) -> list[str]:
    """Text that Impress draws past the bottom of its box, or under the Pregunta box: each text
    box of a copy of the deck gets a colour of its own, and each piece of text drawn in the
    rendered PDF is found by its colour and compared with its box (2 pt of slack)."""
    prs = pptx.Presentation(str(deck))
    per_slide = [_text_boxes(slide) for slide in prs.slides]
    work.mkdir(parents=True, exist_ok=True)
    coloured = work / deck.name
    prs.save(str(coloured))
    pdf = pypdf.PdfReader(render(coloured, work / "render"))
    problems = []
    slack = 2 * EMU_PER_PT
    for number, (page, shapes) in enumerate(zip(pdf.pages, per_slide, strict=True), 1):
        scale = float(page.mediabox.width) / (prs.slide_width / EMU_PER_PT)
        height = float(page.mediabox.height)
        state: dict = {"rgb": None}
        drawn = []

        def operand(op, args, cm, tm, state=state) -> None:
            if op == b"rg":
                state["rgb"] = tuple(round(float(v) * 255) for v in args)

        def text(t, cm, tm, font, size, state=state, drawn=drawn, scale=scale, height=height) -> None:
            if t.strip() and state["rgb"] is not None:
                m = pypdf.mult(tm, cm)
                drawn.append((state["rgb"], t.strip(), (height - m[5]) / scale * EMU_PER_PT))  # baseline, EMU

        page.extract_text(visitor_operand_before=operand, visitor_text=text)
        questions = [s for s in shapes if s[0] == "Pregunta"]
        for rgb, t, y in drawn:
            index = next((i for i in range(len(shapes)) if max(map(abs, _sub(_colour(i), rgb))) <= 2), None)
            if index is None:
                continue
            name, left, _, right, bottom = shapes[index]
            if y > bottom + slack:
                problems.append(f"slide {number}: {name}: {t[:40]!r} below its box")
            elif name != "Pregunta" and any(y > q[2] + slack and q[1] < right and left < q[3] for q in questions):
                problems.append(f"slide {number}: {name}: {t[:40]!r} under the Pregunta box")
    return problems


def _sub(a: tuple, b: tuple) -> list[int]:
    return [x - y for x, y in zip(a, b, strict=True)]


@pytest.mark.slow
@pytest.mark.parametrize("deck", DECKS)
def test_no_text_runs_past_its_box_or_under_the_pregunta_in_impress(
    fixture_built: Project, tmp_path: Path, deck: str
) -> None:
    assert overflows(fixture_built.path(f"build/pptx/{deck}.pptx"), tmp_path) == []


@pytest.mark.slow
def test_a_slide_too_long_for_its_box_gets_smaller_text_that_fits(fixture_rebuilt: Project, tmp_path: Path) -> None:
    source = fixture_rebuilt.path("slides_src/alpha.md")
    line = "a line long enough to wrap once the font is as large as the template's"
    bullets = "".join(f"- point {n}: {line}\n" for n in range(9))
    source.write_text(source.read_text(encoding="utf-8").replace("- one\n", bullets + "- one\n", 1), encoding="utf-8")
    fixture_rebuilt.make("pptx")
    made = fixture_rebuilt.path("build/pptx/alpha.pptx")
    slide = pptx.Presentation(str(made)).slides[1]
    text = [
        sp
        for sp in slide.shapes._spTree.iterfind(".//p:sp", NS)
        if "título" not in sp.find(".//p:cNvPr", NS).get("name")
    ]
    sizes = {int(r.get("sz")) for sp in text for r in sp.iterfind(".//a:r/a:rPr[@sz]", NS)}
    assert sizes and max(sizes) < 1800, sizes  # shrunk from the template's 20 pt (a block's title bar aside)
    assert overflows(made, tmp_path) == []


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
@pytest.mark.parametrize("deck", CORPUS_DECKS)
def test_a_deck_we_did_not_write_has_one_slide_per_frame(
    corpus_build: tuple[Project, Path],  # noqa: F811 (the fixture imported above)
    deck: str,
) -> None:
    """Frames without a title, footnotes, `section-titles: false`, content under a section's heading."""
    project, _ = corpus_build
    made = project.path(f"build/pptx/{deck}.pptx")
    assert len(titles(made)) == frames(project.path(f"build/slides/{deck}.pdf"))
    slides = pptx.Presentation(str(made)).slides
    parts = [s.element for s in slides] + [s.notes_slide.element for s in slides if s.has_notes_slide]
    assert "lecturemedia-" not in "".join(t.text or "" for part in parts for t in part.iterfind(".//a:t", NS))


BLOCKS_DECK = """---
title: Bloques
slide-level: 1
---

# Tres bloques

Antes de los bloques.

## Definición

- Un tensor es un arreglo $n$-dimensional.

## Cuidado {.alert}

Una tasa $\\eta$ demasiado grande diverge.

## Ejemplo {.example}

`x.grad` guarda el gradiente.
"""


@pytest.mark.slow
def test_beamer_blocks_are_boxes_in_their_colours_with_their_titles(fixture_rebuilt: Project, tmp_path: Path) -> None:
    fixture_rebuilt.path("slides_src/blocks.md").write_text(BLOCKS_DECK, encoding="utf-8")
    fixture_rebuilt.make("pptx")
    made = fixture_rebuilt.path("build/pptx/blocks.pptx")
    slide = list(pptx.Presentation(str(made)).slides)[-1]
    shapes = {sp.find(".//p:cNvPr", NS).get("name"): sp for sp in slide.shapes._spTree.iterfind(".//p:sp", NS)}

    def text(name: str) -> str:
        return "".join(t.text or "" for t in shapes[name].iterfind(".//a:t", NS))

    def fill(name: str) -> str:
        return shapes[name].find("p:spPr/a:solidFill/a:srgbClr", NS).get("val")

    for kind, title, body, colours in (
        ("block", "Definición", "Un tensor es un arreglo -dimensional.", ("3333B3", "EBEBF7")),
        ("alert", "Cuidado", "Una tasa  demasiado grande diverge.", ("CC0000", "FBE6E6")),
        ("example", "Ejemplo", "x.grad guarda el gradiente.", ("008000", "E6F2E6")),
    ):
        assert text(f"Bloque {kind}: título") == title
        assert text(f"Bloque {kind}: texto") == body  # its equations are PowerPoint's, with a picture for Impress
        assert (fill(f"Bloque {kind}: título"), fill(f"Bloque {kind}")) == colours
        assert shapes[f"Bloque {kind}"].find("p:spPr/a:prstGeom", NS).get("prst") == "roundRect"
        box = [int(shapes[f"Bloque {kind}"].find(f"p:spPr/a:xfrm/a:{t}", NS).get(k)) for t, k in XFRM]
        inner = [int(shapes[f"Bloque {kind}: texto"].find(f"p:spPr/a:xfrm/a:{t}", NS).get(k)) for t, k in XFRM]
        assert box[0] <= inner[0] and box[1] < inner[1] and inner[0] + inner[2] <= box[0] + box[2]
    for kind in ("block", "alert"):
        alt = next(a for a in shapes[f"Bloque {kind}: texto"].iterancestors() if a.tag.endswith("AlternateContent"))
        assert alt.find(".//m:oMath", NS) is not None and alt.find("mc:Fallback/p:pic", NS) is not None
    tops = [int(shapes[f"Bloque {k}"].find("p:spPr/a:xfrm/a:off", NS).get("y")) for k in BLOCK_KINDS]
    assert tops == sorted(tops)  # in the deck's order, one under the other
    assert "Antes de los bloques." in "".join(t.text or "" for t in slide.element.iterfind(".//a:t", NS))
    page = pypdf.PdfReader(render(made, tmp_path)).pages[-1]
    for words in ("Definición", "Cuidado", "Ejemplo", "gradiente", "Antes"):
        assert words in page.extract_text()
    assert len(page.images) >= 2  # the two blocks with equations: their pictures
    assert overflows(made, tmp_path / "fit") == []


COLUMNS_DECK = """---
title: Columnas
slide-level: 1
---

# Dos columnas

:::: columns
::: column
## Definición

Un tensor es un arreglo.
:::
::: column
## Cuidado {.alert}

Una tasa demasiado grande diverge.
:::
::::
"""


@pytest.mark.slow
def test_a_block_in_a_column_is_a_box_in_that_column(fixture_rebuilt: Project) -> None:
    fixture_rebuilt.path("slides_src/columnas.md").write_text(COLUMNS_DECK, encoding="utf-8")
    fixture_rebuilt.make("pptx")
    slide = list(pptx.Presentation(str(fixture_rebuilt.path("build/pptx/columnas.pptx"))).slides)[-1]
    shapes = {sp.find(".//p:cNvPr", NS).get("name"): sp for sp in slide.shapes._spTree.iterfind(".//p:sp", NS)}
    lefts = {}
    for kind, title, body in (("block", "Definición", "Un tensor es un arreglo."), ("alert", "Cuidado", "Una tasa")):
        assert "".join(t.text or "" for t in shapes[f"Bloque {kind}: título"].iterfind(".//a:t", NS)) == title
        assert body in "".join(t.text or "" for t in shapes[f"Bloque {kind}: texto"].iterfind(".//a:t", NS))
        lefts[kind] = int(shapes[f"Bloque {kind}"].find("p:spPr/a:xfrm/a:off", NS).get("x"))
    assert lefts["block"] < lefts["alert"]  # side by side, each in its column
    texts = "".join(t.text or "" for t in slide.element.iterfind(".//a:t", NS))
    assert "lecturemedia-block" not in texts


@pytest.mark.slow
def test_an_equation_latex_cannot_draw_is_an_error_at_its_deck_line(fixture_rebuilt: Project) -> None:
    """Not a blank box in Impress: the build stops, naming the deck, the line and the formula."""
    # \\mathscr is an equation for pandoc, not for pdflatex without mathrsfs; \\nodefinida neither for pandoc
    deck = (
        "---\ntitle: Mal\nslide-level: 1\n---\n\n# Una\n\nBien: $x^2$ y $\\nodefinida x$.\n\nMal: $\\mathscr{L} + 1$.\n"
    )
    fixture_rebuilt.path("slides_src/malas.md").write_text(deck, encoding="utf-8")
    proc = fixture_rebuilt.make("pptx", check=False)
    assert proc.returncode != 0
    assert "slides_src/malas.md:10: the equation $\\mathscr{L} + 1$ cannot be drawn" in proc.stderr, proc.stderr
    assert "slides_src/malas.md:8: pandoc cannot make $\\nodefinida x$ an equation" in proc.stderr
    assert "Undefined control sequence" in proc.stderr
    assert not fixture_rebuilt.path("build/pptx/malas.pptx").exists()


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
    # PowerPoint's "start: when clicked on": a click on the movie itself toggles its pause
    click = slide.element.find(".//p:timing//p:cTn[@nodeType='interactiveSeq']", NS)
    assert click.find(f"p:stCondLst/p:cond[@evt='onClick']/p:tgtEl/p:spTgt[@spid='{movie_id}']", NS) is not None
    toggle = click.find(".//p:cmd[@cmd='togglePause']", NS)
    assert toggle.find(f".//p:spTgt[@spid='{movie_id}']", NS) is not None
    # and Impress, which starts every movie of a shown slide, stops it when the slide begins
    main = slide.element.find(".//p:timing//p:cTn[@nodeType='mainSeq']", NS)
    first = main.find("p:childTnLst/p:par/p:cTn", NS)
    assert first.find(f"p:stCondLst/p:cond[@evt='onBegin']/p:tn[@val='{main.get('id')}']", NS) is not None
    stop = first.find(".//p:cTn[@nodeType='withEffect']//p:cmd[@cmd='stop']", NS)
    assert stop.find(f".//p:spTgt[@spid='{movie_id}']", NS) is not None
    ids = [c.get("id") for c in slide.element.iterfind(".//p:timing//p:cTn", NS)]
    assert len(ids) == len(set(ids))
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
    # transparent around the text, so that a box in a Beamer block shows the block's colour
    slide = next(s for s in prs.slides if s.shapes._spTree.find(".//mc:Fallback", NS) is not None)
    rid = slide.shapes._spTree.find(".//mc:Fallback//a:blip", NS).get(f"{{{NS['r']}}}embed")
    with Image.open(io.BytesIO(slide.part.related_part(rid).blob)) as picture:
        assert picture.mode == "RGBA" and picture.getpixel((0, 0))[3] == 0


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
    assert last.has_notes_slide
    assert last.notes_slide.notes_text_frame.text == "Decir esto en voz alta."  # no blank line before it


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
