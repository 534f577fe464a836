"""Shared fixtures: throw-away copies of the project, built with the real Makefile.

Every make here runs with QUALITY=test (256x144, 5 fps videos), so scenes render fast.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lecturemedia.project_copy import Project, copy_project

REPO = Path(__file__).resolve().parent.parent
TEST_ENV = {"QUALITY": "test"}


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A copy of the project after `make` (slides, handouts, HTML), built once per session."""
    project = copy_project(REPO, tmp_path_factory.mktemp("built"), env=TEST_ENV)
    project.make("all")
    return project


@pytest.fixture
def fresh(tmp_path: Path) -> Project:
    """A copy of the project's sources with nothing built."""
    return copy_project(REPO, tmp_path, env=TEST_ENV)


@pytest.fixture
def rebuilt(tmp_path: Path, built: Project) -> Project:
    """A copy of the built project (build/ copied with its times), to edit and rebuild."""
    return copy_project(built.root, tmp_path, with_build=True, env=TEST_ENV)


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def pdf_pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)
