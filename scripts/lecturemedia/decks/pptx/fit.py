"""Text that fits its box in the PPTX: each text box's paragraphs are laid out with the metrics of
the font the slide names (as fontconfig resolves it: Calibri -> Carlito, its metric twin), and
when they are taller than the box, every run's size shrinks step by step until they are not.

Neither PowerPoint's autofit (applied only when the file is edited there) nor Impress 7.4 (which
ignores `normAutofit` on open) shrinks overflowing text, so the sizes are written in the file.
The tests check the result by rendering the decks in LibreOffice Impress.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

EMU_PER_PT = 12700
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"
MIN_PT = 10.0  # below this, a lecture room cannot read it: the text is left to overflow
STEP = 0.92
COLUMN_GAP = 18.0  # points between two columns
LINE = 1.22  # Carlito's (Calibri's) line: ascent + descent of one em
DEFAULT_INSETS = (91440, 45720, 91440, 45720)  # DrawingML's default lIns, tIns, rIns, bIns


def a(tag: str) -> str:
    return f"{{{A}}}{tag}"


@functools.cache
def _font(family: str, bold: bool, italic: bool, mono: bool, size_centi: int):
    from PIL import ImageFont

    return ImageFont.truetype(_font_file(family, bold, italic, mono), max(1, size_centi) / 100 * 4)  # 4 px per pt


@functools.cache
def _font_file(family: str, bold: bool, italic: bool, mono: bool) -> str:
    name = "monospace" if mono else (family or "Calibri")
    pattern = name + (":bold" if bold else "") + (":italic" if italic else "")
    fc_match = shutil.which("fc-match")
    if fc_match:
        found = subprocess.run([fc_match, "-f", "%{file}", pattern], capture_output=True, text=True).stdout.strip()
        if found:
            return found
    return "DejaVuSans.ttf"


def _width_pt(text: str, run: tuple) -> float:
    return _font(*run).getlength(text) / 4


class Box:
    """A text box's paragraphs, as (level, bullet?, runs) with runs as ((font key), text) and breaks as None."""

    def __init__(self, body, level_sizes: list[int], level_margins: list[int], family: str) -> None:
        self.body = body
        self.paragraphs = []
        for para in body.findall(a("p")):
            ppr = para.find(a("pPr"))
            level = int(ppr.get("lvl", "0")) if ppr is not None else 0
            margin = int(ppr.get("marL")) if ppr is not None and ppr.get("marL") else level_margins[min(level, 8)]
            default = level_sizes[min(level, 8)]
            runs = []
            for node in para:
                if node.tag == a("br"):
                    runs.append(None)
                elif node.tag in (a("r"), a("fld")):
                    rpr = node.find(a("rPr"))
                    size = int(rpr.get("sz")) if rpr is not None and rpr.get("sz") else default
                    latin = rpr.find(a("latin")) if rpr is not None else None
                    face = latin.get("typeface", "") if latin is not None else ""
                    mono = "Courier" in face or "Mono" in face or "Consolas" in face
                    bold = rpr is not None and rpr.get("b") == "1"
                    italic = rpr is not None and rpr.get("i") == "1"
                    text = "".join(t.text or "" for t in node.iter(a("t")))
                    runs.append(((family, bold, italic, mono, size), text))
            end = para.find(a("endParaRPr"))
            empty_size = int(end.get("sz")) if end is not None and end.get("sz") else default
            self.paragraphs.append((margin / EMU_PER_PT, runs, empty_size))

    def line_heights(self, width_pt: float, scale: float) -> list[float]:
        """Each laid-out line's height in points (with the space before its paragraph), at `scale`."""
        out: list[float] = []
        for number, (margin, runs, empty_size) in enumerate(self.paragraphs):
            lines = _lines([r if r is None else (_scaled(r[0], scale), r[1]) for r in runs], width_pt - margin)
            if not lines:
                lines = [empty_size * scale / 100]
            heights = [size * LINE for size in lines]
            if number:
                heights[0] += 0.2 * lines[0] * LINE  # the master's spcBef: 20 % of a line
            out.extend(heights)
        return out

    def height(self, width_pt: float, scale: float) -> float:
        """The laid-out height in points of the paragraphs at `scale` times their sizes."""
        return sum(self.line_heights(width_pt, scale))

    def fits(self, width_pt: float, height_pt: float, scale: float, columns: int) -> bool:
        """Whether the lines fill at most `columns` columns of `height_pt` (Impress breaks columns between lines)."""
        gap = COLUMN_GAP if columns > 1 else 0.0
        used, column = 0.0, 1
        for line in self.line_heights((width_pt - gap * (columns - 1)) / columns, scale):
            if used + line > height_pt:
                column, used = column + 1, 0.0
                if column > columns or line > height_pt:
                    return False
            used += line
        return True

    def set_scale(self, scale: float) -> None:
        """Every run (and each paragraph's end) gets its size times `scale`, written out."""
        for para, (_, runs, empty_size) in zip(self.body.findall(a("p")), self.paragraphs, strict=True):
            sizes = iter(r[0][4] for r in runs if r is not None)
            for node in para:
                if node.tag in (a("r"), a("fld")):
                    rpr = node.find(a("rPr"))
                    if rpr is None:
                        rpr = node.makeelement(a("rPr"), {})
                        node.insert(0, rpr)
                    rpr.set("sz", str(_centi(next(sizes) * scale)))
            end = para.find(a("endParaRPr"))
            if end is None:
                end = para.makeelement(a("endParaRPr"), {})
                para.append(end)
            end.set("sz", str(_centi(empty_size * scale)))


