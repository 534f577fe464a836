"""Equations for LibreOffice Impress: a picture of each text box with equations, drawn by pdflatex,
as the box's mc:Fallback."""

from __future__ import annotations

import os
import re
import subprocess
import unicodedata
from pathlib import Path

from ... import console, paths
from ...errors import UserError
from ...tools import require
from .. import tex_guard
from .ooxml import EMU_PER_PT, NS, frame_of, q, set_frame


def add_equation_pictures(prs, boxes: list, formulas: list, header: str, shown: str, work: Path) -> None:
    """Each text box with equations keeps pandoc's native ones for PowerPoint (mc:Choice, now
    requiring a14 and a16) and gets a picture of itself drawn by LaTeX as its mc:Fallback, which
    LibreOffice Impress shows (it claims a14 but renders no OMML in a shape; it does not claim a16)."""
    formulas = drop_unconverted(prs, formulas, shown)
    items = []
    index = 0
    for slide, alt in boxes:
        choice = alt.find(q("mc:Choice"))
        if choice is None or alt.find(q("mc:Fallback")) is not None:
            continue
        shape = choice.find(q("p:sp"))
        n = len(list(choice.iter(q("a14:m"))))
        if shape is None or n == 0:
            continue
        items.append((slide, alt, shape, formulas[index : index + n]))
        index += n
    if index != len(formulas):
        raise UserError(
            f"{shown}: {len(formulas)} formulas in the deck, {index} in the PowerPoint's equation boxes, so "
            "their pictures for Impress cannot be matched to them (Impress would show blank boxes); "
            f"the formulas are in {paths.rel(work / 'math.json')}: please report this with the deck"
        )
    if not items:
        return
    pages = []
    for slide, _, shape, texs in items:
        geometry = frame_of(slide, shape)
        if geometry is None:
            geometry = (
                prs.slide_width // 20,
                prs.slide_height // 5,
                prs.slide_width * 9 // 10,
                prs.slide_height * 7 // 10,
            )
        pages.append((geometry, box_latex(shape, list(texs))))
    pngs = render_pages(pages, header, shown, work, [[f.get("tex", "") for f in texs] for _, _, _, texs in items])
    for (slide, alt, shape, _), (geometry, _), png in zip(items, pages, pngs, strict=True):
        _set_xfrm_if_missing(shape, geometry)
        attach_fallback(slide, alt, shape, geometry, png)


def drop_unconverted(prs, formulas: list, shown: str) -> list:
    """The formulas pandoc made equations of. One it could not convert it writes as its TeX, a run
    `$tex$` (`$$tex$$` displayed): both programs show that text; a warning names its deck line."""
    from collections import Counter

    runs = Counter(
        t.text for slide in prs.slides for t in slide.shapes._spTree.iter(q("a:t")) if (t.text or "").startswith("$")
    )
    kept, failed = [], []
    for formula in formulas:
        tex = formula.get("tex", "") if isinstance(formula, dict) else ""
        key = f"$${tex}$$" if formula.get("display") else f"${tex}$"
        if runs[key] > 0:
            runs[key] -= 1
            failed.append(tex)
        else:
            kept.append(formula)
    if failed:
        source = paths.SLIDES_SRC / Path(shown).name
        lines = source.read_text(encoding="utf-8", errors="replace").splitlines() if source.is_file() else []
        for tex in failed:
            line = next((n for n, text in enumerate(lines, 1) if tex.strip() and tex.strip() in text), None)
            console.warn(
                f"{shown}{f':{line}' if line else ''}: pandoc cannot make ${tex}$ an equation for PowerPoint "
                "(its TeX is shown as text there and in Impress); write it with commands pandoc knows "
                "(its warning above names the one it stopped at)"
            )
    return kept


def _set_xfrm_if_missing(shape, geometry: tuple[int, int, int, int]) -> None:
    sp_pr = shape.find(q("p:spPr"))
    if sp_pr is not None and sp_pr.find(q("a:xfrm")) is None:
        set_frame(sp_pr, *geometry)


LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\^{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\~{}",
}


