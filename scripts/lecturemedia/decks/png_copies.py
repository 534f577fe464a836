"""Images pdflatex cannot read (GIF, BMP, TIFF, WebP) shown in the PDF as bare pandoc's PDF
writer shows them: from a PNG copy of their first frame.

The build writes each copy under the LaTeX job's folder, as `png/<sha1 of the image's
name>.png`, and filters/png_copies.lua points the deck's image at it (metadata `png-copy`,
one per image copied); pdflatex finds it through TEXINPUTS. The HTML keeps the original
(browsers show it, animated).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path, PurePosixPath

from .. import paths
from ..errors import UserError
from . import templating

CONVERTED = (".gif", ".bmp", ".tif", ".tiff", ".webp")


def copy_name(src: str) -> str:
    """Where the copy of the image the deck names `src` is, relative to the copies' folder
    (filters/png_copies.lua names it alike)."""
    return f"png/{hashlib.sha1(src.encode()).hexdigest()[:16]}.png"


def needs_copy(src: str) -> bool:
    return PurePosixPath(src).suffix.lower() in CONVERTED


def make_copies(markdown: str, folder: Path, source_lines: list[str], shown: str) -> list[str]:
    """PNG copies, in `folder`, of the images the deck shows that pdflatex cannot read.

    Returns the images copied, as the deck names them (for `-M png-copy=…`). An image that
    is not there is left to the deck's own check; one that cannot be read is an error
    naming the deck line.
    """
    copied = []
    for src in dict.fromkeys(templating.named_paths(markdown, images_only=True)):
        image = paths.SLIDES_SRC / src
        if not needs_copy(src) or not image.is_file():
            continue
        paths.write_atomic(folder / copy_name(src), _png(image, src, source_lines, shown), only_if_changed=True)
        copied.append(src)
    return copied


def _png(image: Path, src: str, source_lines: list[str], shown: str) -> bytes:
    """The image's first frame as PNG, as pandoc's converter (JuicyPixels) writes it: no DPI,
    so pdflatex sizes it as bare pandoc's copy."""
    from PIL import Image  # only for the decks that need it

    try:
        with Image.open(image) as picture:
            picture.seek(0)
            alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
            frame = picture.convert("RGBA" if alpha else "RGB")
            out = io.BytesIO()
            frame.save(out, "PNG")
    except (OSError, ValueError) as exc:
        line = next((n for n, text in enumerate(source_lines, 1) if src in text), None)
        where = f"{shown}:{line}" if line else shown
        raise UserError(
            f"{where}: the image {src!r} cannot be read ({str(exc).replace(str(image), src)}); "
            "save it again as PNG or JPEG"
        ) from None
    return out.getvalue()
