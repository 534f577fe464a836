"""A deck as PowerPoint (build/pptx/<deck>.pptx): editable text by pandoc 3's pptx writer,
finished here with python-pptx: the videos as embedded movies, the Pregunta box, and a
picture of each equation box for LibreOffice Impress.

python -m lecturemedia.decks.pptx deck NAME        build/pptx/NAME.pptx
python -m lecturemedia.decks.pptx captions NAME    build/pptx/videos/NAME.mp4: the video, captions burned in
python -m lecturemedia.decks.pptx reference OUT    write the engine's reference document (decks/assets/reference.pptx)

The Debian pandoc (2.17) makes the PDFs and the HTML; its pptx writer has no builds for
incremental lists, so the PPTX is written by the pandoc inside the `pypandoc-binary` package.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

from .. import console, outputs, paths
from ..errors import UserError, friendly_main
from ..tools import require
from . import pandoc, pptx_fit, tex_guard

ASSETS = Path(__file__).parent / "assets"
DEFAULT_REFERENCE = ASSETS / "reference.pptx"
VIDEO_MARK = "lecturemedia-video:"
PREGUNTA_MARK = "lecturemedia-pregunta"
FRAME_MARK = "lecturemedia-frame"  # filters/pptx.lua: the first paragraph of each frame's notes
SECTION_MARK = "lecturemedia-section"  # filters/pptx.lua: ends a section's title under `section-titles: false`
ORANGE, ORANGE_LIGHT = "CC6600", "FFF3E6"  # preamble.tex: orange!80!black, orange!10
BLOCK_MARK, BLOCK_END = "lecturemedia-block:", "lecturemedia-blockend"  # filters/pptx.lua
# Beamer's blocks as the Madrid theme draws them: title bar, body (structure blue, alerted red, example green)
BLOCK_COLOURS = {"block": ("3333B3", "EBEBF7"), "alert": ("CC0000", "FBE6E6"), "example": ("008000", "E6F2E6")}

NS = {
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "a14": "http://schemas.microsoft.com/office/drawing/2010/main",
    "a16": "http://schemas.microsoft.com/office/drawing/2014/main",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
}
EMU_PER_PT = 12700


def q(tag: str) -> str:
    prefix, local = tag.split(":")
    return f"{{{NS[prefix]}}}{local}"


def pandoc3() -> str:
    """The pandoc inside pypandoc-binary (3.x), without importing pypandoc (which may try to fetch one)."""
    spec = importlib.util.find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "files" / "pandoc"
        if binary.is_file():
            return str(binary)
    raise UserError("the pandoc for PowerPoint is missing: it comes with pypandoc-binary; run `make setup`")


def reference_doc() -> Path:
    """The course's template (slides_src/templates/reference.pptx) if it has one, else the engine's."""
    own = paths.TEMPLATES / "reference.pptx"
    return own if own.is_file() else DEFAULT_REFERENCE


# ------------------------------------------------------------------ the deck


def build(name: str) -> None:
    start = time.monotonic()
    md = paths.BUILD / "md" / f"{name}.md"
    target = paths.deck_output("pptx", name)
    out_dir = target.parent
    work = paths.BUILD / "latex" / "pptx" / name
    work.mkdir(parents=True, exist_ok=True)
    tikz_dir = out_dir / ".tikz"
    tikz_dir.mkdir(parents=True, exist_ok=True)
    math_file = work / "math.json"
    math_file.unlink(missing_ok=True)
    raw = work / "pandoc.pptx"
    shown = f"slides_src/{name}.md"
    extra = [
        "--reference-doc",
        str(reference_doc().resolve()),
        f"--resource-path={out_dir.resolve()}:{paths.SLIDES_SRC.resolve()}",
        "-M",
        f"tikz-dir={tikz_dir.resolve()}",
        "-M",
        f"tikz-href={tikz_dir.resolve()}",
        "-M",
        "tikz-format=png",
        "-M",
        f"pptx-math-file={math_file.resolve()}",
        *tex_guard.pandoc_args(shown),  # TikZ pictures: pdflatex runs through the engine's guard
    ]
    if pandoc.metadata(md.read_text(encoding="utf-8")).get("toc") is True:
        extra.append("--toc")  # Beamer's template reads `toc`; pandoc's pptx writer only its option
    outputs.remove(target)  # out of date (Make runs this step only then): gone until remade
    try:
        pandoc.convert(
            md, raw, "pptx", shown, extra, filters=("tikz.lua", *pandoc.FILTERS, "pptx.lua"), program=pandoc3()
        )
        formulas = json.loads(math_file.read_text(encoding="utf-8") or "[]") if math_file.exists() else []
        header = latex_header(md)
        tmp = out_dir / f".{name}.pptx.tmp"
        counts = finish(raw, tmp, out_dir, formulas if isinstance(formulas, list) else [], header, shown, work)
        outputs.publish_file(tmp, target)
    except UserError:
        outputs.remove(target)
        raise
    console.product(target, f"{counts['slides']} slides, {counts['movies']} movies, {time.monotonic() - start:.1f} s")


def latex_header(md: Path) -> str:
    """The deck's \\usepackage and macro lines, for drawing its formulas as the PDF does."""
    meta = pandoc.metadata(md.read_text(encoding="utf-8"))
    includes = meta.get("header-includes") or []
    lines = includes if isinstance(includes, list) else [includes]
    keep = re.compile(r"\\(usepackage|newcommand|renewcommand|DeclareMathOperator|def)\b")
    return "\n".join(str(line) for line in lines if keep.search(str(line)))