SYMBOLS = {
    "→": r"$\to$",
    "←": r"$\leftarrow$",
    "≤": r"$\le$",
    "≥": r"$\ge$",
    "×": r"$\times$",
    "·": r"$\cdot$",
    "−": "-",
    "≈": r"$\approx$",
    "∞": r"$\infty$",
    "∂": r"$\partial$",
    "∇": r"$\nabla$",
    "∈": r"$\in$",
    "η": r"$\eta$",
    "σ": r"$\sigma$",
    "φ": r"$\phi$",
    "✓": r"$\checkmark$",
}


def tex_escape(text: str) -> str:
    """Text for pdflatex: its special characters escaped, odd spaces as spaces, common symbols as math."""
    out = []
    for c in text:
        if unicodedata.category(c).startswith("Z"):
            out.append(" ")
        else:
            out.append(LATEX_SPECIAL.get(c) or SYMBOLS.get(c) or c)
    return "".join(out)


def box_latex(shape, texs: list[dict]) -> str:
    """The text box as LaTeX: its paragraphs, bullets by level, bold/italic/monospace runs, and
    each equation (in document order) from the deck's own TeX."""
    out = []
    for para in shape.iter(q("a:p")):
        ppr = para.find(q("a:pPr"))
        level = int(ppr.get("lvl", "0")) if ppr is not None else 0
        bullet = not (ppr is not None and ppr.find(q("a:buNone")) is not None)
        parts = []
        for node in para:
            if node.tag == q("a:r"):
                rpr = node.find(q("a:rPr"))
                text = tex_escape("".join(t.text or "" for t in node.iter(q("a:t"))))
                if (
                    rpr is not None
                    and rpr.find(q("a:latin")) is not None
                    and "Courier" in (rpr.find(q("a:latin")).get("typeface") or "")
                ):
                    text = rf"\texttt{{{text}}}"
                if rpr is not None and rpr.get("b") == "1":
                    text = rf"\textbf{{{text}}}"
                if rpr is not None and rpr.get("i") == "1":
                    text = rf"\textit{{{text}}}"
                parts.append(text)
            elif node.tag == q("a:br"):
                parts.append(r"\newline{}")
            elif node.tag == q("a14:m"):
                formula = texs.pop(0) if texs else {"tex": "", "display": False}
                tex = formula.get("tex", "")
                parts.append(rf"\[{tex}\]" if formula.get("display") else f"${tex}$")
        body = "".join(parts).strip()
        if not body:
            out.append(r"\par\medskip")
            continue
        indent = 1.2 * level + (1.2 if bullet else 0)
        mark = r"\llap{\textbullet\hspace{0.5em}}" if bullet else ""
        out.append(rf"\par\hangindent={indent:.1f}em\hangafter=0\noindent{{}}{mark}{body}\par\smallskip")
    return "\n".join(out)


def render_pages(pages: list, header: str, shown: str, work: Path, texs: list[list[str]] | None = None) -> list[Path]:
    """One LaTeX run for all the deck's equation boxes, one page each, as PNGs. A box LaTeX cannot
    draw is an error at its formula's deck line (`texs`: each box's formulas): Impress would show a
    blank where it is."""
    pdflatex, pdftocairo = require("pdflatex"), require("pdftocairo")
    body = []
    for (_, _, width, _), latex in pages:
        body.append(
            rf"\begin{{lmbox}}\begin{{minipage}}[t]{{{width / EMU_PER_PT:.1f}pt}}\fontsize{{18}}{{22}}\selectfont"
            rf"\sffamily {latex}\end{{minipage}}\end{{lmbox}}"
        )
    document = "\n".join(
        [
            r"\documentclass[border=0pt,multi=lmbox]{standalone}",
            r"\usepackage[utf8]{inputenc}\usepackage[T1]{fontenc}\usepackage{lmodern,amsmath,amssymb}",
            r"\DeclareUnicodeCharacter{2212}{\ensuremath{-}}",  # the minus of the engine's numbers, as in the PDF
            header,
            r"\newenvironment{lmbox}{}{}",
            r"\begin{document}",
            *body,
            r"\end{document}",
            "",
        ]
    )
    folder = work / "equations"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*"):
        old.unlink()
    (folder / "boxes.tex").write_text(document, encoding="utf-8")
    proc = tex_guard.run(  # the deck's formulas and header read only the project's files and TeX's own
        [pdflatex, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "boxes.tex"],
        cwd=folder,
        env=os.environ,
        fls=folder / "boxes.fls",
        root=paths.ROOT,
        source_lines=(paths.SLIDES_SRC / Path(shown).name).read_text(encoding="utf-8", errors="replace").splitlines(),
        source_name=shown,
    )
    if proc.returncode != 0:
        raise equation_error(proc.stdout, document, texs or [], shown, folder / "boxes.tex")
    # transparent (not white) around the text: a box's picture in a Beamer block shows the block's colour
    subprocess.run([pdftocairo, "-r", "200", "-png", "-transp", "boxes.pdf", "box"], cwd=folder, check=True)
    pngs = sorted(folder.glob("box-*.png"))
    if len(pngs) != len(pages):
        raise UserError(
            f"{shown}: {len(pages)} equation boxes but {len(pngs)} pictures of them (see {paths.rel(folder)})"
        )
    return pngs


