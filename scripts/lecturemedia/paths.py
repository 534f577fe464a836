"""Where things live. Every path is relative to the project root (the current directory)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

ROOT = Path(os.environ.get("LECTURE_ROOT", ".")).resolve()
SLIDES_SRC = ROOT / "slides_src"
TEMPLATES = SLIDES_SRC / "templates"
SCENES = ROOT / "scenes"
COMPUTATIONS = ROOT / "computations"
CONFIG_FILE = ROOT / "course.yaml"
BUILD = ROOT / "build"
CONFIG_DIR = BUILD / "config"
TRACES_DIR = Path(os.environ.get("LECTURE_TRACES", BUILD / "traces"))

# Each output of a deck: its folder under build/, its file suffix, the media it needs beside it.
DECK_OUTPUTS = {
    "pdf": ("slides", "pdf", (".mp4", ".png", ".srt")),
    "handout": ("handouts", "pdf", ("-end.png",)),
    "html": ("html", "html", (".mp4", ".png", ".vtt")),
    "pptx": ("pptx", "pptx", (".mp4", ".png")),  # the mp4 with its captions burned in (embedded)
}


def deck_output(fmt: str, name: str) -> Path:
    folder, suffix, _ = DECK_OUTPUTS[fmt]
    return BUILD / folder / f"{name}.{suffix}"


def scene_names(folder: Path = SCENES) -> list[str]:
    """The scenes: every scenes/<name>.py but the shared helpers (common.py, _private.py)."""
    return sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_") and p.stem != "common")


def computation_names() -> list[str]:
    """The computations: every computations/<name>.py but helpers (`_*.py`)."""
    return sorted(p.stem for p in COMPUTATIONS.glob("*.py") if not p.stem.startswith("_"))


def inside(path: Path) -> bool:
    """Whether `path`, its links followed, is one of the project's files."""
    return path.resolve().is_relative_to(ROOT.resolve())


def rel(path: Path) -> str:
    """A path as the user should see it: relative to the project root when inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


UMASK = os.umask(0)
os.umask(UMASK)


def write_atomic(path: Path, data: bytes | str, *, only_if_changed: bool = False) -> bool:
    """Write through a temporary file and rename, so no half-written file is left.

    With only_if_changed, an identical file is left alone (its mtime too), which lets
    Make skip everything downstream. Returns whether the file was written.
    """
    raw = data.encode() if isinstance(data, str) else data
    if only_if_changed and path.exists() and path.read_bytes() == raw:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        Path(tmp).chmod(0o666 & ~UMASK)  # mkstemp makes it private; give it the usual mode
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def sha256_file(path: Path) -> str:
    """The file's sha256, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
