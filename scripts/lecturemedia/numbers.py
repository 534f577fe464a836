"""One number format for every output: slides, captions, scenes."""

from __future__ import annotations

MINUS = "\u2212"  # −, the minus sign the PDF's math sets, not the hyphen "-"


def num(value: float, digits: int = 2) -> str:
    """A number as a slide quotes it: at most `digits` decimals, no trailing zeros, a true minus sign.

    The minus is U+2212 in every output: Pango (a scene's Text) and the captions show it as is;
    LaTeX (the decks, a scene's MathTex, the HTML's TikZ pictures) is given it as math by the
    engine's preamble and Manim's TeX template. Where a program reads the number (a TikZ
    coordinate), write it with Jinja's own filter instead: `x|round(3)`.
    """
    text = f"{float(value):.{digits}f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        return "0"
    return MINUS + text[1:] if text.startswith("-") else text
