"""A throw-away copy of the project, for the tests and the benchmark to edit and rebuild."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SOURCES = (
    "Makefile",
    "course.yaml",
    "pyproject.toml",
    "slides_src",
    "computations",
    "scenes",
    "scripts",
    "tests",
    "package.json",
    "package-lock.json",
)


@dataclass
class Project:
    root: Path
    env: dict[str, str] = field(default_factory=dict)  # for every make, e.g. QUALITY=test

    def make(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the project's Makefile here, with this interpreter's venv and no setup step."""
        proc = subprocess.run(
            ["make", "--no-print-directory", f"VENV={Path(sys.prefix)}", "SETUP=", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            env={**_outside_make(), **self.env, **(env or {})},
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"make {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc

    def path(self, rel: str) -> Path:
        return self.root / rel

    def edit(self, rel: str, change: Callable[[str], str]) -> None:
        p = self.path(rel)
        p.write_text(change(p.read_text(encoding="utf-8")), encoding="utf-8")

    def changed_by_make(self, *args: str, pattern: str = "build/**/*") -> set[str]:
        """Run make; the files matching `pattern` that it created or rewrote."""
        before = self.mtimes(pattern)
        self.make(*args)
        return {name for name, mtime in self.mtimes(pattern).items() if before.get(name) != mtime}

    def mtimes(self, pattern: str = "build/**/*") -> dict[str, int]:
        return {str(p.relative_to(self.root)): p.stat().st_mtime_ns for p in self.root.glob(pattern) if p.is_file()}


OUTER_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "LECTURE_INNER", "LECTURE_ERRORS")


def _outside_make() -> dict[str, str]:
    """This environment without the flags of a make we may run under (`make test`): its
    jobserver is not ours, and a child make handed its flags warns and runs one job."""
    return {k: v for k, v in os.environ.items() if k not in OUTER_VARIABLES}


def copy_project(source: Path, dest: Path, with_build: bool = False, env: dict[str, str] | None = None) -> Project:
    """Copy the project's sources (and, with_build, its build/ with times kept) to dest."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        src = source / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    if with_build:
        shutil.copytree(source / "build", dest / "build", symlinks=True)
    if (source / "node_modules").exists():
        (dest / "node_modules").symlink_to((source / "node_modules").resolve())
    return Project(dest, dict(env or {}))