def finish(raw: Path, out: Path, out_dir: Path, formulas: list, header: str, shown: str, work: Path) -> dict[str, int]:
    """pandoc's PPTX -> the finished one: movies, Pregunta boxes, equation pictures, unique shape ids."""
    from pptx import Presentation

    prs = Presentation(str(raw))
    counts = {"slides": len(prs.slides), "movies": 0}
    for slide in prs.slides:
        renumber(slide)  # first: python-pptx numbers what it adds after the highest id
        counts["movies"] += place_movies(slide, out_dir, shown)
        place_pregunta(slide, prs.slide_width, prs.slide_height)
    styles = master_styles(prs)
    drop_section_slides(prs)
    merge_continuations(prs, styles)
    counts["slides"] = len(prs.slides)
    for slide in prs.slides:
        place_blocks(slide, styles)
        drop_stray_marks(slide)
        fit_text(slide, styles)
    boxes = [(slide, ac) for slide in prs.slides for ac in slide.shapes._spTree.iter(q("mc:AlternateContent"))]
    add_equation_pictures(prs, boxes, formulas, header, shown, work)
    for slide in prs.slides:
        renumber(slide)  # the fallbacks take their boxes' ids
    prs.save(str(out))
    return counts


def renumber(slide) -> None:
    """Give every shape its own id: pandoc 3 writes 0s and duplicates. Good ids are kept (the
    builds of incremental lists name their shapes by id); a Fallback shares its Choice's."""
    tree = slide.shapes._spTree
    elements = [el for el in tree.iter(q("p:cNvPr")) if el.getparent().tag != q("p:nvGrpSpPr")]
    used = {"1"}
    bad = []
    for el in elements:
        if _in_fallback(el) is not None:
            continue
        if el.get("id", "0") in used or not el.get("id", "0").isdigit() or el.get("id") == "0":
            bad.append(el)
        else:
            used.add(el.get("id"))
    next_id = max(int(i) for i in used) + 1
    for el in bad:
        el.set("id", str(next_id))
        next_id += 1
    for el in elements:
        fallback = _in_fallback(el)
        choice = fallback.getparent().find(q("mc:Choice")) if fallback is not None else None
        first = next(choice.iter(q("p:cNvPr")), None) if choice is not None else None
        if first is not None:
            el.set("id", first.get("id"))


def _in_fallback(el):
    parent = el.getparent()
    while parent is not None:
        if parent.tag == q("mc:Fallback"):
            return parent
        parent = parent.getparent()
    return None


# ------------------------------------------------------------------ one slide per frame


def _title_text(slide) -> str | None:
    """The slide's title, "" when its title is empty, None when it has no title shape."""
    for sp in slide.shapes._spTree.iter(q("p:sp")):
        ph = sp.find(f".//{q('p:nvPr')}/{q('p:ph')}")
        if ph is not None and ph.get("type") in ("title", "ctrTitle"):
            return "".join(t.text or "" for t in sp.iter(q("a:t"))).strip()
    return None


def drop_section_slides(prs) -> None:
    """`section-titles: false`: Beamer makes no frame of a section's heading; its slide goes, and the
    mark leaves the contents slide's entries."""
    mark = re.compile(r"\s*" + SECTION_MARK)
    slides = list(prs.slides)
    gone = [s for s in slides if (_title_text(s) or "").endswith(SECTION_MARK)]
    for slide in gone:  # the contents slide's links to a section go to its first frame, as in the PDF
        after = next((s for s in slides[slides.index(slide) + 1 :] if s not in gone), None)
        for other in slides:
            for rel in other.part.rels.values():
                if not rel.is_external and rel.reltype.endswith("/slide") and rel.target_part is slide.part:
                    _retarget(rel, (after or other).part)
        _delete_slide(prs, slide)
    for slide in prs.slides:
        for t in slide.shapes._spTree.iter(q("a:t")):
            if t.text and SECTION_MARK in t.text:
                t.text = mark.sub("", t.text)


def _retarget(rel, part) -> None:
    """Point an internal relationship at another part (python-pptx has no API for it; its target
    properties are cached)."""
    rel._target = part
    for cached in ("target_part", "target_partname", "target_ref"):
        rel.__dict__.pop(cached, None)


def take_frame_mark(slide) -> bool:
    """Whether the slide starts a frame (pptx.lua marks each frame's notes); the mark is removed."""
    if not slide.has_notes_slide:
        return False
    body = slide.notes_slide.notes_text_frame._txBody
    marks = [p for p in body.iter(q("a:p")) if "".join(t.text or "" for t in p.iter(q("a:t"))).strip() == FRAME_MARK]
    for p in marks:
        after = p.getnext()  # pandoc puts an empty paragraph between the mark's notes and the frame's own
        blank = after is not None and after.tag == q("a:p") and not "".join(t.text or "" for t in after.iter(q("a:t")))
        if blank and after.getnext() is not None:
            after.getparent().remove(after)
        p.getparent().remove(p)
    if marks and not body.findall(q("a:p")):
        body.append(_empty_paragraph())
    return bool(marks)


