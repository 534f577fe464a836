"""The Pregunta: the course's orange box at the foot of its slide."""

from __future__ import annotations

import math

from .ooxml import EMU_PER_PT, empty_paragraph, frame_of, q, set_frame

PREGUNTA_MARK = "lecturemedia-pregunta"
ORANGE, ORANGE_LIGHT = "CC6600", "FFF3E6"  # preamble.tex: orange!80!black, orange!10


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
            body.append(empty_paragraph())
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


def shorten_above(slide, body, limit: int) -> None:
    """The shape holding `body` ends above `limit` (it gets an explicit frame from its layout if it had none)."""
    shape = body.getparent()
    sp_pr = shape.find(q("p:spPr"))
    if sp_pr is None:
        return
    geometry = frame_of(slide, shape)
    if geometry is None:
        return
    left, top, width, height = geometry
    height = max(int(EMU_PER_PT * 36), min(height, limit - top - int(EMU_PER_PT * 6)))
    set_frame(sp_pr, left, top, width, height)
