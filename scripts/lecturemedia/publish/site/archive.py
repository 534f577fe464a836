"""One zip per lecture, everything in it, unpacking to one folder that opens offline:

    <deck>/<deck>.mp4 (and its .vtt, .srt, .chapters.vtt)   the narrated lecture
    <deck>/<deck>-diapositivas.pdf, <deck>-apuntes.pdf, <deck>.pptx
    <deck>/html/<deck>.html with reveal.js/ and videos/      the HTML deck with the animations
    <deck>/labs/<notebook>.ipynb and .html                   the labs
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ... import outputs

STORED = {".mp4", ".png", ".jpg", ".jpeg", ".zip", ".pptx", ".pdf"}  # already compressed


def write(target: Path, members: list[tuple[Path | bytes, str]]) -> Path:
    """Write `members` (a file or its content, name in the archive) into target, through a
    temporary file. Entries carry a fixed time, so the same files make the same bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    seen: set[str] = set()
    with zipfile.ZipFile(tmp, "w") as zf:
        for path, name in sorted(members, key=lambda m: m[1]):
            if name in seen:
                continue
            seen.add(name)
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if Path(name).suffix in STORED else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            if isinstance(path, bytes):
                zf.writestr(info, path)
                continue
            with path.open("rb") as src, zf.open(info, "w") as dest:
                while block := src.read(1 << 20):
                    dest.write(block)
    if target.is_file() and outputs.intact(target) and target.read_bytes() == tmp.read_bytes():
        tmp.unlink()
        return target
    outputs.publish_file(tmp, target)
    return target