def equation_error(log: str, document: str, texs: list[list[str]], shown: str, tex_file: Path) -> UserError:
    """pdflatex's failure on the equation boxes as the deck's error: its message, the formula of the
    failing box that holds the offending command (else the box's first), and that formula's line in
    the deck's source."""
    message = next((line for line in log.splitlines() if line.startswith("!")), "see the LaTeX log").lstrip("! ")
    at = re.search(r"^l\.(\d+) (.*)$", log, re.M)
    formula = ""
    if at:
        box = sum("\\begin{lmbox}" in text for text in document.splitlines()[: int(at.group(1))]) - 1
        formulas = texs[box] if 0 <= box < len(texs) else []
        command = re.findall(r"\\[A-Za-z]+", at.group(2))
        formula = next((f for f in formulas if command and command[-1] in f), formulas[0] if formulas else "")
    source = paths.SLIDES_SRC / Path(shown).name
    lines = source.read_text(encoding="utf-8", errors="replace").splitlines() if source.is_file() else []
    line = next((n for n, text in enumerate(lines, 1) if formula and formula.strip() in text), None)
    where = f"{shown}:{line}" if line else shown
    what = f"the equation ${formula.strip()}$" if formula else "an equation box"
    return UserError(
        f"{where}: {what} cannot be drawn for LibreOffice Impress ({message}); Impress would show a blank "
        f"box. pdflatex draws it with amsmath, amssymb and the deck's header-includes (\\usepackage and "
        f"macro lines; {paths.rel(tex_file)} is what it ran): define what it lacks there, or correct the formula"
    )


def attach_fallback(slide, alt, shape, geometry: tuple[int, int, int, int], png: Path) -> None:
    from lxml import etree
    from PIL import Image

    left, top, width, height = geometry
    with Image.open(png) as img:
        px_w, px_h = img.size
    scale = min(width / px_w, height / px_h)
    cx, cy = int(px_w * scale), int(px_h * scale)
    _, rid = slide.part.get_or_add_image_part(str(png))
    # a new AlternateContent, so that a16 is declared where Requires names it
    new_alt = etree.Element(q("mc:AlternateContent"), nsmap={"mc": NS["mc"]})
    choice = etree.SubElement(new_alt, q("mc:Choice"), nsmap={"a14": NS["a14"], "a16": NS["a16"]})
    choice.set("Requires", "a14 a16")
    choice.append(shape)
    fallback = etree.SubElement(new_alt, q("mc:Fallback"))
    name = "Ecuaciones"
    pic = etree.fromstring(
        f'<p:pic xmlns:p="{NS["p"]}" xmlns:a="{NS["a"]}" xmlns:r="{NS["r"]}">'
        f'<p:nvPicPr><p:cNvPr id="0" name="{name}" descr="{name}"/><p:cNvPicPr><a:picLocks noChangeAspect="1"/>'
        f'</p:cNvPicPr><p:nvPr/></p:nvPicPr><p:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/>'
        f'</a:stretch></p:blipFill><p:spPr><a:xfrm><a:off x="{left}" y="{top}"/><a:ext cx="{cx}" cy="{cy}"/>'
        f'</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr></p:pic>'
    )
    fallback.append(pic)
    alt.addprevious(new_alt)
    alt.getparent().remove(alt)
