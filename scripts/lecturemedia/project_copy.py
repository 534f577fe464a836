"""A throw-away copy of the project, for the tests and the benchmark to edit and rebuild.

copy_project(repo, dest)          the whole project: the engine and the repo's own course
copy_course(repo, course, dest)   the engine's files from the repo, with another course folder
                                  (course.yaml, computations/, scenes/, slides_src/, ...)
"""

from __future__ import annotations

import contextlib
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
    "labs",
    "scripts",
    "tests",
    "package.json",
    "package-lock.json",
)

# What the engine is, apart from any course: the build, its code, its pinned dependencies.
ENGINE = ("Makefile", "pyproject.toml", "scripts", "package.json", "package-lock.json")
# What a course folder may hold (anything else in it, a README say, is copied too).
IGNORED = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", ".ruff_cache", ".pytest_cache")


@dataclass
class Project:
    root: Path
    env: dict[str, str] = field(default_factory=dict)  # for every make, e.g. QUALITY=test

    def make(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the project's Makefile here, with this interpreter's venv and no setup step."""
        proc = subprocess.run(self._command(args), cwd=self.root, capture_output=True, text=True, env=self._env(env))
        if check and proc.returncode != 0:
            raise AssertionError(f"make {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """Start the same make without waiting for it (its output piped)."""
        return subprocess.Popen(
            self._command(args),
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self._env(env),
        )

    def _command(self, args: tuple[str, ...]) -> list[str]:
        return ["make", "--no-print-directory", f"VENV={Path(sys.prefix)}", "SETUP=", *args]

    def _env(self, env: dict[str, str] | None) -> dict[str, str]:
        return {**_outside_make(), **self.env, **(env or {})}

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


OUTER_VARIABLES = (
    *("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"),
    *("LECTURE_INNER", "LECTURE_ERRORS", "LECTURE_LOCK_HELD"),  # the outer make's (make test's)
)
# Variables that would point the copy's build somewhere else, or make it verbose.
REDIRECTING = ("LECTURE_ROOT", "LECTURE_TRACES", "V", "QUALITY")


def _outside_make() -> dict[str, str]:
    """This environment without the flags of a make we may run under (`make test`): its
    jobserver is not ours, and a child make handed its flags warns and runs one job."""
    return {k: v for k, v in os.environ.items() if k not in OUTER_VARIABLES + REDIRECTING}


def copy_project(source: Path, dest: Path, with_build: bool = False, env: dict[str, str] | None = None) -> Project:
    """Copy the project's sources (and, with_build, its build/ with times kept) to dest."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        src = source / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    _finish(source, dest, with_build)
    return Project(dest, dict(env or {}))


def copy_course(repo: Path, course: Path, dest: Path, env: dict[str, str] | None = None) -> Project:
    """The engine's files from `repo` (Makefile, pyproject.toml, scripts/, package*.json,
    node_modules as a link) and everything in the folder `course` (course.yaml,
    computations/, scenes/, slides_src/, ...), in dest, with nothing built. To copy such a
    project once built, copy_project(project.root, ..., with_build=True)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ENGINE:
        src = repo / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=IGNORED)
        elif src.exists():
            shutil.copy2(src, dest / name)
    for src in sorted(course.iterdir()):
        if src.name in ENGINE or src.name in ("build", "node_modules") or IGNORED(str(course), [src.name]):
            continue
        if src.is_dir():
            shutil.copytree(src, dest / src.name, ignore=IGNORED)
        else:
            shutil.copy2(src, dest / src.name)
    _finish(repo, dest, False)
    return Project(dest, dict(env or {}))


def _finish(source: Path, dest: Path, with_build: bool) -> None:
    if with_build:
        shutil.copytree(source / "build", dest / "build", symlinks=True, ignore=_not_files, copy_function=_copy_built)
    if _installed_node_modules(source) and not (dest / "node_modules").exists():
        (dest / "node_modules").symlink_to((source / "node_modules").resolve())
    _keep_the_venv(dest)


def _copy_built(src: str, dest: str) -> None:
    """A LaTeX format (build/latex/**/preamble-*.fmt, 7 MB each) and reveal.js's files are linked,
    not copied: pdflatex writes a format only under a new name, make replaces a copy of reveal.js
    by renaming a new one over it, and neither changes a file in place. Anything else is copied,
    times kept."""
    if src.endswith(".fmt") or "/reveal.js/" in src:
        with contextlib.suppress(OSError):
            os.link(src, dest)
            return
    shutil.copy2(src, dest)


def _not_files(folder: str, names: list[str]) -> list[str]:
    """What copytree cannot copy: a running still worker's socket (build/.still.sock), say."""
    return [n for n in names if (p := Path(folder, n)).exists() and not (p.is_file() or p.is_dir())]


def _installed_node_modules(source: Path) -> bool:
    """Whether source/node_modules is installed and current, so that the copy's make will not
    run `npm ci` (which, through a link, would empty the source's node_modules). A copy
    without one installs its own."""
    stamp = source / "node_modules" / ".package-lock.json"
    if not stamp.exists():
        return False
    pins = [source / n for n in ("package.json", "package-lock.json") if (source / n).exists()]
    return all(stamp.stat().st_mtime_ns >= pin.stat().st_mtime_ns for pin in pins)


def _keep_the_venv(dest: Path) -> None:
    """A copy builds with this interpreter's venv (VENV=sys.prefix), whose `.installed` stamp
    depends on pyproject.toml: a copy's pyproject.toml newer than the stamp would make the
    copy re-install the shared venv from itself (pointing it at a folder about to be deleted).
    Date the copy's pyproject.toml no later than the stamp."""
    stamp, pyproject = Path(sys.prefix) / ".installed", dest / "pyproject.toml"
    if stamp.exists() and pyproject.exists() and pyproject.stat().st_mtime_ns > stamp.stat().st_mtime_ns:
        st = stamp.stat()
        os.utime(pyproject, ns=(st.st_atime_ns, st.st_mtime_ns))