def _centi(size: float) -> int:
    return max(100, int(size // 50 * 50))  # half points, as PowerPoint writes them


def _scaled(key: tuple, scale: float) -> tuple:
    return (*key[:4], _centi(key[4] * scale))


def _lines(runs: list, width: float) -> list[float]:
    """Greedy word wrap of the runs into `width` points; each line's largest size (points)."""
    lines: list[float] = []
    x, size = 0.0, 0.0
    for run in runs:
        if run is None:
            lines.append(size or 10.0)
            x, size = 0.0, 0.0
            continue
        key, text = run
        pts = key[4] / 100
        for index, word in enumerate(text.split(" ")):
            piece = (" " if index else "") + word
            w = _width_pt(piece, key)
            if x > 0 and x + w > width and word:
                lines.append(size)
                x, size = _width_pt(word, key), pts
            else:
                x += w
                size = max(size, pts)
    if x > 0 or size or (runs and runs[-1] is None):
        lines.append(size or (lines[-1] if lines else 10.0))  # a break at the end opens an empty line
    return lines


def insets(body_pr) -> tuple[float, float, float, float]:
    """lIns, tIns, rIns, bIns of a bodyPr, in points."""
    values = []
    for name, default in zip(("lIns", "tIns", "rIns", "bIns"), DEFAULT_INSETS, strict=True):
        raw = body_pr.get(name) if body_pr is not None else None
        values.append(int(raw if raw is not None else default) / EMU_PER_PT)
    return values[0], values[1], values[2], values[3]


def needed_height(body, width: int, level_sizes: list[int], level_margins: list[int], family: str) -> int:
    """The height in EMU that `body`'s text takes at its sizes in a box `width` EMU wide."""
    box = Box(body, level_sizes, level_margins, family)
    left, top, right, bottom = insets(body.find(a("bodyPr")))
    return int((box.height(width / EMU_PER_PT - left - right, 1.0) + top + bottom) * EMU_PER_PT)


def fit(body, width: int, height: int, level_sizes: list[int], level_margins: list[int], family: str) -> float:
    """Shrink the text of `body` (a txBody) until it fits a box of width x height EMU; the scale used."""
    box = Box(body, level_sizes, level_margins, family)
    left, top, right, bottom = insets(body.find(a("bodyPr")))
    inner_w, inner_h = width / EMU_PER_PT - left - right, height / EMU_PER_PT - top - bottom
    largest = max((r[0][4] for _, runs, _ in box.paragraphs for r in runs if r is not None), default=1800) / 100
    for columns in (1, 2):  # too long for one column even at MIN_PT: two columns, as the HTML's fit
        scale = 1.0
        while not box.fits(inner_w, inner_h, scale, columns) and largest * scale * STEP >= MIN_PT:
            scale *= STEP
        if box.fits(inner_w, inner_h, scale, columns):
            break
    if columns > 1:
        body_pr = body.find(a("bodyPr"))
        if body_pr is None:
            body_pr = body.makeelement(a("bodyPr"), {})
            body.insert(0, body_pr)
        body_pr.set("numCol", str(columns))
        body_pr.set("spcCol", str(int(COLUMN_GAP * EMU_PER_PT)))
    if scale < 1.0:
        box.set_scale(scale)
    return scale
