"""Beamer's blocks as boxes in the Madrid theme's colours."""

from __future__ import annotations

from . import fit
from .ooxml import EMU_PER_PT, empty_paragraph, frame_of, para_text, q, set_frame

BLOCK_MARK, BLOCK_END = "lecturemedia-block:", "lecturemedia-blockend"  # filters/pptx.lua
# Beamer's blocks as the Madrid theme draws them: title bar, body (structure blue, alerted red, example green)
BLOCK_COLOURS = {"block": ("3333B3", "EBEBF7"), "alert": ("CC0000", "FBE6E6"), "example": ("008000", "E6F2E6")}


def place_blocks(slide, styles: dict) -> None:
    """Each Beamer block that pptx.lua marked in a text box becomes a box of its own where its text was:
    a rounded rectangle in the block's colours with its title in a bar on top. The text before it stays
    in its shape, the text after it goes to a copy of that shape below the box; when all of it is taller
    than the shape, each part gets its share (its text is fitted after)."""
    from copy import deepcopy

    for el in [e for e in slide.shapes._spTree if e.tag in (q("p:sp"), q("mc:AlternateContent"))]:
        sp = el if el.tag == q("p:sp") else el.find(f"{q('mc:Choice')}/{q('p:sp')}")
        body = sp.find(q("p:txBody")) if sp is not None else None
        if body is None or not any(para_text(p).startswith(BLOCK_MARK) for p in body.findall(q("a:p"))):
            continue
        parts, current = [], ("text", None, [])
        for p in body.findall(q("a:p")):
            text = para_text(p)
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
        geometry = frame_of(slide, sp)
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
                tx.extend(paras or [empty_paragraph()])
                set_frame(shape.find(q("p:spPr")), left, y, width, max(h, EMU_PER_PT))
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
        text = para_text(p)
        if text == BLOCK_END or text.startswith(BLOCK_MARK):
            body = p.getparent()
            body.remove(p)
            if not body.findall(q("a:p")):
                body.append(empty_paragraph())


def _needed_height(body, paras: list, width: int, sizes: tuple) -> int:
    """The height `paras` take in a text body like `body` (its insets) `width` EMU wide."""
    from copy import deepcopy

    if not paras:
        return 0
    probe = deepcopy(body)
    probe.extend(deepcopy(p) for p in paras)
    return fit.needed_height(probe, width, *sizes)


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
    tx.extend(paras[1:] or [empty_paragraph()])
    set_frame(sp.find(q("p:spPr")), left + radius // 2, top + bar, width - radius, height - bar - radius // 2)
    drawn.append(text)
    for element in drawn:
        anchor.addnext(element)
        anchor = element
    return anchor
