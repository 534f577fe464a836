"""Shared fixtures: a throw-away copy of the project, built with the real Makefile."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SOURCES = (
    "Makefile",
    "course.yaml",
    "pyproject.toml",
    "slides_src",
    "scenes",
    "scripts",
    "package.json",
    "package-lock.json",
)


@dataclass
class Project:
    root: Path

    def make(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the project's Makefile here (setup skipped: the test's venv is used)."""
        proc = subprocess.run(
            ["make", "--no-print-directory", f"VENV={Path(sys.prefix)}", "SETUP=", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"make {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc

    def path(self, rel: str) -> Path:
        return self.root / rel

    def edit(self, rel: str, change: Callable[[str], str]) -> None:
        p = self.path(rel)
        p.write_text(change(p.read_text(encoding="utf-8")), encoding="utf-8")

    def mtimes(self, pattern: str = "build/**/*") -> dict[str, int]:
        return {str(p.relative_to(self.root)): p.stat().st_mtime_ns for p in self.root.glob(pattern) if p.is_file()}


def copy_project(dest: Path, with_build: Path | None = None) -> Project:
    for name in SOURCES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    if with_build is not None:
        shutil.copytree(with_build / "build", dest / "build", symlinks=True)
        if (with_build / "node_modules").exists():
            (dest / "node_modules").symlink_to(with_build / "node_modules")
    return Project(dest)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A copy of the project after `make -j2 slides` (built once per test session)."""
    project = copy_project(tmp_path_factory.mktemp("built"))
    project.make("-j2", "slides")
    return project


@pytest.fixture
def fresh(tmp_path: Path) -> Project:
    """A copy of the project's sources with nothing built."""
    return copy_project(tmp_path)


@pytest.fixture
def rebuilt(tmp_path: Path, built: Project) -> Project:
    """A copy of the built project (its build/ copied with times kept), to edit and rebuild."""
    return copy_project(tmp_path, with_build=built.root)


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def pdf_pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)
