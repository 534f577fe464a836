"""Images pdflatex cannot read (GIF, BMP, TIFF, WebP) reach the PDF as PNG copies, as bare
pandoc's PDF writer makes them; the HTML keeps them as they are. Fast: no make (the corpus
test builds a public deck with a GIF through make, beside bare pandoc)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import engine_at
from lecturemedia.decks import pandoc, png_copies
from lecturemedia.errors import UserError
from PIL import Image

DECK = "# Uno\n\n![anim](img/anim.gif) ![photo](./img/scan.TIFF){width=20%} ![kept](img/red.png)\n"


def course(tmp_path: Path) -> Path:
    (tmp_path / "slides_src" / "img").mkdir(parents=True)
    frames = [Image.new("P", (8, 4), 1), Image.new("P", (8, 4), 2)]
    for frame in frames:
        frame.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * 759)
        frame.putpixel((7, 3), 0)  # transparent
    frames[0].save(tmp_path / "slides_src/img/anim.gif", save_all=True, append_images=frames[1:], transparency=0)
    Image.new("RGB", (8, 4), (0, 128, 0)).save(tmp_path / "slides_src/img/scan.TIFF", dpi=(300, 300))
    Image.new("RGB", (8, 4), (255, 0, 0)).save(tmp_path / "slides_src/img/red.png")
    return tmp_path


def test_each_image_pdflatex_cannot_read_gets_a_png_of_its_first_frame(tmp_path: Path) -> None:
    root = course(tmp_path)
    with engine_at(root):
        copied = png_copies.make_copies(DECK, root / "copies", DECK.splitlines(), "slides_src/x.md")
    assert copied == ["img/anim.gif", "./img/scan.TIFF"]
    with Image.open(root / "copies" / png_copies.copy_name("img/anim.gif")) as gif:
        assert (gif.format, gif.mode, gif.size) == ("PNG", "RGBA", (8, 4))
        assert gif.getpixel((0, 0)) == (255, 0, 0, 255)  # the first frame (red; the second is blue)
        assert gif.getpixel((7, 3))[3] == 0  # its transparency kept
    with Image.open(root / "copies" / png_copies.copy_name("./img/scan.TIFF")) as tiff:
        assert tiff.mode == "RGB" and "dpi" not in tiff.info  # sized by pdflatex as bare pandoc's copy


def test_the_filter_points_the_pdf_at_the_copies_and_leaves_the_rest(tmp_path: Path) -> None:
    args = ["pandoc", "-t", "beamer", "--lua-filter", str(pandoc.FILTER_DIR / "png_copies.lua")]
    for copies in (["img/anim.gif"], ["img/anim.gif", "./img/scan.TIFF"]):  # one -M, or a list of them
        meta = [arg for src in copies for arg in ("-M", f"png-copy={src}")]
        tex = subprocess.run([*args, *meta], input=DECK, capture_output=True, text=True, check=True).stdout
        for src in copies:
            assert png_copies.copy_name(src) in tex
        assert "img/red.png" in tex and "anim.gif" not in tex
    html = subprocess.run([*args[:2], "revealjs", *args[3:], *meta], input=DECK, capture_output=True, text=True)
    assert "img/anim.gif" in html.stdout and "png/" not in html.stdout


def test_an_image_that_cannot_be_read_names_the_deck_line(tmp_path: Path) -> None:
    root = course(tmp_path)
    (root / "slides_src/img/anim.gif").write_bytes(b"GIF89a, but no picture")
    with engine_at(root), pytest.raises(UserError) as error:
        png_copies.make_copies(DECK, root / "copies", ["---", *DECK.splitlines()], "slides_src/x.md")
    assert str(error.value).startswith("slides_src/x.md:4: the image 'img/anim.gif' cannot be read")
    assert "save it again as PNG or JPEG" in str(error.value)
