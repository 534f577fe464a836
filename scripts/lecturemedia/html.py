"""A deck as reveal.js HTML that works offline: reveal.js copied beside it (the build's
job, from the pinned npm package), math as MathML, TikZ pictures as SVG, videos inline.
"""

from __future__ import annotations

import time

from . import pandoc, paths
from .errors import UserError


def build(name: str) -> None:
    start = time.monotonic()
    md = paths.BUILD / "md" / f"{name}.md"
    target = paths.deck_output("html", name)
    tmp = target.with_name(f".{name}.html.tmp")
    tikz_dir = target.parent / "tikz"
    tikz_dir.mkdir(parents=True, exist_ok=True)
    extra = [
        "--mathml",
        "-V",
        "revealjs-url=reveal.js",
        "-V",
        "theme=white",  # the course's `theme` names a Beamer theme
        "-V",
        "width=1280",
        "-V",
        "height=800",
        "--css",
        "revealjs.css",
        "-M",
        f"tikz-dir={tikz_dir.resolve()}",
        "-M",
        "tikz-href=tikz",
    ]
    try:
        pandoc.convert(md, tmp, "revealjs", f"slides_src/{name}.md", extra, filters=("tikz.lua", *pandoc.FILTERS))
    except UserError:
        tmp.unlink(missing_ok=True)
        target.unlink(missing_ok=True)
        raise
    tmp.replace(target)
    print(f"  {paths.rel(target)}  ({time.monotonic() - start:.1f} s)")
