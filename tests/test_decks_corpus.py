"""Decks we did not write (tests/corpus/, sources and licences in its README) build through
`make slides` and `make html` as bare `pandoc -t beamer` builds them: the same pages, the
same text, their images found beside them. (Their `make pptx` is built here too, once, and
checked in tests/test_decks_pptx.py.)

Bare pandoc's text of each deck is recorded in tests/corpus/bare.json with what made it (the
deck's bytes, pandoc's, pdfTeX's and pdftotext's versions): when all match, the record stands
in for building the deck again with bare pandoc; when one differs, bare pandoc builds it here.
`python tests/test_decks_corpus.py` records them again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import REPO, pdf_pages, pdf_text, shared
from lecturemedia.project_copy import Project, copy_project

CORPUS = REPO / "tests" / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
BARE = CORPUS / "bare.json"
DECKS = sorted(EXPECTED)


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

    missing = [deck for deck in DECKS if deck not in bare_records()]
    if missing:
        bare_build(missing, root / "bare")


def bare_build(decks: list[str], bare: Path) -> None:
    """Bare pandoc's PDFs of `decks`, in a copy of the corpus."""
    shutil.copytree(CORPUS, bare, dirs_exist_ok=True)
    for deck in decks:
        level = EXPECTED[deck].get("slide_level")
        args = [f"--slide-level={level}"] if level else []
        command = ["pandoc", "-t", "beamer", *args, f"{deck}.md", "-o", f"{deck}.pdf"]
        subprocess.run(command, cwd=bare, check=True, capture_output=True)


@functools.cache
def tool_versions() -> dict[str, str]:
    def first_line(*command: str) -> str:
        proc = subprocess.run(command, capture_output=True, text=True)
        return (proc.stdout or proc.stderr).splitlines()[0]

    return {
        "pandoc": first_line("pandoc", "--version"),
        "pdftex": first_line("pdftex", "--version"),
        "pdftotext": first_line("pdftotext", "-v"),
    }


def made_by(deck: str) -> dict[str, str]:
    """What bare pandoc's text of `deck` depends on: its bytes and the tools' versions."""
    return {"deck": hashlib.sha256((CORPUS / f"{deck}.md").read_bytes()).hexdigest(), **tool_versions()}


@functools.cache
def bare_records() -> dict[str, list[str]]:
    """The recorded words of bare pandoc's PDF of each deck whose record still holds."""
    if not BARE.exists():
        return {}
    records = json.loads(BARE.read_text(encoding="utf-8"))
    holding = {deck: r for deck, r in records.items() if deck in EXPECTED and r["made_by"] == made_by(deck)}
    return {deck: r["words"].split(" ") for deck, r in holding.items()}


def bare_words(bare: Path, deck: str) -> list[str]:
    """The words of bare pandoc's PDF of `deck`: recorded, or read from the PDF built here."""
    recorded = bare_records()
    if deck in recorded:
        return recorded[deck]
    pdf = bare / f"{deck}.pdf"
    assert pdf_pages(pdf) == EXPECTED[deck]["pages"], f"{deck}: bare pandoc's page count"
    return words(pdf_text(pdf))


@pytest.fixture(scope="session")
def corpus_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Path]:
    """The corpus built once per test run (shared by the test workers); and bare pandoc's PDFs."""
    root = shared(tmp_path_factory, "corpus", _build_corpus)
    return Project(root / "project", env={"QUALITY": "test"}), root / "bare"


def words(text: str) -> list[str]:
    return re.sub(r"\s+", " ", text).strip().split(" ")


@pytest.mark.parametrize("deck", DECKS)
def test_a_deck_we_did_not_write_has_the_same_pages_and_text(corpus_build: tuple[Project, Path], deck: str) -> None:
    project, bare = corpus_build
    ours = project.path(f"build/slides/{deck}.pdf")
    assert pdf_pages(ours) == EXPECTED[deck]["pages"]  # bare pandoc's, checked by record()
    assert words(pdf_text(ours)) == bare_words(bare, deck)


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


def record() -> None:
    """Build every deck with bare pandoc and record its words, checking its page count."""
    with tempfile.TemporaryDirectory() as tmp:
        bare_build(DECKS, Path(tmp))
        records = {}
        for deck in DECKS:
            pdf = Path(tmp) / f"{deck}.pdf"
            assert pdf_pages(pdf) == EXPECTED[deck]["pages"], f"{deck}: bare pandoc's page count changed"
            records[deck] = {"made_by": made_by(deck), "words": " ".join(words(pdf_text(pdf)))}
    BARE.write_text(json.dumps(records, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded bare pandoc's text of {len(records)} decks in {BARE.relative_to(REPO)}")


if __name__ == "__main__":
    record()
