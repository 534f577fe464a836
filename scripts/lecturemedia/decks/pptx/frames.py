"""One slide per frame of the PDF: pandoc's extra slides merged back, section slides dropped."""

from __future__ import annotations

import itertools
import re

from . import fit
from .ooxml import EMU_PER_PT, empty_paragraph, frame_of, is_pregunta, q, set_frame

FRAME_MARK = "lecturemedia-frame"  # filters/pptx.lua: the first paragraph of each frame's notes
SECTION_MARK = "lecturemedia-section"  # filters/pptx.lua: ends a section's title under `section-titles: false`


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
        body.append(empty_paragraph())
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
        bottoms = [g[1] + g[3] for el in target if (g := frame_of(before, el)) is not None and not is_pregunta(el)]
        top = max(bottoms, default=prs.slide_height // 5) + EMU_PER_PT * 6
        box_tops = [g[1] for el in (*target, *tree) if is_pregunta(el) and (g := frame_of(before, el))]
        limit = min(box_tops, default=prs.slide_height - EMU_PER_PT * 12) - EMU_PER_PT * 6
        for el in shapes:
            ph = el.find(f".//{q('p:nvPr')}/{q('p:ph')}")
            if ph is not None and ph.get("type") in ("title", "ctrTitle"):
                continue
            if is_pregunta(el):
                target.append(el)
                continue
            geometry = frame_of(slide, el)
            if geometry is None:
                continue
            left, _, width, _ = geometry
            if ph is not None:
                ph.getparent().remove(ph)  # a text box now: the slide before has another layout
            body = el.find(f".//{q('p:txBody')}")
            if body is not None:  # room for the text: what is above it gets shorter (at most half the room)
                want = fit.needed_height(body, width, *styles["other"])
                want = min(want, (limit - prs.slide_height // 5) // 2)
                if want > limit - top:
                    top = make_room(before, limit - want - EMU_PER_PT * 6) + EMU_PER_PT * 6
            for sp_pr in el.iter(q("p:spPr")):
                set_frame(sp_pr, left, top, width, max(EMU_PER_PT * 24, limit - top))
            target.append(el)
        _move_notes(slide, before)
        _delete_slide(prs, slide)


def make_room(slide, bottom: int) -> int:
    """What reaches below `bottom` ends there: pictures shrink keeping their shape (centred where
    they were), text boxes get shorter (their text is fitted later). Returns the new lowest edge."""
    lowest = 0
    for el in slide.shapes._spTree:
        if el.tag not in (q("p:pic"), q("p:sp"), q("p:graphicFrame"), q("mc:AlternateContent")) or is_pregunta(el):
            continue
        ph = el.find(f".//{q('p:nvPr')}/{q('p:ph')}")
        if ph is not None and ph.get("type") in ("title", "ctrTitle"):
            continue
        geometry = frame_of(slide, el)
        if geometry is None:
            continue
        left, top, width, height = geometry
        if top + height > bottom and top < bottom:
            new_height = bottom - top
            new_width = width * new_height // height if el.tag == q("p:pic") else width
            for sp_pr in el.iter(q("p:spPr")):
                set_frame(sp_pr, left + (width - new_width) // 2, top, new_width, new_height)
            for xfrm in el.findall(q("p:xfrm")):  # a graphicFrame's own frame
                xfrm.find(q("a:ext")).set("cy", str(new_height))
            height = new_height
        lowest = max(lowest, top + height)
    return min(lowest, bottom) if lowest else bottom


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
