"""python -m lecturemedia.decks.pptx: the steps `make pptx` runs (the package's docstring says which)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ... import paths
from ...errors import friendly_main
from .build import build
from .captions import burn_captions
from .reference import make_reference


@friendly_main
def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m lecturemedia.decks.pptx",
        description=sys.modules[__package__].__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("step", choices=["deck", "captions", "reference"])
    parser.add_argument("name")
    parser.add_argument("--videos", default="build/videos", help="where the rendered videos are (captions)")
    args = parser.parse_args()
    if args.step == "deck":
        build(args.name)
    elif args.step == "captions":
        burn_captions(args.name, paths.ROOT / args.videos)
    else:
        make_reference(Path(args.name))


if __name__ == "__main__":
    sys.exit(main())
