"""A deck's frames as the lecture shows them: one per page of its handout (the Beamer PDF with
one page per frame, \\pause overlays merged), each with its title, its speaker notes as text and
the animations it places, at their place on the page.

The PDF and the rendered Markdown (build/md/<deck>.md, templated as the deck is) are joined by
the frames' labels: pandoc gives each titled frame a hypertarget named by its heading's id, which
the PDF keeps as a named destination on that frame's page.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader

from ... import paths
from ...errors import UserError
from ...tools import require

VIDEO_SRC = re.compile(r"^(?:\./)?videos/(\w+)\.mp4$")
NOTE_BREAK = "LECTUREMEDIANOTEBREAK"


@dataclass
class Placement:
    """An animation on its frame's page, in PDF points from the page's top-left corner."""

    video: str
    x: float
    y: float
    width: float
    height: float


@dataclass
class Frame:
    number: int  # 1-based, the page of the handout
    title: str
    label: str = ""  # the frame's id (its heading's), "" for the title page, outline, section pages
    notes: str = ""
    videos: list[str] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)


@dataclass
class Deck:
    name: str
    page_width: float  # points
    page_height: float
    frames: list[Frame]


def latex_label(identifier: str) -> str:
    """The name pandoc's LaTeX writer gives a heading's id (its hypertarget, the PDF's destination):
    ASCII letters, digits and `_-+=:;.` kept, every other character `ux` and its code in hex."""
    return "".join(
        c if (c.isascii() and c.isalnum()) or c in "_-+=:;." else f"ux{ord(c):x}" for c in identifier
    )


def _stringify(inlines: list[dict[str, Any]]) -> str:
    out = []
    for node in inlines:
        kind, content = node.get("t"), node.get("c")
        if kind == "Str":
            out.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif kind in ("Math", "Code", "RawInline"):
            out.append(content[1])
        elif isinstance(content, list):
            inner = content[-1] if kind in ("Link", "Image", "Span", "Quoted", "Cite") else content
            if isinstance(inner, list) and inner and isinstance(inner[0], dict):
                out.append(_stringify(inner))
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _walk(blocks: Any, visit: Any) -> None:
    """Visit every element in document order; `visit` returns True to skip an element's inside."""
    if isinstance(blocks, list):
        for item in blocks:
            _walk(item, visit)
    elif isinstance(blocks, dict) and "t" in blocks and not visit(blocks):
        _walk(blocks.get("c"), visit)


Section = tuple[str, list[Any], list[dict[str, Any]], list[str]]  # a heading: id, title's inlines, notes, videos


def read_markdown(md: Path, shown: str) -> tuple[dict[str, Any], list[Section]]:
    """The deck's metadata and, in order, each heading: (id, title, notes blocks, videos)."""
    from ...decks import pandoc

    text = md.read_text(encoding="utf-8")
    reader = pandoc.reader(pandoc.metadata(text), shown)
    proc = subprocess.run(
        [require("pandoc"), "-f", reader, "-t", "json"], input=text, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise UserError(f"{shown}: pandoc cannot read the deck: {proc.stderr.strip()}")
    doc = json.loads(proc.stdout)
    meta = pandoc.metadata(text)
    sections: list[Section] = []

    def visit(node: dict[str, Any]) -> bool:
        kind, content = node["t"], node.get("c")
        if kind == "Header":
            sections.append((content[1][0], content[2], [], []))
            return True
        if kind == "Div" and "notes" in content[0][1]:
            if sections:
                sections[-1][2].extend(content[1])
            return True
        if kind == "Image":
            found = VIDEO_SRC.match(content[2][0])
            if found and sections:
                sections[-1][3].append(found.group(1))
        return False

    _walk(doc["blocks"], visit)
    return meta, sections


def plain_texts(groups: list[list[dict[str, Any]]], api: list[int]) -> list[str]:
    """Each group of pandoc blocks as plain text, one pandoc run for all."""
    if not groups:
        return []
    blocks: list[dict[str, Any]] = []
    for group in groups:
        blocks += [*group, {"t": "Para", "c": [{"t": "Str", "c": NOTE_BREAK}]}]
    doc = {"pandoc-api-version": api, "meta": {}, "blocks": blocks}
    proc = subprocess.run(
        [require("pandoc"), "-f", "json", "-t", "plain", "--wrap=none"],
        input=json.dumps(doc),
        capture_output=True,
        text=True,
        check=True,
    )
    parts = proc.stdout.split(NOTE_BREAK)[: len(groups)]
    # pandoc's plain math spaces its operators with thin Unicode spaces: plain ones read and show alike
    return [re.sub(r"[\s\u2000-\u200a\u202f]+", " ", part).strip() for part in parts]


def _pandoc_api() -> list[int]:
    out = subprocess.run(
        [require("pandoc"), "-f", "markdown", "-t", "json"], input="", capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)["pandoc-api-version"]


def _image_placements(page: Any) -> list[tuple[str, list[float]]]:
    """The images drawn on a page: their XObject names and matrices, in drawing order."""
    found: list[tuple[str, list[float]]] = []

    def before(op: bytes, args: list[Any], cm: list[float], tm: list[float]) -> None:
        if op == b"Do" and args:
            found.append((str(args[0]), list(cm)))

    page.extract_text(visitor_operand_before=before)
    return found


def _same_picture(a: Image.Image, b: Image.Image) -> bool:
    if a.size != b.size:
        return False
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    return max(ImageStat.Stat(diff).mean) < 6


def place_videos(page: Any, videos: list[str], ends: Path, page_height: float) -> list[Placement]:
    """Where each animation's picture (in the handout, its last frame: `<video>-end.png`) is drawn."""
    xobjects = page.get("/Resources", {}).get("/XObject", {})
    drawn = _image_placements(page)
    placements = []
    for video in videos:
        end_png = ends / f"{video}-end.png"
        if not end_png.exists():
            continue
        with Image.open(end_png) as im:
            end = im.copy()
        for name, cm in drawn:
            obj = xobjects.get(name)
            obj = obj.get_object() if obj is not None else None
            if obj is None or obj.get("/Subtype") != "/Image" or (obj.get("/Width"), obj.get("/Height")) != end.size:
                continue
            picture = next((i.image for i in page.images if i.name.lstrip("/").split(".")[0] == name.lstrip("/")), None)
            if picture is not None and _same_picture(picture, end):
                a, _, _, d, e, f = cm
                placements.append(Placement(video, e, page_height - f - d, a, d))
                break
    return placements


def read_deck(name: str, pdf: Path, md: Path, ends: Path) -> Deck:
    """The deck's frames from its handout `pdf` and rendered Markdown `md`; `ends`: the videos' folder."""
    shown = paths.rel(paths.SLIDES_SRC / f"{name}.md")
    if not pdf.exists():
        raise UserError(f"{paths.rel(pdf)} is missing: run `make lecture` (it makes the handout first)")
    reader = PdfReader(str(pdf))
    box = reader.pages[0].mediabox
    width, height = float(box.width), float(box.height)
    labels: dict[str, int] = {}
    for dest_name, dest in reader.named_destinations.items():
        try:
            labels.setdefault(str(dest_name), reader.get_destination_page_number(dest) + 1)
        except Exception:  # a destination that names no page of this file
            continue
    outline_titles: dict[int, str] = {}
    for item in reader.outline:
        if not isinstance(item, list):
            outline_titles.setdefault(reader.get_destination_page_number(item) + 1, str(item.title))

    meta, sections = read_markdown(md, shown)
    deck_title = str(meta.get("title") or name)
    if meta.get("toc"):  # pandoc's outline frame comes right after the title page
        outline_titles.setdefault(2, str(meta.get("toc-title") or "Índice"))
    frames = [Frame(n, "") for n in range(1, len(reader.pages) + 1)]
    notes_of: dict[int, list[dict[str, Any]]] = {}
    titles_of: dict[int, list[Any]] = {}
    page = 0  # the frame the headings so far are on: a block's heading (## under a # frame) is on its frame's
    for label, title, notes, videos in sections:
        target = latex_label(label)
        page = labels.get(target, page) if label else page
        if not page:
            continue  # before the first frame: nothing of it is shown
        frame = frames[page - 1]
        if not frame.label and label and target in labels:
            frame.label, titles_of[page] = label, title
        notes_of.setdefault(page, []).extend(notes)
        frame.videos += videos
    # The titles and notes as plain text (math as Unicode: x², η), one pandoc run for all.
    pages, titled = sorted(notes_of), sorted(titles_of)
    groups = [notes_of[p] for p in pages] + [[{"t": "Plain", "c": titles_of[p]}] for p in titled]
    texts = plain_texts(groups, _pandoc_api())
    for i, page in enumerate(pages):
        frames[page - 1].notes = texts[i]
    for i, page in enumerate(titled):
        frames[page - 1].title = texts[len(pages) + i] or _stringify(titles_of[page])
    for frame in frames:
        if not frame.title:
            frame.title = outline_titles.get(frame.number) or (deck_title if frame.number == 1 else "")
        if not frame.title:
            text = reader.pages[frame.number - 1].extract_text() or ""
            frame.title = next((line.strip() for line in text.splitlines() if line.strip()), f"{frame.number}")
        if frame.videos:
            frame.placements = place_videos(reader.pages[frame.number - 1], frame.videos, ends, height)
            missing = sorted(set(frame.videos) - {p.video for p in frame.placements})
            if missing:
                raise UserError(
                    f"{shown}: frame {frame.number} ({frame.title}): the lecture cannot find where "
                    f"{', '.join(missing)} is drawn in {paths.rel(pdf)}; run `make clean lecture`"
                )
    return Deck(name, width, height, frames)
