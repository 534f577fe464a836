"""User-facing errors: a short message, a non-zero exit, no traceback."""

from __future__ import annotations

import errno
import functools
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from . import paths

T = TypeVar("T")


class UserError(Exception):
    """An error the user can fix; its message is shown as is."""


def friendly_main(main: Callable[[], T]) -> Callable[[], T]:
    """Run a CLI entry point, turning UserError into a short message and exit 1."""

    @functools.wraps(main)
    def wrapper() -> T:
        try:
            return main()
        except UserError as exc:
            report(str(exc))
        except OSError as exc:
            report(os_error(exc))
        except KeyboardInterrupt:
            raise SystemExit(130) from None
        raise SystemExit(1)

    return wrapper


def os_error(exc: OSError) -> str:
    """A failed read or write, as one line with what to do."""
    where = exc.filename or "a file"
    if exc.errno == errno.ENOSPC:
        free = disk_full() or "none when this step wrote"
        writing = f" (writing {exc.filename})" if exc.filename else ""
        return f"{FULL} ({free}){writing}: {FULL_FIX}"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {where}: {exc.strerror}; check the permissions of build/ (or remove it: make clean)"
    return f"{where}: {exc.strerror or exc}"


FULL_BELOW = 1 << 20  # bytes: a step that fails with less free space than this failed for lack of it
FULL = "build/ has no space left on its disk"
FULL_FIX = "free some space (make clean removes build/), then run make again"


def disk_full(folder: Path = paths.BUILD) -> str | None:
    """When the disk of build/ is (nearly) full, how much is left, said for a person; else None."""
    try:
        free = shutil.disk_usage(folder if folder.exists() else paths.ROOT).free
    except OSError:
        return None
    return f"{free // 1024} KB free" if free < FULL_BELOW else None


def report(message: str) -> None:
    """Print the error; under make, keep it too so the outer make repeats it last on screen.

    Whatever failed, a full disk is said first: a tool that cannot write says so in words of
    its own (pdflatex: "I can't write on file"), or not at all."""
    full = disk_full()
    if full and FULL not in message:
        message = f"{FULL} ({full}): {FULL_FIX}\n  the step that failed said: {message}"
    text = f"error: {message}"
    folder = os.environ.get("LECTURE_ERRORS")
    if folder:
        kept = Path(folder) / f"{os.getpid()}.txt"
        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_text(text + "\n", encoding="utf-8")
            return
        except OSError:
            kept.unlink(missing_ok=True)  # half-written on a full disk: say it here instead
    print(text, file=sys.stderr)
