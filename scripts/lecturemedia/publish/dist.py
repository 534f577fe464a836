"""`make dist`: one archive per output, named after the course, that opens anywhere.

    build/dist/<course>-slides.zip     the slides PDFs with their videos/ (and captions)
    build/dist/<course>-handouts.zip   the handouts
    build/dist/<course>-html.zip       the HTML decks with reveal.js, videos, images
    build/dist/<course>-pptx.zip       the PowerPoint decks (their videos are inside them)

Each unpacks to one folder; the links inside it are relative, so the media play from there.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

from .. import console, outputs, paths
from ..errors import UserError, friendly_main

STORED = {".mp4", ".png", ".jpg", ".jpeg", ".zip", ".pptx"}  # already compressed
EMBEDDED = {"pptx"}  # outputs that carry their videos inside: build/<folder>/videos/ is not shipped


def course_slug() -> str:
    course = json.loads((paths.CONFIG_DIR / "course.json").read_text(encoding="utf-8")).get("course")
    name = str(course or paths.ROOT.name)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "course"


def members(folder: Path, decks: list[str], suffix: str) -> list[Path]:
    """The folder's files, without dotfiles or the outputs of decks that no longer exist."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if len(rel.parts) == 1 and path.suffix == f".{suffix}" and path.stem not in decks:
            continue
        if suffix in EMBEDDED and rel.parts[0] == "videos":
            continue
        found.append(path)
    return found


def archive(fmt: str, decks: list[str]) -> Path:
    folder_name, suffix, _ = paths.DECK_OUTPUTS[fmt]
    folder = paths.BUILD / folder_name
    missing = [d for d in decks if not paths.deck_output(fmt, d).exists()]
    if missing:
        raise UserError(f"{paths.rel(paths.deck_output(fmt, missing[0]))} is missing; run `make` first")
    top = f"{course_slug()}-{folder_name}"
    target = paths.BUILD / "dist" / f"{top}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for path in members(folder, decks, suffix):
            method = zipfile.ZIP_STORED if path.suffix in STORED else zipfile.ZIP_DEFLATED
            zf.write(path, f"{top}/{path.relative_to(folder)}", compress_type=method)
    outputs.publish_file(tmp, target)
    console.product(target, f"{target.stat().st_size / 1e6:.1f} MB")
    return target


@friendly_main
def main() -> None:
    decks = sys.argv[1:]
    for fmt in paths.DECK_OUTPUTS:
        archive(fmt, decks)


if __name__ == "__main__":
    main()
