"""The OOXML the PPTX steps share: namespaces, a shape's frame, its ids."""

from __future__ import annotations

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


def renumber(slide) -> None:
    """Give every shape its own id: pandoc 3 writes 0s and duplicates. Good ids are kept (the
    builds of incremental lists name their shapes by id); a Fallback shares its Choice's."""
    tree = slide.shapes._spTree
    elements = [el for el in tree.iter(q("p:cNvPr")) if el.getparent().tag != q("p:nvGrpSpPr")]
    used = {"1"}
    bad = []
    for el in elements:
        if in_fallback(el) is not None:
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
        fallback = in_fallback(el)
        choice = fallback.getparent().find(q("mc:Choice")) if fallback is not None else None
        first = next(choice.iter(q("p:cNvPr")), None) if choice is not None else None
        if first is not None:
            el.set("id", first.get("id"))


def in_fallback(el):
    parent = el.getparent()
    while parent is not None:
        if parent.tag == q("mc:Fallback"):
            return parent
        parent = parent.getparent()
    return None


def empty_paragraph():
    from lxml import etree

    return etree.Element(q("a:p"))


def set_frame(sp_pr, left: int, top: int, width: int, height: int) -> None:
    xfrm = sp_pr.find(q("a:xfrm"))
    if xfrm is None:
        xfrm = sp_pr.makeelement(q("a:xfrm"), {})
        sp_pr.insert(0, xfrm)
    for child in list(xfrm):
        xfrm.remove(child)
    xfrm.append(xfrm.makeelement(q("a:off"), {"x": str(left), "y": str(top)}))
    xfrm.append(xfrm.makeelement(q("a:ext"), {"cx": str(width), "cy": str(height)}))


def frame_of(slide, shape) -> tuple[int, int, int, int] | None:
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


def para_text(p) -> str:
    return "".join(t.text or "" for t in p.iter(q("a:t"))).strip()


def is_pregunta(el) -> bool:
    name = el.find(f".//{q('p:cNvPr')}")
    return name is not None and name.get("name") == "Pregunta"
