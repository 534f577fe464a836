"""What a lecture is made of, read from its rendered deck (build/md/<deck>.md): its title and
subtitle, the animations it places (video(...)) and the lab notebooks it names (labs/<name>.ipynb)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ... import paths
from ...decks.pandoc import front_matter
from ...errors import UserError

# What video(...) writes into the Markdown (decks/templating.video_placer).
PLACED = re.compile(r"!\[([^\]]*)\]\(videos/(\w+)\.mp4\)\{[^}]*\.animation")
# A lab named anywhere in the deck: `labs/<name>.ipynb`, as a link, a path in code or text.
LAB = re.compile(r"(?<![\w/.-])(?:\.\./)?labs/([\w.-]+?)\.ipynb\b")
LABS = paths.ROOT / "labs"


@dataclass(frozen=True)
class Animation:
    name: str
    caption: str  # the caption the deck gives it, or "" (the page then names it by its title card)


@dataclass(frozen=True)
class Lecture:
    name: str  # the deck: slides_src/<name>.md
    title: str
    subtitle: str = ""
    animations: tuple[Animation, ...] = ()
    labs: tuple[str, ...] = field(default=())


def _plain(value: object) -> str:
    """A title as text: Markdown emphasis and code marks dropped."""
    text = " ".join(str(value).split()) if value is not None else ""
    return re.sub(r"[*_`]+", "", text)


def parse(name: str, text: str) -> Lecture:
    """The lecture of a rendered deck's Markdown."""
    meta = front_matter(text)  # as pandoc reads it
    animations: dict[str, Animation] = {}
    for caption, video in PLACED.findall(text):
        animations.setdefault(video, Animation(video, _plain(caption)))
    labs = list(dict.fromkeys(LAB.findall(text)))
    return Lecture(
        name=name,
        title=_plain(meta.get("title")) or name,
        subtitle=_plain(meta.get("subtitle")),
        animations=tuple(animations.values()),
        labs=tuple(labs),
    )


def read(name: str) -> Lecture:
    md = paths.BUILD / "md" / f"{name}.md"
    if not md.is_file():
        raise UserError(f"{paths.rel(md)} is missing; run `make site` (it is made from slides_src/{name}.md)")
    lecture = parse(name, md.read_text(encoding="utf-8"))
    source = paths.SLIDES_SRC / f"{name}.md"
    for lab in lecture.labs:
        notebook = lab_source(lab)
        if not notebook.is_file():
            raise UserError(
                f"{_where(source, f'labs/{lab}.ipynb')}: the deck names the lab labs/{lab}.ipynb, which is not there; "
                f"put the notebook in {paths.rel(LABS)}/ or correct the name"
            )
        if not paths.inside(notebook):  # a link that leads out
            raise UserError(
                f"{_where(source, f'labs/{lab}.ipynb')}: labs/{lab}.ipynb leads outside the project "
                f"({notebook.resolve()}); the site publishes only the project's files: copy the notebook in"
            )
    return lecture


def lab_source(name: str) -> Path:
    return paths.ROOT / "labs" / f"{name}.ipynb"


def _where(source: Path, needle: str) -> str:
    try:
        lines = source.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return paths.rel(source)
    line = next((i for i, text in enumerate(lines, 1) if needle in text), None)
    return f"{paths.rel(source)}:{line}" if line else paths.rel(source)
