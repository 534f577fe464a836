"""What the build says while it works: one line per product, a live line per long step.

A quiet success stays quiet: nothing else is printed unless V=1 is set.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from . import paths

VERBOSE = os.environ.get("V", "") not in ("", "0")


def _tty() -> bool:
    return sys.stderr.isatty()


def product(path: Path, detail: str = "", verb: str = "made") -> None:
    """One line for a file made: `  made  build/slides/deck.pdf  (1 pass, 1.2 s)`."""
    end = f"  ({detail})" if detail else ""
    clear = "\r\033[K" if _tty() else ""
    print(f"{clear}  {verb:<4}  {paths.rel(path)}{end}", flush=True)


def live(text: str) -> None:
    """A progress line: rewritten in place on a terminal, shown only with V=1 otherwise."""
    if _tty():
        print(f"\r\033[K  …     {text[:100]}", end="", file=sys.stderr, flush=True)
    elif VERBOSE:
        print(f"  …     {text}", file=sys.stderr, flush=True)


def warn(text: str) -> None:
    clear = "\r\033[K" if _tty() else ""
    print(f"{clear}warning: {text}", file=sys.stderr, flush=True)
