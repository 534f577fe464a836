"""User-facing errors: a short message, a non-zero exit, no traceback."""

from __future__ import annotations

import errno
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

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
        return f"no space left on the disk while writing {where}: free some space and run make again"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {where}: {exc.strerror}; check the permissions of build/ (or remove it: make clean)"
    return f"{where}: {exc.strerror or exc}"


def report(message: str) -> None:
    """Print the error; under make, keep it too so the outer make repeats it last on screen."""
    text = f"error: {message}"
    folder = os.environ.get("LECTURE_ERRORS")
    if folder:
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
            (Path(folder) / f"{os.getpid()}.txt").write_text(text + "\n", encoding="utf-8")
            return
        except OSError:
            pass
    print(text, file=sys.stderr)
