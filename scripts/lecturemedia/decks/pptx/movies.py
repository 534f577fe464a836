"""Each video's poster becomes the embedded movie, with the poster as its frame."""

from __future__ import annotations

from pathlib import Path

from ... import paths
from ...errors import UserError
from .ooxml import q

VIDEO_MARK = "lecturemedia-video:"


def place_movies(slide, out_dir: Path, shown: str) -> int:
    """Each marked poster becomes the movie itself, where the poster was, with the poster as its frame."""
    placed = 0
    for pic in list(slide.shapes._spTree.iter(q("p:pic"))):
        c_nv_pr = pic.find(f"{q('p:nvPicPr')}/{q('p:cNvPr')}")
        descr = c_nv_pr.get("descr", "") if c_nv_pr is not None else ""
        if not descr.startswith(VIDEO_MARK):
            continue
        src = descr[len(VIDEO_MARK) :].split()[0]
        mp4 = out_dir / src
        poster = mp4.with_suffix(".png")
        for needed in (mp4, poster):
            if not needed.is_file():
                raise UserError(f"{shown}: {paths.rel(needed)} is missing; run `make pptx` (it makes the videos)")
        off = pic.find(f"{q('p:spPr')}/{q('a:xfrm')}/{q('a:off')}")
        ext = pic.find(f"{q('p:spPr')}/{q('a:xfrm')}/{q('a:ext')}")
        left, top, width, height = (int(off.get("x")), int(off.get("y")), int(ext.get("cx")), int(ext.get("cy")))
        blip = pic.find(f".//{q('a:blip')}")
        rid = blip.get(q("r:embed")) if blip is not None else None
        pic.getparent().remove(pic)
        if rid:
            slide.part.drop_rel(rid)
        movie = slide.shapes.add_movie(
            str(mp4), left, top, width, height, poster_frame_image=str(poster), mime_type="video/mp4"
        )
        movie.name = Path(src).stem
        placed += 1
    return placed
