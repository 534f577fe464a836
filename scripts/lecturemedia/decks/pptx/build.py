"""A deck's PPTX: pandoc 3's, finished here (one slide per frame, movies, Pregunta and block boxes,
fitted text, equation pictures)."""

from __future__ import annotations

import importlib.util
import json
import re
import time
from pathlib import Path

from ... import console, outputs, paths
from ...errors import UserError
from .. import pandoc, tex_guard
from .blocks import drop_stray_marks, place_blocks
from .equations import add_equation_pictures
from .frames import drop_section_slides, merge_continuations
from .movies import place_movies
from .ooxml import q, renumber
from .play import click_to_play
from .pregunta import place_pregunta
from .text import fit_text, master_styles

ASSETS = Path(__file__).parent.parent / "assets"
DEFAULT_REFERENCE = ASSETS / "reference.pptx"


def pandoc3() -> str:
    """The pandoc inside pypandoc-binary (3.x), without importing pypandoc (which may try to fetch one)."""
    spec = importlib.util.find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "files" / "pandoc"
        if binary.is_file():
            return str(binary)
    raise UserError("the pandoc for PowerPoint is missing: it comes with pypandoc-binary; run `make setup`")


def reference_doc() -> Path:
    """The course's template (slides_src/templates/reference.pptx) if it has one, else the engine's."""
    own = paths.TEMPLATES / "reference.pptx"
    return own if own.is_file() else DEFAULT_REFERENCE


def build(name: str) -> None:
    start = time.monotonic()
    md = paths.BUILD / "md" / f"{name}.md"
    target = paths.deck_output("pptx", name)
    out_dir = target.parent
    work = paths.BUILD / "latex" / "pptx" / name
    work.mkdir(parents=True, exist_ok=True)
    tikz_dir = out_dir / ".tikz"
    tikz_dir.mkdir(parents=True, exist_ok=True)
    math_file = work / "math.json"
    math_file.unlink(missing_ok=True)
    raw = work / "pandoc.pptx"
    shown = f"slides_src/{name}.md"
    extra = [
        "--reference-doc",
        str(reference_doc().resolve()),
        f"--resource-path={out_dir.resolve()}:{paths.SLIDES_SRC.resolve()}",
        "-M",
        f"tikz-dir={tikz_dir.resolve()}",
        "-M",
        f"tikz-href={tikz_dir.resolve()}",
        "-M",
        "tikz-format=png",
        "-M",
        f"pptx-math-file={math_file.resolve()}",
        *tex_guard.pandoc_args(shown),  # TikZ pictures: pdflatex runs through the engine's guard
    ]
    if pandoc.metadata(md.read_text(encoding="utf-8")).get("toc") is True:
        extra.append("--toc")  # Beamer's template reads `toc`; pandoc's pptx writer only its option
    outputs.remove(target)  # out of date (Make runs this step only then): gone until remade
    try:
        pandoc.convert(
            md, raw, "pptx", shown, extra, filters=("tikz.lua", *pandoc.FILTERS, "pptx.lua"), program=pandoc3()
        )
        formulas = json.loads(math_file.read_text(encoding="utf-8") or "[]") if math_file.exists() else []
        header = latex_header(md)
        tmp = out_dir / f".{name}.pptx.tmp"
        counts = finish(raw, tmp, out_dir, formulas if isinstance(formulas, list) else [], header, shown, work)
        outputs.publish_file(tmp, target)
    except UserError:
        outputs.remove(target)
        raise
    console.product(target, f"{counts['slides']} slides, {counts['movies']} movies, {time.monotonic() - start:.1f} s")


def latex_header(md: Path) -> str:
    """The deck's \\usepackage and macro lines, for drawing its formulas as the PDF does."""
    meta = pandoc.metadata(md.read_text(encoding="utf-8"))
    includes = meta.get("header-includes") or []
    lines = includes if isinstance(includes, list) else [includes]
    keep = re.compile(r"\\(usepackage|newcommand|renewcommand|DeclareMathOperator|def)\b")
    return "\n".join(str(line) for line in lines if keep.search(str(line)))


def finish(raw: Path, out: Path, out_dir: Path, formulas: list, header: str, shown: str, work: Path) -> dict[str, int]:
    """pandoc's PPTX -> the finished one: movies, Pregunta boxes, equation pictures, unique shape ids."""
    from pptx import Presentation

    prs = Presentation(str(raw))
    counts = {"slides": len(prs.slides), "movies": 0}
    for slide in prs.slides:
        renumber(slide)  # first: python-pptx numbers what it adds after the highest id
        counts["movies"] += place_movies(slide, out_dir, shown)
        place_pregunta(slide, prs.slide_width, prs.slide_height)
    styles = master_styles(prs)
    drop_section_slides(prs)
    merge_continuations(prs, styles)
    counts["slides"] = len(prs.slides)
    for slide in prs.slides:
        place_blocks(slide, styles)
        drop_stray_marks(slide)
        fit_text(slide, styles)
    boxes = [(slide, ac) for slide in prs.slides for ac in slide.shapes._spTree.iter(q("mc:AlternateContent"))]
    add_equation_pictures(prs, boxes, formulas, header, shown, work)
    for slide in prs.slides:
        renumber(slide)  # the fallbacks take their boxes' ids
        click_to_play(slide.element)  # last: its timing names the movies by their final ids
    prs.save(str(out))
    return counts
