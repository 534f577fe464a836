"""One number format for every output: slides, captions, scenes."""

from __future__ import annotations


def num(value: float, digits: int = 2) -> str:
    """A number as a slide quotes it: at most `digits` decimals, no trailing zeros."""
    text = f"{float(value):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
