"""The files a lecture page links, copied into build/site/ as products of their own (each with its
digest, so `sweep` catches a hand-edited one), and left alone when already the same."""

from __future__ import annotations

import re
from pathlib import Path

from ... import outputs, paths
from ...errors import UserError

SITE = paths.BUILD / "site"
LOADS = re.compile(r'\b(?:src|data-src|poster|href)="([^"#?]+)[^"]*"')
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|/|#)")


def copy(src: Path, dest: Path) -> Path:
    """Copy src to dest unless dest already holds the same bytes (its time kept then)."""
    if not src.is_file():
        raise UserError(f"{paths.rel(src)} is missing; run `make site` (it makes it first)")
    if dest.is_file() and outputs.intact(dest) and paths.sha256_file(dest) == paths.sha256_file(src):
        return dest
    outputs.copy(src, dest)
    return dest


def local_loads(page: str) -> list[str]:
    """The relative addresses an HTML page loads or links (not data:, not remote, not anchors)."""
    return sorted({m for m in LOADS.findall(page) if not REMOTE.match(m)})


def deck_html(name: str) -> list[Path]:
    """build/html/<name>.html and what it loads beside it (videos, pictures, TikZ drawings) into
    build/site/decks/; reveal.js and revealjs.css are copied by Make (shared by every deck)."""
    source_dir, dest_dir = paths.BUILD / "html", SITE / "decks"
    page = paths.deck_output("html", name)
    copied = [copy(page, dest_dir / page.name)]
    for address in local_loads(page.read_text(encoding="utf-8")):
        if address.startswith("reveal.js/") or address == "revealjs.css":
            continue
        src = (source_dir / address).resolve()
        if not src.is_relative_to((paths.BUILD / "html").resolve()):
            continue
        copied.append(copy(src, dest_dir / address))
        if address.startswith("videos/") and address.endswith(".mp4"):  # its captions, for the page's <track>
            vtt = src.with_suffix(".vtt")
            copied.append(copy(vtt, dest_dir / Path(address).with_suffix(".vtt")))
    return copied
