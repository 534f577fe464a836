"""The lectures in the course's order: `site: lectures:` in course.yaml first, the decks it
does not name after them in file-name order (a new deck appears without an edit)."""

from __future__ import annotations

import json

from ... import paths
from ...errors import UserError


def ordered(decks: list[str], wanted: list[str], where: str = "course.yaml") -> list[str]:
    """`wanted` first (each a deck), then the remaining decks sorted by name."""
    unknown = [name for name in wanted if name not in decks]
    if unknown:
        raise UserError(
            f"{where}: site.lectures names {unknown[0]!r}, which is no deck (slides_src/{unknown[0]}.md); "
            f"the decks are: {', '.join(sorted(decks)) or '(none)'}"
        )
    first = list(dict.fromkeys(wanted))
    return first + sorted(d for d in decks if d not in first)


def course_order(decks: list[str]) -> list[str]:
    """The order of build/config/site.json (written from course.yaml by `lecturemedia.config split`)."""
    site_file = paths.CONFIG_DIR / "site.json"
    site = json.loads(site_file.read_text(encoding="utf-8")) if site_file.is_file() else {}
    line = site.get("line")
    where = f"{paths.rel(paths.CONFIG_FILE)}:{line}" if line else paths.rel(paths.CONFIG_FILE)
    return ordered(decks, list(site.get("lectures") or []), where)
