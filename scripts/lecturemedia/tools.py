"""External programs: find them, or say in one line how to install them."""

from __future__ import annotations

import shutil

from .errors import UserError

# program -> Debian package that provides it
DEBIAN_PACKAGE = {
    "pandoc": "pandoc",
    "pdflatex": "texlive-latex-recommended",
    "pdftotext": "poppler-utils",
    "pdftocairo": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "dvisvgm": "dvisvgm",
}


def require(program: str) -> str:
    """The full path of `program`, or a UserError naming it and its package."""
    found = shutil.which(program)
    if found is None:
        package = DEBIAN_PACKAGE.get(program, program)
        raise UserError(f"{program} is not installed; run `make setup` (or `apt-get install {package}`)")
    return found
