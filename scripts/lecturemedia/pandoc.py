"""Run pandoc on a rendered deck with the project's reader options and filters."""

from __future__ import annotations

import subprocess
from pathlib import Path

from . import paths
from .errors import UserError
from .tools import require

READER = "markdown+lists_without_preceding_blankline"
FILTERS = ("preamble.lua", "br.lua", "pregunta.lua", "media.lua")


def convert(
    source: Path,
    output: Path,
    writer: str,
    deck_name: str,
    extra: list[str] | None = None,
    cwd: Path | None = None,
    filters: tuple[str, ...] = FILTERS,
) -> None:
    """source (Markdown) -> output with `writer`; errors name the deck."""
    pandoc = require("pandoc")
    args = [
        pandoc,
        str(source.resolve()),
        "-f",
        READER,
        "-t",
        writer,
        "--standalone",
        "--slide-level=1",
        "--metadata-file",
        str((paths.CONFIG_DIR / "course.json").resolve()),
        "-o",
        str(output.resolve()),
    ]
    for name in filters:
        args += ["--lua-filter", str(paths.FILTERS / name)]
    args += extra or []
    proc = subprocess.run(args, capture_output=True, text=True, errors="replace", cwd=cwd)
    messages = [line[:300] for line in proc.stderr.splitlines() if line.strip()]
    if proc.returncode != 0:
        shown = "\n  ".join(messages[:6]) or f"exit status {proc.returncode}"
        raise UserError(f"{deck_name}: pandoc failed:\n  {shown}")
    for line in messages[:5]:
        print(f"{deck_name}: pandoc: {line}")
