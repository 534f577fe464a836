"""A lab notebook as an HTML page with its outputs: run top to bottom at build time (nbclient), so
the outputs are those of the current sources, then converted by nbconvert's `basic` template (the
cells only, no script and no CDN) and set in the site's own page.

Why run it here: a lab of this course runs in seconds on the CPU, and outputs saved by hand in
the .ipynb go stale with every edit; a notebook that fails is an error naming its cell."""

from __future__ import annotations

import copy
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ... import paths
from ...errors import UserError

TIMEOUT = int(os.environ.get("LECTURE_NOTEBOOK_TIMEOUT", "600"))  # seconds per cell
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the colours of a traceback
IMG = re.compile(r"<img\b([^>]*)>")
TITLE = re.compile(r"""\.(?:title|set_title|suptitle)\(\s*(?:r|f)?["']([^"']+)["']""")


@dataclass(frozen=True)
class Converted:
    title: str
    body: str  # the cells as HTML
    css: str  # pygments' colours for the code


def execute(source: Path) -> object:
    """The notebook after a run in its own folder; an error names the cell that failed."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    shown = paths.rel(source)
    try:
        nb = nbformat.read(source, as_version=4)
    except Exception as exc:  # nbformat raises several kinds for a file that is not a notebook
        raise UserError(f"{shown}: not a readable notebook ({exc}); open and save it again in Jupyter") from None
    with tempfile.TemporaryDirectory(prefix="lecture-kernel-") as sockets:
        # The kernel talks over local sockets of this account (not TCP on the loopback)
        km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "kernel"))
        client = NotebookClient(nb, km=km, timeout=TIMEOUT, resources={"metadata": {"path": str(source.parent)}})
        try:
            _run(client, nb, shown)
        finally:
            if km.has_kernel:  # a kernel manager handed in is not shut down by the client
                km.shutdown_kernel(now=True)
    return nb


def _run(client: object, nb: object, shown: str) -> None:
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    try:
        client.execute()  # type: ignore[attr-defined]
    except (CellExecutionError, CellTimeoutError) as exc:
        cell = _failed_cell(nb)
        first = ANSI.sub("", str(exc)).strip().splitlines()
        reason = next((line for line in reversed(first) if line.strip()), "") if first else ""
        raise UserError(
            f"{shown}: code cell {cell} failed when run top to bottom: {reason}; "
            "fix it so that the notebook runs (Kernel > Restart and Run All)"
        ) from None


def _failed_cell(nb: object) -> int:
    code = [c for c in nb.cells if c.cell_type == "code"]  # type: ignore[attr-defined]
    for number, cell in enumerate(code, 1):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return number
    return len(code)


def with_alt_texts(nb: object, body: str) -> str:
    """Every picture an output draws gets a Spanish text alternative: the title the cell gives
    its plot when there is one, and which code cell drew it."""
    titles = []
    for number, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), 1):  # type: ignore[attr-defined]
        for output in cell.get("outputs", []):
            if any(k.startswith("image/") for k in output.get("data", {})):
                found = TITLE.search(cell.source)
                titles.append(f"Figura de la celda de código {number}" + (f": {found.group(1)}" if found else ""))
    pictures = iter(titles)

    def alt(match: re.Match[str]) -> str:
        attrs = re.sub(r'\s+alt="[^"]*"', "", match.group(1))
        text = next(pictures, "Figura del cuaderno").replace('"', "&quot;")
        return f'<img{attrs} alt="{text}">'

    return IMG.sub(alt, body)


PANEL = (0xF3, 0xF5, 0xF8)  # the code's background in site.css
COLOR = re.compile(r"(?<![-\w])color: #([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        x = c / 255
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def readable(css: str, background: tuple[int, int, int] = PANEL, ratio: float = 4.6) -> str:
    """Pygments' colours, each darkened (hue kept) until it reads on the code's background as
    WCAG AA asks of text (4.5:1)."""

    def darken(match: re.Match[str]) -> str:
        hex_ = match.group(1) if len(match.group(1)) == 6 else "".join(c * 2 for c in match.group(1))
        rgb = tuple(int(hex_[i : i + 2], 16) for i in (0, 2, 4))
        while contrast(rgb, background) < ratio:  # type: ignore[arg-type]
            rgb = tuple(int(c * 0.9) for c in rgb)
        return "color: #{:02x}{:02x}{:02x}".format(*rgb)

    return COLOR.sub(darken, css)


def title(nb: object, default: str) -> str:
    """The notebook's title: its first `# ` heading, as text."""
    found = next(
        (
            line.lstrip("#").strip()
            for cell in nb.cells  # type: ignore[attr-defined]
            if cell.cell_type == "markdown"
            for line in cell.source.splitlines()
            if line.startswith("# ")
        ),
        default,
    )
    return re.sub(r"[*_`]+", "", found)


def read_title(source: Path) -> str:
    import nbformat

    try:
        return title(nbformat.read(source, as_version=4), source.stem)
    except Exception:  # the lab's own step says what is wrong with it
        return source.stem


def convert(source: Path, *, run: bool = True) -> Converted:
    import nbformat
    from nbconvert import HTMLExporter
    from pygments.formatters import HtmlFormatter

    nb = execute(source) if run else nbformat.read(source, as_version=4)
    exporter = HTMLExporter(template_name="basic")
    exporter.exclude_input_prompt = False
    body, _ = exporter.from_notebook_node(copy.deepcopy(nb))
    body = with_alt_texts(nb, body)
    css = readable(HtmlFormatter(style="default").get_style_defs(".highlight"))
    return Converted(title=title(nb, source.stem), body=body, css=css)
