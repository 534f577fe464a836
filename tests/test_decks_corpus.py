"""Decks we did not write (tests/corpus/, sources and licences in its README) build through
`make slides` and `make html` as bare `pandoc -t beamer` builds them: the same pages, the
same text, their images found beside them. (Their `make pptx` is built here too, once, and
checked in tests/test_decks_pptx.py.)
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, pdf_pages, pdf_text, shared, shared_build
from lecturemedia.project_copy import Project, copy_project

CORPUS = REPO / "tests" / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
DECKS = sorted(EXPECTED)


@shared_build("corpus", fixture="corpus_build")
def _build_corpus(root: Path) -> None:
    """The corpus as a course's slides_src/ (course.yaml adds nothing), built; and bare pandoc's PDFs."""
    project = copy_project(REPO, root / "project", env={"QUALITY": "test"})
    for folder in ("slides_src", "computations", "scenes"):
        shutil.rmtree(project.path(folder))
    shutil.copytree(CORPUS, project.path("slides_src"), ignore=shutil.ignore_patterns("README.md", "*.json"))
    project.path("computations").mkdir()
    project.path("scenes").mkdir()
    project.path("course.yaml").write_text("course: {}\n", encoding="utf-8")
    project.make("slides", "html", "pptx")  # the PowerPoint too, for tests/test_decks_pptx.py

    bare = root / "bare"
    shutil.copytree(CORPUS, bare)
    for deck in DECKS:
        level = EXPECTED[deck].get("slide_level")
        args = [f"--slide-level={level}"] if level else []
        command = ["pandoc", "-t", "beamer", *args, f"{deck}.md", "-o", f"{deck}.pdf"]
        subprocess.run(command, cwd=bare, check=True, capture_output=True)


@pytest.fixture(scope="session")
def corpus_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Path]:
    """The corpus built once per test run (shared by the test workers); and bare pandoc's PDFs."""
    root = shared(tmp_path_factory, "corpus")
    return Project(root / "project", env={"QUALITY": "test"}), root / "bare"


def words(text: str) -> list[str]:
    return re.sub(r"\s+", " ", text).strip().split(" ")


@pytest.mark.parametrize("deck", DECKS)
def test_a_deck_we_did_not_write_has_the_same_pages_and_text(corpus_build: tuple[Project, Path], deck: str) -> None:
    project, bare = corpus_build
    ours, theirs = project.path(f"build/slides/{deck}.pdf"), bare / f"{deck}.pdf"
    assert pdf_pages(ours) == pdf_pages(theirs) == EXPECTED[deck]["pages"]
    assert words(pdf_text(ours)) == words(pdf_text(theirs))


@pytest.mark.parametrize("deck", DECKS)
def test_its_html_shows_its_images(corpus_build: tuple[Project, Path], deck: str) -> None:
    """Every image of the page that the deck's folder has is copied beside the page."""
    project, _ = corpus_build
    page = project.path(f"build/html/{deck}.html")
    sources = re.findall(r'<img[^>]+src="([^"]+)"', page.read_text(encoding="utf-8"))
    shipped = [src for src in sources if (CORPUS / src).is_file() and (CORPUS / src).resolve().is_relative_to(CORPUS)]
    for src in shipped:
        assert (page.parent / src).read_bytes() == (CORPUS / src).read_bytes(), src
    named = re.findall(r"!\[[^\]]*\]\(([^)\s]+)", (CORPUS / f"{deck}.md").read_text(encoding="utf-8"))
    assert {n for n in named if (CORPUS / n).is_file()} <= set(shipped)