def merge_continuations(prs, styles: dict) -> None:
    """pandoc puts what follows a table or a picture on a slide of its own, with no title;
    the PDF has it on the same frame. Its text goes back under the last shape of the slide before
    (above the Pregunta box), and the extra slide goes. A frame's own slide carries pptx.lua's
    mark in its notes (a frame may have no title); the deck's title and contents slides have titles."""
    slides = list(prs.slides)
    framed = {id(slide): take_frame_mark(slide) for slide in slides}
    for before, slide in reversed(list(itertools.pairwise(slides))):
        if framed[id(slide)] or _title_text(slide) or any(True for _ in slide.shapes._spTree.iter(q("p:pic"))):
            continue
        tree, target = slide.shapes._spTree, before.shapes._spTree
        shapes = [el for el in tree if el.tag in (q("p:sp"), q("mc:AlternateContent"))]
        if any(el.find(f".//{q('a:blip')}") is not None for el in shapes):
            continue  # pictures would need their parts moved: leave the slide
        bottoms = [g[1] + g[3] for el in target if (g := _geometry(before, el)) is not None and not _is_pregunta(el)]
        top = max(bottoms, default=prs.slide_height // 5) + EMU_PER_PT * 6
        box_tops = [g[1] for el in (*target, *tree) if _is_pregunta(el) and (g := _geometry(before, el))]
        limit = min(box_tops, default=prs.slide_height - EMU_PER_PT * 12) - EMU_PER_PT * 6
        for el in shapes:
            ph = el.find(f".//{q('p:nvPr')}/{q('p:ph')}")
            if ph is not None and ph.get("type") in ("title", "ctrTitle"):
                continue
            if _is_pregunta(el):
                target.append(el)
                continue
            geometry = _geometry(slide, el)
            if geometry is None:
                continue
            left, _, width, _ = geometry
            if ph is not None:
                ph.getparent().remove(ph)  # a text box now: the slide before has another layout
            body = el.find(f".//{q('p:txBody')}")
            if body is not None:  # room for the text: what is above it gets shorter (at most half the room)
                want = pptx_fit.needed_height(body, width, *styles["other"])
                want = min(want, (limit - prs.slide_height // 5) // 2)
                if want > limit - top:
                    top = make_room(before, limit - want - EMU_PER_PT * 6) + EMU_PER_PT * 6
            for sp_pr in el.iter(q("p:spPr")):
                _set_xfrm(sp_pr, left, top, width, max(EMU_PER_PT * 24, limit - top))
            target.append(el)
        _move_notes(slide, before)
        _delete_slide(prs, slide)


def make_room(slide, bottom: int) -> int:
    """What reaches below `bottom` ends there: pictures shrink keeping their shape (centred where
    they were), text boxes get shorter (their text is fitted later). Returns the new lowest edge."""
    lowest = 0
    for el in slide.shapes._spTree:
        if el.tag not in (q("p:pic"), q("p:sp"), q("p:graphicFrame"), q("mc:AlternateContent")) or _is_pregunta(el):
            continue
        ph = el.find(f".//{q('p:nvPr')}/{q('p:ph')}")
        if ph is not None and ph.get("type") in ("title", "ctrTitle"):
            continue
        geometry = _geometry(slide, el)
        if geometry is None:
            continue
        left, top, width, height = geometry
        if top + height > bottom and top < bottom:
            new_height = bottom - top
            new_width = width * new_height // height if el.tag == q("p:pic") else width
            for sp_pr in el.iter(q("p:spPr")):
                _set_xfrm(sp_pr, left + (width - new_width) // 2, top, new_width, new_height)
            for xfrm in el.findall(q("p:xfrm")):  # a graphicFrame's own frame
                xfrm.find(q("a:ext")).set("cy", str(new_height))
            height = new_height
        lowest = max(lowest, top + height)
    return min(lowest, bottom) if lowest else bottom


def _is_pregunta(el) -> bool:
    name = el.find(f".//{q('p:cNvPr')}")
    return name is not None and name.get("name") == "Pregunta"


def _move_notes(slide, before) -> None:
    if not slide.has_notes_slide or not slide.notes_slide.notes_text_frame.text.strip():
        return
    frame = before.notes_slide.notes_text_frame
    frame.text = "\n".join(t for t in (frame.text, slide.notes_slide.notes_text_frame.text) if t.strip())


def _delete_slide(prs, slide) -> None:
    id_list = prs.slides._sldIdLst
    for sld_id in list(id_list):
        if prs.part.related_part(sld_id.rId) is slide.part:
            prs.part.drop_rel(sld_id.rId)
            id_list.remove(sld_id)


# ------------------------------------------------------------------ Beamer's blocks


def _para_text(p) -> str:
    return "".join(t.text or "" for t in p.iter(q("a:t"))).strip()


def place_blocks(slide, styles: dict) -> None:
    """Each Beamer block that pptx.lua marked in a text box becomes a box of its own where its text was:
    a rounded rectangle in the block's colours with its title in a bar on top. The text before it stays
    in its shape, the text after it goes to a copy of that shape below the box; when all of it is taller
    than the shape, each part gets its share (its text is fitted after)."""
    from copy import deepcopy

    for el in [e for e in slide.shapes._spTree if e.tag in (q("p:sp"), q("mc:AlternateContent"))]:
        sp = el if el.tag == q("p:sp") else el.find(f"{q('mc:Choice')}/{q('p:sp')}")
        body = sp.find(q("p:txBody")) if sp is not None else None
        if body is None or not any(_para_text(p).startswith(BLOCK_MARK) for p in body.findall(q("a:p"))):
            continue
        parts, current = [], ("text", None, [])
        for p in body.findall(q("a:p")):
            text = _para_text(p)
            if text.startswith(BLOCK_MARK):
                parts.append(current)
                kind = text[len(BLOCK_MARK) :]
                current = ("block", kind, [])
            elif text == BLOCK_END:
                parts.append(current)
                current = ("text", None, [])
            else:
                current[2].append(p)
        parts.append(current)
        geometry = _geometry(slide, sp)
        for p in body.findall(q("a:p")):
            body.remove(p)
        if geometry is None:  # nowhere to draw: the text stays as it was, without the marks
            body.extend(p for _, _, paras in parts for p in paras)
            continue
        parts = [part for number, part in enumerate(parts) if part[2] or part[0] == "block" or number == 0]
        left, top, width, height = geometry
        sizes = styles["body" if sp.find(f".//{q('p:nvPr')}/{q('p:ph')}") is not None else "other"]
        bar = int(EMU_PER_PT * 28)
        gap = int(EMU_PER_PT * 6)

        wants = []
        for kind, mark, paras in parts:
            if kind == "text":  # 2 pt to spare: the fit would shrink text that fills its box to the point
                wants.append(_needed_height(body, paras, width, sizes) + 2 * EMU_PER_PT * bool(paras))
            else:
                titled = not mark.endswith("-untitled")
                wants.append(bar * titled + _needed_height(body, paras[titled:], width - 2 * gap, sizes) + gap)
        total = sum(wants) + gap * (len(parts) - 1)
        share = min(1.0, height / total) if total else 1.0
        y, anchor = top, el  # what is drawn follows the text in the tree: equation boxes stay in order
        for number, ((kind, mark, paras), want) in enumerate(zip(parts, wants, strict=True)):
            h = int(want * share)
            if kind == "text":
                target = el if number == 0 else deepcopy(el)
                shape = sp if number == 0 else (target if target.tag == q("p:sp") else target.find(f".//{q('p:sp')}"))
                tx = shape.find(q("p:txBody"))
                for old in tx.findall(q("a:p")):
                    tx.remove(old)
                tx.extend(paras or [_empty_paragraph()])
                _set_xfrm(shape.find(q("p:spPr")), left, y, width, max(h, EMU_PER_PT))
                if number:
                    anchor.addnext(target)
                    anchor = target
            else:
                titled = not mark.endswith("-untitled")
                anchor = _draw_block(
                    slide,
                    anchor,
                    el,
                    mark.removesuffix("-untitled"),
                    paras if titled else [None, *paras],
                    (left, y, width, h),
                    bar if titled else 0,
                )
            y += h + gap


def drop_stray_marks(slide) -> None:
    """A block mark pandoc put apart from its block (a slide split inside it) is not shown."""
    for p in list(slide.shapes._spTree.iter(q("a:p"))):
        text = _para_text(p)
        if text == BLOCK_END or text.startswith(BLOCK_MARK):
            body = p.getparent()
            body.remove(p)
            if not body.findall(q("a:p")):
                body.append(_empty_paragraph())


def _needed_height(body, paras: list, width: int, sizes: tuple) -> int:
    """The height `paras` take in a text body like `body` (its insets) `width` EMU wide."""
    from copy import deepcopy

    if not paras:
        return 0
    probe = deepcopy(body)
    probe.extend(deepcopy(p) for p in paras)
    return pptx_fit.needed_height(probe, width, *sizes)


def _draw_block(slide, anchor, el, kind: str, paras: list, frame: tuple[int, int, int, int], bar: int):
    """The block's box, a rounded rectangle in its body colour; its title on a bar in the title colour,
    rounded on top; its text in a copy of the text's shape (its bullets, sizes, and equations with their
    picture for Impress) over the box. All go after `anchor`, in that order; returns the last."""
    from copy import deepcopy

    from pptx.dml.color import RGBColor
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Emu

    title_colour, body_colour = BLOCK_COLOURS.get(kind, BLOCK_COLOURS["block"])
    left, top, width, height = frame
    height = max(height, bar + EMU_PER_PT * 12)
    radius = EMU_PER_PT * 6
    drawn = []
    box = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Emu(left), Emu(top), Emu(width), Emu(height))
    box.name = f"Bloque {kind}"
    box.adjustments[0] = min(0.5, radius / min(width, height))
    box.fill.solid()
    box.fill.fore_color.rgb = RGBColor.from_string(body_colour)
    box.line.fill.background()
    drawn.append(box._element)
    if bar:
        title = slide.shapes.add_shape(MSO_SHAPE.ROUND_2_SAME_RECTANGLE, Emu(left), Emu(top), Emu(width), Emu(bar))
        title.name = f"Bloque {kind}: título"
        title.adjustments[0] = min(0.5, radius / bar)
        title.adjustments[1] = 0.0
        title.fill.solid()
        title.fill.fore_color.rgb = RGBColor.from_string(title_colour)
        title.line.fill.background()
        frame_ = title.text_frame
        frame_.word_wrap = True
        frame_.vertical_anchor = 3  # middle
        frame_.margin_left = frame_.margin_right = Emu(radius)
        frame_.margin_top = frame_.margin_bottom = 0
        t_body = frame_._txBody
        for old in t_body.findall(q("a:p")):
            t_body.remove(old)
        heading = paras[0]
        ppr = heading.find(q("a:pPr"))
        if ppr is not None:
            for spacing in ppr.findall(q("a:spcBef")):
                ppr.remove(spacing)
        for r in heading.iter(q("a:rPr")):
            r.set("b", "1")
            r.set("sz", "1800")
            for old in r.findall(q("a:solidFill")):
                r.remove(old)
            white = r.makeelement(q("a:solidFill"), {})
            white.append(white.makeelement(q("a:srgbClr"), {"val": "FFFFFF"}))
            r.insert(0, white)
        t_body.append(heading)
        drawn.append(title._element)
    text = deepcopy(el)
    sp = text if text.tag == q("p:sp") else text.find(f".//{q('p:sp')}")
    sp.find(f".//{q('p:cNvPr')}").set("name", f"Bloque {kind}: texto")
    tx = sp.find(q("p:txBody"))
    for old in tx.findall(q("a:p")):
        tx.remove(old)
    tx.extend(paras[1:] or [_empty_paragraph()])
    _set_xfrm(sp.find(q("p:spPr")), left + radius // 2, top + bar, width - radius, height - bar - radius // 2)
    drawn.append(text)
    for element in drawn:
        anchor.addnext(element)
        anchor = element
    return anchor


# ------------------------------------------------------------------ text that fits its box


def master_styles(prs) -> dict[str, tuple[list[int], list[int], str]]:
    """Per kind of text ("body" placeholders, "other" text boxes): each level's size (1/100 pt) and
    left margin (EMU) from the master, and the theme's body font."""
    master = prs.slide_master.element
    theme = next(
        (rel.target_part.blob for rel in prs.slide_master.part.rels.values() if rel.reltype.endswith("/theme")), b""
    )
    minor = re.search(rb"<a:minorFont><a:latin typeface=\"([^\"]*)\"", theme)
    family = minor.group(1).decode() if minor else "Calibri"
    out = {}
    for kind, tag in (("body", "p:bodyStyle"), ("other", "p:otherStyle")):
        sizes, margins = [1800] * 9, [0] * 9
        style = master.find(f"{q('p:txStyles')}/{q(tag)}")
        for level in range(9):
            lvl = style.find(q(f"a:lvl{level + 1}pPr")) if style is not None else None
            rpr = lvl.find(q("a:defRPr")) if lvl is not None else None
            if rpr is not None and rpr.get("sz"):
                sizes[level] = int(rpr.get("sz"))
            if lvl is not None and lvl.get("marL"):
                margins[level] = int(lvl.get("marL"))
        out[kind] = (sizes, margins, family)
    return out


def fit_text(slide, styles: dict) -> None:
    """Every text box but the title and the Pregunta shrinks its text until it fits its frame."""
    for sp in list(slide.shapes._spTree.iter(q("p:sp"))):
        body = sp.find(q("p:txBody"))
        if body is None or _is_pregunta(sp) or _in_fallback(sp) is not None:
            continue
        ph = sp.find(f".//{q('p:nvPr')}/{q('p:ph')}")
        if ph is not None and ph.get("type") in ("title", "ctrTitle", "subTitle", "dt", "ftr", "sldNum"):
            continue
        geometry = _geometry(slide, sp)
        if geometry is None or not "".join(t.text or "" for t in body.iter(q("a:t"))).strip():
            continue
        sizes, margins, family = styles["body" if ph is not None else "other"]
        pptx_fit.fit(body, geometry[2], geometry[3], sizes, margins, family)


# ------------------------------------------------------------------ movies


def place_movies(slide, out_dir: Path, shown: str) -> int:
    """Each marked poster becomes the movie itself, where the poster was, with the poster as its frame."""
    placed = 0
    for pic in list(slide.shapes._spTree.iter(q("p:pic"))):
        c_nv_pr = pic.find(f"{q('p:nvPicPr')}/{q('p:cNvPr')}")
        descr = c_nv_pr.get("descr", "") if c_nv_pr is not None else ""
        if not descr.startswith(VIDEO_MARK):
            continue
        src = descr[len(VIDEO_MARK) :].split()[0]
        mp4 = out_dir / src
        poster = mp4.with_suffix(".png")
        for needed in (mp4, poster):
            if not needed.is_file():
                raise UserError(f"{shown}: {paths.rel(needed)} is missing; run `make pptx` (it makes the videos)")
        off = pic.find(f"{q('p:spPr')}/{q('a:xfrm')}/{q('a:off')}")
        ext = pic.find(f"{q('p:spPr')}/{q('a:xfrm')}/{q('a:ext')}")
        left, top, width, height = (int(off.get("x")), int(off.get("y")), int(ext.get("cx")), int(ext.get("cy")))
        blip = pic.find(f".//{q('a:blip')}")
        rid = blip.get(q("r:embed")) if blip is not None else None
        pic.getparent().remove(pic)
        if rid:
            slide.part.drop_rel(rid)
        movie = slide.shapes.add_movie(
            str(mp4), left, top, width, height, poster_frame_image=str(poster), mime_type="video/mp4"
        )
        movie.name = Path(src).stem
        placed += 1
    return placed


# ------------------------------------------------------------------ the Pregunta box


def place_pregunta(slide, slide_width: int, slide_height: int) -> None:
    """The paragraphs from the Pregunta marker on go into the course's orange box at the
    foot of the slide; the text above it ends where the box begins."""
    from pptx.dml.color import RGBColor
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Emu, Pt

    for para in list(slide.shapes._spTree.iter(q("a:p"))):
        if "".join(t.text or "" for t in para.iter(q("a:t"))).strip() != PREGUNTA_MARK:
            continue
        body = para.getparent()
        moved = []
        sibling = para.getnext()
        while sibling is not None:
            nxt = sibling.getnext()
            if sibling.tag == q("a:p"):
                moved.append(sibling)
                body.remove(sibling)
            sibling = nxt
        body.remove(para)
        if not body.findall(q("a:p")):
            body.append(_empty_paragraph())
        text = " ".join("".join(t.text or "" for t in p.iter(q("a:t"))) for p in moved)
        margin = int(slide_width * 0.04)
        width = slide_width - 2 * margin
        size = 16
        chars_per_line = max(20, int(width / EMU_PER_PT / (size * 0.5)))
        lines = 1 + max(1, math.ceil(len(text) / chars_per_line))
        height = int(lines * size * 1.35 * EMU_PER_PT + 0.3 * 72 * EMU_PER_PT)
        top = slide_height - height - int(slide_height * 0.03)
        box = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Emu(margin), Emu(top), Emu(width), Emu(height))
        box.name = "Pregunta"
        box.adjustments[0] = 0.12
        box.fill.solid()
        box.fill.fore_color.rgb = RGBColor.from_string(ORANGE_LIGHT)
        box.line.color.rgb = RGBColor.from_string(ORANGE)
        box.line.width = Pt(1.5)
        frame = box.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = 1  # top
        tx_body = frame._txBody
        for old in tx_body.findall(q("a:p")):
            tx_body.remove(old)
        for number, p in enumerate(moved):
            colour = ORANGE if number == 0 else "000000"  # the first is pregunta.lua's title
            for r in p.iter(q("a:rPr")):
                r.set("sz", str(size * 100))
                r.set("i", "0" if number == 0 else "1")
                for old in r.findall(q("a:solidFill")):
                    r.remove(old)
                fill = r.makeelement(q("a:solidFill"), {})
                fill.append(fill.makeelement(q("a:srgbClr"), {"val": colour}))
                r.insert(0, fill)
            ppr = p.find(q("a:pPr"))
            if ppr is not None:
                ppr.attrib.pop("lvl", None)
            tx_body.append(p)
        shorten_above(slide, body, top)


def _empty_paragraph():
    from lxml import etree

    return etree.Element(q("a:p"))


def shorten_above(slide, body, limit: int) -> None:
    """The shape holding `body` ends above `limit` (it gets an explicit frame from its layout if it had none)."""
    shape = body.getparent()
    sp_pr = shape.find(q("p:spPr"))
    if sp_pr is None:
        return
    geometry = _geometry(slide, shape)
    if geometry is None:
        return
    left, top, width, height = geometry
    height = max(int(EMU_PER_PT * 36), min(height, limit - top - int(EMU_PER_PT * 6)))
    _set_xfrm(sp_pr, left, top, width, height)


def _set_xfrm(sp_pr, left: int, top: int, width: int, height: int) -> None:
    xfrm = sp_pr.find(q("a:xfrm"))
    if xfrm is None:
        xfrm = sp_pr.makeelement(q("a:xfrm"), {})
        sp_pr.insert(0, xfrm)
    for child in list(xfrm):
        xfrm.remove(child)
    xfrm.append(xfrm.makeelement(q("a:off"), {"x": str(left), "y": str(top)}))
    xfrm.append(xfrm.makeelement(q("a:ext"), {"cx": str(width), "cy": str(height)}))


def _geometry(slide, shape) -> tuple[int, int, int, int] | None:
    """A shape's frame: its own, else its placeholder's on the layout (or the master)."""
    xfrm = shape.find(f"{q('p:spPr')}/{q('a:xfrm')}")
    if xfrm is not None and xfrm.find(q("a:off")) is not None:
        off, ext = xfrm.find(q("a:off")), xfrm.find(q("a:ext"))
        return int(off.get("x")), int(off.get("y")), int(ext.get("cx")), int(ext.get("cy"))
    ph = shape.find(f".//{q('p:nvPr')}/{q('p:ph')}")
    if ph is None:
        return None
    idx, kind = ph.get("idx", "0"), ph.get("type", "body")
    layout = slide.slide_layout
    for source in (layout.placeholders, layout.slide_master.placeholders):
        for candidate in source:
            fmt = candidate.placeholder_format
            matches = str(fmt.idx) == idx or (source is not layout.placeholders and kind in str(fmt.type).lower())
            if matches and candidate.width is not None:
                return int(candidate.left), int(candidate.top), int(candidate.width), int(candidate.height)
    return None


# ------------------------------------------------------------------ equations for Impress


def add_equation_pictures(prs, boxes: list, formulas: list, header: str, shown: str, work: Path) -> None:
    """Each text box with equations keeps pandoc's native ones for PowerPoint (mc:Choice, now
    requiring a14 and a16) and gets a picture of itself drawn by LaTeX as its mc:Fallback, which
    LibreOffice Impress shows (it claims a14 but renders no OMML in a shape; it does not claim a16)."""
    formulas = drop_unconverted(prs, formulas, shown)
    items = []
    index = 0
    for slide, alt in boxes:
        choice = alt.find(q("mc:Choice"))
        if choice is None or alt.find(q("mc:Fallback")) is not None:
            continue
        shape = choice.find(q("p:sp"))
        n = len(list(choice.iter(q("a14:m"))))
        if shape is None or n == 0:
            continue
        items.append((slide, alt, shape, formulas[index : index + n]))
        index += n
    if index != len(formulas):
        raise UserError(
            f"{shown}: {len(formulas)} formulas in the deck, {index} in the PowerPoint's equation boxes, so "
            "their pictures for Impress cannot be matched to them (Impress would show blank boxes); "
            f"the formulas are in {paths.rel(work / 'math.json')}: please report this with the deck"
        )
    if not items:
        return
    pages = []
    for slide, _, shape, texs in items:
        geometry = _geometry(slide, shape)
        if geometry is None:
            geometry = (
                prs.slide_width // 20,
                prs.slide_height // 5,
                prs.slide_width * 9 // 10,
                prs.slide_height * 7 // 10,
            )
        pages.append((geometry, box_latex(shape, list(texs))))
    pngs = render_pages(pages, header, shown, work, [[f.get("tex", "") for f in texs] for _, _, _, texs in items])
    for (slide, alt, shape, _), (geometry, _), png in zip(items, pages, pngs, strict=True):
        _set_xfrm_if_missing(shape, geometry)
        attach_fallback(slide, alt, shape, geometry, png)


def drop_unconverted(prs, formulas: list, shown: str) -> list:
    """The formulas pandoc made equations of. One it could not convert it writes as its TeX, a run
    `$tex$` (`$$tex$$` displayed): both programs show that text; a warning names its deck line."""
    from collections import Counter

    runs = Counter(
        t.text for slide in prs.slides for t in slide.shapes._spTree.iter(q("a:t")) if (t.text or "").startswith("$")
    )
    kept, failed = [], []
    for formula in formulas:
        tex = formula.get("tex", "") if isinstance(formula, dict) else ""
        key = f"$${tex}$$" if formula.get("display") else f"${tex}$"
        if runs[key] > 0:
            runs[key] -= 1
            failed.append(tex)
        else:
            kept.append(formula)
    if failed:
        source = paths.SLIDES_SRC / Path(shown).name
        lines = source.read_text(encoding="utf-8", errors="replace").splitlines() if source.is_file() else []
        for tex in failed:
            line = next((n for n, text in enumerate(lines, 1) if tex.strip() and tex.strip() in text), None)
            console.warn(
                f"{shown}{f':{line}' if line else ''}: pandoc cannot make ${tex}$ an equation for PowerPoint "
                "(its TeX is shown as text there and in Impress); write it with commands pandoc knows "
                "(its warning above names the one it stopped at)"
            )
    return kept


def _set_xfrm_if_missing(shape, geometry: tuple[int, int, int, int]) -> None:
    sp_pr = shape.find(q("p:spPr"))
    if sp_pr is not None and sp_pr.find(q("a:xfrm")) is None:
        _set_xfrm(sp_pr, *geometry)


LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\^{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\~{}",
}


SYMBOLS = {
    "→": r"$\to$",
    "←": r"$\leftarrow$",
    "≤": r"$\le$",
    "≥": r"$\ge$",
    "×": r"$\times$",
    "·": r"$\cdot$",
    "−": "-",
    "≈": r"$\approx$",
    "∞": r"$\infty$",
    "∂": r"$\partial$",
    "∇": r"$\nabla$",
    "∈": r"$\in$",
    "η": r"$\eta$",
    "σ": r"$\sigma$",
    "φ": r"$\phi$",
    "✓": r"$\checkmark$",
}


def tex_escape(text: str) -> str:
    """Text for pdflatex: its special characters escaped, odd spaces as spaces, common symbols as math."""
    out = []
    for c in text:
        if unicodedata.category(c).startswith("Z"):
            out.append(" ")
        else:
            out.append(LATEX_SPECIAL.get(c) or SYMBOLS.get(c) or c)
    return "".join(out)


def box_latex(shape, texs: list[dict]) -> str:
    """The text box as LaTeX: its paragraphs, bullets by level, bold/italic/monospace runs, and
    each equation (in document order) from the deck's own TeX."""
    out = []
    for para in shape.iter(q("a:p")):
        ppr = para.find(q("a:pPr"))
        level = int(ppr.get("lvl", "0")) if ppr is not None else 0
        bullet = not (ppr is not None and ppr.find(q("a:buNone")) is not None)
        parts = []
        for node in para:
            if node.tag == q("a:r"):
                rpr = node.find(q("a:rPr"))
                text = tex_escape("".join(t.text or "" for t in node.iter(q("a:t"))))
                if (
                    rpr is not None
                    and rpr.find(q("a:latin")) is not None
                    and "Courier" in (rpr.find(q("a:latin")).get("typeface") or "")
                ):
                    text = rf"\texttt{{{text}}}"
                if rpr is not None and rpr.get("b") == "1":
                    text = rf"\textbf{{{text}}}"
                if rpr is not None and rpr.get("i") == "1":
                    text = rf"\textit{{{text}}}"
                parts.append(text)
            elif node.tag == q("a:br"):
                parts.append(r"\newline{}")
            elif node.tag == q("a14:m"):
                formula = texs.pop(0) if texs else {"tex": "", "display": False}
                tex = formula.get("tex", "")
                parts.append(rf"\[{tex}\]" if formula.get("display") else f"${tex}$")
        body = "".join(parts).strip()
        if not body:
            out.append(r"\par\medskip")
            continue
        indent = 1.2 * level + (1.2 if bullet else 0)
        mark = r"\llap{\textbullet\hspace{0.5em}}" if bullet else ""
        out.append(rf"\par\hangindent={indent:.1f}em\hangafter=0\noindent{{}}{mark}{body}\par\smallskip")
    return "\n".join(out)


def render_pages(pages: list, header: str, shown: str, work: Path, texs: list[list[str]] | None = None) -> list[Path]:
    """One LaTeX run for all the deck's equation boxes, one page each, as PNGs. A box LaTeX cannot
    draw is an error at its formula's deck line (`texs`: each box's formulas): Impress would show a
    blank where it is."""
    pdflatex, pdftoppm = require("pdflatex"), require("pdftoppm")
    body = []
    for (_, _, width, _), latex in pages:
        body.append(
            rf"\begin{{lmbox}}\begin{{minipage}}[t]{{{width / EMU_PER_PT:.1f}pt}}\fontsize{{18}}{{22}}\selectfont"
            rf"\sffamily {latex}\end{{minipage}}\end{{lmbox}}"
        )
    document = "\n".join(
        [
            r"\documentclass[border=0pt,multi=lmbox]{standalone}",
            r"\usepackage[utf8]{inputenc}\usepackage[T1]{fontenc}\usepackage{lmodern,amsmath,amssymb}",
            r"\DeclareUnicodeCharacter{2212}{\ensuremath{-}}",  # the minus of the engine's numbers, as in the PDF
            header,
            r"\newenvironment{lmbox}{}{}",
            r"\begin{document}",
            *body,
            r"\end{document}",
            "",
        ]
    )
    folder = work / "equations"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*"):
        old.unlink()
    (folder / "boxes.tex").write_text(document, encoding="utf-8")
    proc = tex_guard.run(  # the deck's formulas and header read only the project's files and TeX's own
        [pdflatex, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "boxes.tex"],
        cwd=folder,
        env=os.environ,
        fls=folder / "boxes.fls",
        root=paths.ROOT,
        source_lines=(paths.SLIDES_SRC / Path(shown).name).read_text(encoding="utf-8", errors="replace").splitlines(),
        source_name=shown,
    )
    if proc.returncode != 0:
        raise equation_error(proc.stdout, document, texs or [], shown, folder / "boxes.tex")
    subprocess.run([pdftoppm, "-r", "200", "-png", "boxes.pdf", "box"], cwd=folder, check=True)
    pngs = sorted(folder.glob("box-*.png"))
    if len(pngs) != len(pages):
        raise UserError(
            f"{shown}: {len(pages)} equation boxes but {len(pngs)} pictures of them (see {paths.rel(folder)})"
        )
    return pngs


def equation_error(log: str, document: str, texs: list[list[str]], shown: str, tex_file: Path) -> UserError:
    """pdflatex's failure on the equation boxes as the deck's error: its message, the formula of the
    failing box that holds the offending command (else the box's first), and that formula's line in
    the deck's source."""
    message = next((line for line in log.splitlines() if line.startswith("!")), "see the LaTeX log").lstrip("! ")
    at = re.search(r"^l\.(\d+) (.*)$", log, re.M)
    formula = ""
    if at:
        box = sum("\\begin{lmbox}" in text for text in document.splitlines()[: int(at.group(1))]) - 1
        formulas = texs[box] if 0 <= box < len(texs) else []
        command = re.findall(r"\\[A-Za-z]+", at.group(2))
        formula = next((f for f in formulas if command and command[-1] in f), formulas[0] if formulas else "")
    source = paths.SLIDES_SRC / Path(shown).name
    lines = source.read_text(encoding="utf-8", errors="replace").splitlines() if source.is_file() else []
    line = next((n for n, text in enumerate(lines, 1) if formula and formula.strip() in text), None)
    where = f"{shown}:{line}" if line else shown
    what = f"the equation ${formula.strip()}$" if formula else "an equation box"
    return UserError(
        f"{where}: {what} cannot be drawn for LibreOffice Impress ({message}); Impress would show a blank "
        f"box. pdflatex draws it with amsmath, amssymb and the deck's header-includes (\\usepackage and "
        f"macro lines; {paths.rel(tex_file)} is what it ran): define what it lacks there, or correct the formula"
    )


def attach_fallback(slide, alt, shape, geometry: tuple[int, int, int, int], png: Path) -> None:
    from lxml import etree
    from PIL import Image

    left, top, width, height = geometry
    with Image.open(png) as img:
        px_w, px_h = img.size
    scale = min(width / px_w, height / px_h)
    cx, cy = int(px_w * scale), int(px_h * scale)
    _, rid = slide.part.get_or_add_image_part(str(png))
    # a new AlternateContent, so that a16 is declared where Requires names it
    new_alt = etree.Element(q("mc:AlternateContent"), nsmap={"mc": NS["mc"]})
    choice = etree.SubElement(new_alt, q("mc:Choice"), nsmap={"a14": NS["a14"], "a16": NS["a16"]})
    choice.set("Requires", "a14 a16")
    choice.append(shape)
    fallback = etree.SubElement(new_alt, q("mc:Fallback"))
    name = "Ecuaciones"
    pic = etree.fromstring(
        f'<p:pic xmlns:p="{NS["p"]}" xmlns:a="{NS["a"]}" xmlns:r="{NS["r"]}">'
        f'<p:nvPicPr><p:cNvPr id="0" name="{name}" descr="{name}"/><p:cNvPicPr><a:picLocks noChangeAspect="1"/>'
        f'</p:cNvPicPr><p:nvPr/></p:nvPicPr><p:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/>'
        f'</a:stretch></p:blipFill><p:spPr><a:xfrm><a:off x="{left}" y="{top}"/><a:ext cx="{cx}" cy="{cy}"/>'
        f'</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr></p:pic>'
    )
    fallback.append(pic)
    alt.addprevious(new_alt)
    alt.getparent().remove(alt)


# ------------------------------------------------------------------ the PPTX's copy of a video


def burn_captions(name: str, quality_dir: Path) -> None:
    """build/pptx/videos/NAME.mp4: the video with its captions drawn into the picture
    (PowerPoint takes caption files only through its menus; Impress shows none)."""
    source, srt = quality_dir / f"{name}.mp4", quality_dir / f"{name}.srt"
    if not source.is_file():
        raise UserError(f"{paths.rel(source)} is missing; run `make videos`")
    target = paths.BUILD / "pptx" / "videos" / f"{name}.mp4"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{name}.tmp.mp4")
    ffmpeg = require("ffmpeg")
    video_filter = ["-vf", f"subtitles={srt.name}"] if srt.is_file() and srt.read_text(encoding="utf-8").strip() else []
    proc = subprocess.run(
        [
            ffmpeg,
            "-y",
            "-loglevel",
            "error",
            "-i",
            str(source.resolve()),
            *video_filter,
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-preset",
            "veryfast",
            "-crf",
            "20",
            "-movflags",
            "+faststart",
            "-c:a",
            "copy",
            str(tmp.resolve()),
        ],
        cwd=srt.parent,
        capture_output=True,
        text=True,
        errors="replace",
    )
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        detail = (proc.stderr.strip().splitlines() or ["(no message)"])[-1][:300]
        raise UserError(f"{paths.rel(source)}: the captions could not be burned in for the PPTX: {detail}")
    outputs.publish_file(tmp, target)
    console.product(target, "captions burned in")


# ------------------------------------------------------------------ the engine's reference document


def make_reference(out: Path) -> None:
    """pandoc's own reference.pptx (16:9), with body text closer to Beamer's sizes and the
    Madrid theme's blue titles."""
    from pptx import Presentation

    data = subprocess.run([pandoc3(), "--print-default-data-file", "reference.pptx"], capture_output=True, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "reference.pptx"
        raw.write_bytes(data.stdout)
        prs = Presentation(str(raw))
        master = prs.slide_master
        styles = master.element.find(q("p:txStyles"))
        sizes = {"p:titleStyle": [30], "p:bodyStyle": [20, 18, 16, 14, 14, 14, 14, 14, 14]}
        for style_tag, values in sizes.items():
            style = styles.find(q(style_tag))
            for level, value in enumerate(values, 1):
                lvl = style.find(q(f"a:lvl{level}pPr"))
                rpr = lvl.find(q("a:defRPr")) if lvl is not None else None
                if rpr is not None:
                    rpr.set("sz", str(value * 100))
        title = styles.find(q("p:titleStyle")).find(q("a:lvl1pPr")).find(q("a:defRPr"))
        for old in title.findall(q("a:solidFill")):
            title.remove(old)
        fill = title.makeelement(q("a:solidFill"), {})
        fill.append(fill.makeelement(q("a:srgbClr"), {"val": "33337F"}))  # Madrid's structure blue
        title.insert(0, fill)
        prs.save(str(out))


@friendly_main
def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m lecturemedia.decks.pptx",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("step", choices=["deck", "captions", "reference"])
    parser.add_argument("name")
    parser.add_argument("--videos", default="build/videos", help="where the rendered videos are (captions)")
    args = parser.parse_args()
    if args.step == "deck":
        build(args.name)
    elif args.step == "captions":
        burn_captions(args.name, paths.ROOT / args.videos)
    else:
        make_reference(Path(args.name))


if __name__ == "__main__":
    sys.exit(main())
