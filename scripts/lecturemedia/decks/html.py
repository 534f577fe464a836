"""A deck as reveal.js HTML that works offline: reveal.js copied beside it (the build's
job, from the pinned npm package), math as MathML, TikZ pictures as SVG, videos inline,
and the deck's own images copied beside the page.
"""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path

from .. import console, outputs, paths
from ..errors import UserError
from . import pandoc, tex_guard

# pandoc's template forbids zooming (user-scalable=no): a phone could not enlarge a slide.
VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>')
ZOOMABLE = '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
ASSETS = Path(__file__).parent / "assets"


def build(name: str) -> None:
    start = time.monotonic()
    md = paths.BUILD / "md" / f"{name}.md"
    target = paths.deck_output("html", name)
    tmp = target.with_name(f".{name}.html.tmp")
    tikz_dir = target.parent / "tikz"
    tikz_dir.mkdir(parents=True, exist_ok=True)
    shown = f"slides_src/{name}.md"
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
        *tex_guard.pandoc_args(shown),  # TikZ pictures: pdflatex runs through the engine's guard
        "--include-after-body",
        str(ASSETS / "captions.html"),  # before the fit: the caption line is part of the slide
        "--include-after-body",
        str(ASSETS / "fit.html"),
    ]
    outputs.remove(target)  # out of date (Make runs this step only then): gone until remade
    try:
        pandoc.convert(md, tmp, "revealjs", shown, extra, filters=("tikz.lua", *pandoc.FILTERS))
        page = VIEWPORT.sub(ZOOMABLE, tmp.read_text(encoding="utf-8"), count=1)
        page = inline_captions(page, target.parent)
        # The deck's own pictures load with the page (they are local and small): reveal.js
        # would load them lazily, and a slide cannot be fitted before its picture has a size.
        page = re.sub(r"(<img\b[^>]*?)\bdata-src=", r"\1src=", page)
        page = copy_images(page, target.parent)
        outputs.publish(target, page)
    except UserError:
        outputs.remove(target)
        raise
    finally:
        tmp.unlink(missing_ok=True)
    console.product(target, f"{time.monotonic() - start:.1f} s")


def inline_captions(page: str, out_dir: Path) -> str:
    """Each captions track as a data: address: browsers refuse to load a .vtt beside a page
    opened from disk (file://), and the HTML must work copied away and opened offline."""

    def inline(match: re.Match[str]) -> str:
        vtt = out_dir / match.group(2)
        if not vtt.is_file():
            raise UserError(f"{paths.rel(vtt)} is missing; run `make videos`")
        return f'{match.group(1)}src="data:text/vtt;base64,{base64.b64encode(vtt.read_bytes()).decode()}"'

    return re.sub(r'(<track [^>]*?)src="([^"]+\.vtt)"', inline, page)


OUTSIDE = "_project"  # where the HTML keeps the images a deck takes from beside slides_src/


def copy_images(page: str, out_dir: Path) -> str:
    """Copy the project's files that the page loads (its images) beside it; the page, its
    addresses made to point at the copies.

    An image of slides_src/ keeps its path (`img/x.png`); one from elsewhere in the project
    (`../img/x.png`) goes under _project/ at its path in the project, so the folder still
    holds everything it shows when copied away.
    """
    src_dir, root = paths.SLIDES_SRC.resolve(), paths.ROOT.resolve()

    def copy(match: re.Match[str]) -> str:
        target = match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:|^/|^#", target) or target.startswith(("videos/", "tikz/", "reveal.js/")):
            return match.group(0)
        source = (src_dir / target).resolve()
        if not source.is_file() or not source.is_relative_to(root) or source.is_relative_to(paths.BUILD.resolve()):
            return match.group(0)
        beside = source.is_relative_to(src_dir)
        address = target if beside else Path(OUTSIDE, source.relative_to(root)).as_posix()
        dest = out_dir / address
        if outputs.intact(dest) is not True or dest.stat().st_mtime < source.stat().st_mtime:
            outputs.copy(source, dest)
        return match.group(0) if beside else f'{match.group(1)}"{address}"'

    return re.sub(r'\b((?:src|data-src)=)"([^"]+)"', copy, page)
