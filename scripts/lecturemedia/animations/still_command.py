"""`make still`: one frame of a scene, from a warm still worker when one answers.

    python -m lecturemedia.animations.still_command NAME [--at SECONDS] [--quality preview|final|test]

The request is checked first (a typo leaves no worker behind). A worker that answers makes
the still; otherwise it is made here, and a worker is left behind for the next one.
"""

from __future__ import annotations

import os
import sys

from ..errors import friendly_main
from . import still, still_worker


@friendly_main
def main() -> None:
    name, quality, at = still.request(sys.argv[1:])
    if not os.environ.get(still_worker.HERE):
        status = still_worker.ask(sys.argv[1:])  # a worker keeps Manim imported
        if status is not None:
            sys.exit(status)
        still_worker.leave_behind()  # for the next still, warming up beside this one
    still.grab(name, quality, at)


if __name__ == "__main__":
    sys.exit(main())
