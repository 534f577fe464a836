"""Numbers as a Spanish speaker reads them aloud: "0.0288" -> "cero coma cero dos ocho ocho".

Pure functions, no I/O: the narration's text is written with digits (what the captions show)
and spoken with words (what the voice is given). The integer part is read as a number
("doce mil trescientos"), the decimals digit by digit, as one reads a measured value.
"""

from __future__ import annotations

import re

from ...numbers import MINUS

UNITS = (
    "cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "once",
    "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete", "dieciocho", "diecinueve", "veinte",
    "veintiuno", "veintidós", "veintitrés", "veinticuatro", "veinticinco", "veintiséis", "veintisiete",
    "veintiocho", "veintinueve",
)
TENS = {3: "treinta", 4: "cuarenta", 5: "cincuenta", 6: "sesenta", 7: "setenta", 8: "ochenta", 9: "noventa"}
HUNDREDS = {
    1: "ciento",
    2: "doscientos",
    3: "trescientos",
    4: "cuatrocientos",
    5: "quinientos",
    6: "seiscientos",
    7: "setecientos",
    8: "ochocientos",
    9: "novecientos",
}

# A number in running text: an optional sign (hyphen or U+2212 right before a digit, not inside
# a word), digits, decimals after "." or "," (a digit on both sides), an exponent (1e-05), a percent.
NUMBER = re.compile(
    rf"(?<![\w.,])(?P<sign>[-{MINUS}])?(?P<int>\d+)(?:[.,](?P<dec>\d+))?"
    r"(?:[eE](?P<exp>[-+−]?\d+))?(?P<pct>\s?%)?(?![\w])"
)


def _below_thousand(n: int) -> str:
    if n < 30:
        return UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return TENS[tens] + (f" y {UNITS[unit]}" if unit else "")
    if n == 100:
        return "cien"
    hundreds, rest = divmod(n, 100)
    return HUNDREDS[hundreds] + (f" {_below_thousand(rest)}" if rest else "")


def integer_words(n: int) -> str:
    """A whole number in words: 21 -> "veintiuno", 1000 -> "mil", 2_000_000 -> "dos millones"."""
    if n < 0:
        return "menos " + integer_words(-n)
    if n < 1000:
        return _below_thousand(n)
    if n < 1_000_000:
        thousands, rest = divmod(n, 1000)
        head = "mil" if thousands == 1 else f"{_apocope(integer_words(thousands))} mil"
        return head + (f" {integer_words(rest)}" if rest else "")
    millions, rest = divmod(n, 1_000_000)
    head = "un millón" if millions == 1 else f"{_apocope(integer_words(millions))} millones"
    return head + (f" {integer_words(rest)}" if rest else "")


def _apocope(words: str) -> str:
    """'uno' before a noun (mil, millones) is 'un': veintiún mil, treinta y un millones."""
    if words.endswith("veintiuno"):
        return words[: -len("veintiuno")] + "veintiún"
    if words.endswith("uno"):
        return words[: -len("uno")] + "un"
    return words


def number_words(text: str) -> str:
    """One number as written ("−0.0288", "3,5", "1e-05", "12%") in words."""
    match = NUMBER.fullmatch(text.strip())
    if not match:
        raise ValueError(f"not a number: {text!r}")
    return _spoken(match)


def _spoken(match: re.Match[str]) -> str:
    words = integer_words(int(match["int"]))
    if match["dec"]:
        words += " coma " + " ".join(UNITS[int(d)] for d in match["dec"])
    if match["sign"]:
        words = "menos " + words
    if match["exp"]:
        exp = int(match["exp"].replace(MINUS, "-"))
        words += " por diez a la " + integer_words(exp)
    if match["pct"]:
        words += " por ciento"
    return words


def speakable(text: str) -> str:
    """Running text with every number in words, the rest unchanged."""
    return NUMBER.sub(_spoken, text)
