"""The engine's reference document (decks/assets/reference.pptx)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from .build import pandoc3
from .ooxml import q


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
