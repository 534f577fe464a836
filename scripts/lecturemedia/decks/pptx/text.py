"""Each slide's text boxes fitted to their frames, with the master's sizes and font (fit.py lays them out)."""

from __future__ import annotations

import re

from . import fit
from .ooxml import frame_of, in_fallback, is_pregunta, q


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
        if body is None or is_pregunta(sp) or in_fallback(sp) is not None:
            continue
        ph = sp.find(f".//{q('p:nvPr')}/{q('p:ph')}")
        if ph is not None and ph.get("type") in ("title", "ctrTitle", "subTitle", "dt", "ftr", "sldNum"):
            continue
        geometry = frame_of(slide, sp)
        if geometry is None or not "".join(t.text or "" for t in body.iter(q("a:t"))).strip():
            continue
        sizes, margins, family = styles["body" if ph is not None else "other"]
        fit.fit(body, geometry[2], geometry[3], sizes, margins, family)
