"""Run pandoc on a rendered deck with the project's reader options and filters."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import yaml

from .. import paths
from ..errors import UserError
from ..tools import require

READER = "markdown"
FILTER_DIR = Path(__file__).parent / "filters"
FILTERS = ("preamble.lua", "br.lua", "pregunta.lua", "media.lua", "unary_minus.lua")


def front_matter(markdown: str) -> dict[str, object]:
    """The deck's YAML front matter (the first metadata block), or {}."""
    match = re.match(r"\A(?:\s*\n)?---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", markdown, re.S)
    if not match:
        return {}
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}  # pandoc will say what is wrong with it
    return data if isinstance(data, dict) else {}


def metadata(markdown: str) -> dict[str, object]:
    """What pandoc reads of a deck: course.yaml's `course:` (build/config/course.json), then its
    front matter over it. The reading options (`slide-level`, `reader-extensions`) come from it too."""
    course_file = paths.CONFIG_DIR / "course.json"
    course = json.loads(course_file.read_text(encoding="utf-8")) if course_file.exists() else {}
    return {**course, **front_matter(markdown)}


def slide_level(meta: dict[str, object]) -> list[str]:
    """`--slide-level=N` when the course or the deck says `slide-level: N`; else pandoc's own choice."""
    level = meta.get("slide-level")
    return [f"--slide-level={int(level)}"] if isinstance(level, int | str) and str(level).isdigit() else []


def reader(meta: dict[str, object], shown: str) -> str:
    """pandoc's Markdown, with the extensions the course or the deck asks for
    (`reader-extensions: +lists_without_preceding_blankline`): how its decks are written."""
    wanted = meta.get("reader-extensions") or ""
    text = " ".join(wanted) if isinstance(wanted, list) else str(wanted)
    parts = text.replace(",", " ").split()
    for part in parts:
        if not re.fullmatch(r"[+-][a-z_]+", part):
            raise UserError(f"{shown}: reader-extensions: {part!r} should look like +lists_without_preceding_blankline")
    return READER + "".join(parts)


HASKELL_ESCAPE = re.compile(r'\\(\d+|&|n|t|"|\\)')


def filter_error(stderr: str) -> str | None:
    """The message a Lua filter raised (pandoc shows it as a Haskell string: `PandocLuaError "…"`)."""
    match = re.search(r'PandocLuaError "((?:[^"\\]|\\.)*)"', stderr)
    if not match:
        return None
    plain = {"&": "", "n": "\n", "t": "\t", '"': '"', "\\": "\\"}

    def unescape(m: re.Match[str]) -> str:
        return plain[m.group(1)] if m.group(1) in plain else chr(int(m.group(1)))

    return HASKELL_ESCAPE.sub(unescape, match.group(1))


def convert(
    source: Path,
    output: Path,
    writer: str,
    deck_name: str,
    extra: list[str] | None = None,
    cwd: Path | None = None,
    filters: tuple[str, ...] = FILTERS,
    program: str | None = None,
) -> None:
    """source (Markdown) -> output with `writer`; errors name the deck. `program`: another pandoc (the PPTX's)."""
    pandoc = program or require("pandoc")
    meta = metadata(source.read_text(encoding="utf-8"))
    args = [
        pandoc,
        str(source.resolve()),
        "-f",
        reader(meta, deck_name),
        "-t",
        writer,
        "--standalone",
        *slide_level(meta),
        "--metadata-file",
        str((paths.CONFIG_DIR / "course.json").resolve()),
        "-o",
        str(output.resolve()),
    ]
    for name in filters:
        args += ["--lua-filter", str(FILTER_DIR / name)]
    args += extra or []
    proc = subprocess.run(args, capture_output=True, text=True, errors="replace", cwd=cwd or paths.SLIDES_SRC)
    messages = [line[:300] for line in proc.stderr.splitlines() if line.strip()]
    if proc.returncode != 0:
        own = filter_error(proc.stderr)
        if own:  # one of our filters' errors, written for the user: shown alone
            raise UserError(own if own.startswith(deck_name) else f"{deck_name}: {own}")
        shown = "\n  ".join(messages[:6]) or f"exit status {proc.returncode}"
        raise UserError(f"{deck_name}: pandoc failed:\n  {shown}")
    for line in messages[:5]:
        print(f"{deck_name}: pandoc: {line}")
