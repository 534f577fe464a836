"""User-facing errors: a short message, a non-zero exit, no traceback."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
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
            print(f"error: {exc}", file=sys.stderr)
            raise SystemExit(1) from None
        except KeyboardInterrupt:
            raise SystemExit(130) from None

    return wrapper
