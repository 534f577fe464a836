"""Titles fit: a deck's title too long for the footline of Madrid (and its kin) is scaled down
into its box, not cut at the box's edge, on every page."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from lecturemedia.project_copy import Project

LONG_TITLE = "Tensores Autograd y Grafos Computacionales en un ejemplo completo"


def footline_words(pdf: Path) -> list[tuple[float, float, list[tuple[str, float, float]]]]:
    """Each page's width, height and the words of its last line (text, xMin, xMax), from pdftotext's boxes."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
        width, height = float(page[0]), float(page[1])
        words = [
            (text, float(x0), float(x1), float(y1))
            for x0, _y0, x1, y1, text in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page[2]
            )
        ]
        bottom = max(y1 for *_, y1 in words)
        pages.append((width, height, [(t, x0, x1) for t, x0, x1, y1 in words if y1 > bottom - 4]))
    return pages


def test_a_long_title_fits_the_middle_box_of_madrids_footline(fixture_rebuilt: Project) -> None:
    project = fixture_rebuilt
    project.edit(
        "slides_src/beta.md", lambda s: s.replace('title: "Beta"', f'title: "{LONG_TITLE}"\ntheme: Madrid', 1)
    )
    project.make("slides")
    pages = footline_words(project.path("build/slides/beta.pdf"))
    assert len(pages) > 3
    first, last = LONG_TITLE.split()[0], LONG_TITLE.split()[-1]
    for number, (width, _, words) in enumerate(pages[1:], 2):  # the title page has no footline
        texts = [t for t, _, _ in words]
        assert first in texts and last in texts, (number, texts)
        start = next(x0 for t, x0, _ in words if t == first)
        end = next(x1 for t, _, x1 in words if t == last)
        # Madrid's footline: author | title | date and page, each a third of the page wide
        assert width / 3 <= start and end <= 2 * width / 3, (number, start, end, width)
        assert end - start > width / 3 * 0.8  # scaled to the box, not to a speck
