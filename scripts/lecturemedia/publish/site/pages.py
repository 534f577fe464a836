"""The site's pages from Jinja templates (templates/ beside this module), HTML-escaped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
ASSETS = Path(__file__).parent / "assets"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["size"] = human_size
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def human_size(path: Path) -> str:
    """A file's size as a student reads it: 3,4 MB, 820 kB."""
    size = path.stat().st_size
    if size >= 1_000_000:
        return f"{size / 1e6:.1f} MB".replace(".", ",")
    return f"{max(1, round(size / 1e3))} kB"
