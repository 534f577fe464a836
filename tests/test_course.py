"""The course at the repo root, built once (`course_built`): every deck, scene and trace it
has, found by globbing its folders, checked against course.yaml, never against the
course's own values. These tests hold after the edits the README invites: another year,
another learning rate, a new animation from the scaffold, a new deck."""

from __future__ import annotations

import difflib
import html
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from conftest import (
    COURSE_VIDEOS,
    REPO,
    assert_offline,
    attached_files,
    engine_at,
    front_matter,
    html_loads,
    level1_frames,
    link_count,
    movies,
    page_texts,
    pdf_pages,
    pdf_text,
    placed_videos,
    prose_lines,
    questions,
    squash,
)
from lecturemedia import config, paths
from lecturemedia.animations import computation, parameters, traces
from lecturemedia.animations.manim_scene import QUALITIES
from lecturemedia.decks import templating
from lecturemedia.project_copy import Project
from PIL import Image

DECKS = sorted(p.stem for p in (REPO / "slides_src").glob("*.md") if not re.search(r"[ :%]", p.stem))
SCENES = sorted(p.stem for p in (REPO / "scenes").glob("*.py") if p.stem != "common" and not p.stem.startswith("_"))
COMPUTATIONS = sorted(p.stem for p in (REPO / "computations").glob("*.py") if not p.stem.startswith("_"))
SIZE = (QUALITIES["preview"]["pixel_width"], QUALITIES["preview"]["pixel_height"])  # `make`'s


def course_yaml() -> config.Config:
    with engine_at(REPO):
        return config.load(REPO / "course.yaml")


def course_params(name: str) -> Any:
    with engine_at(REPO):
        return parameters.load(REPO / "course.yaml")[name]


def md(project: Project, deck: str) -> str:
    return project.path(f"build/md/{deck}.md").read_text(encoding="utf-8")


def meta(project: Project, deck: str) -> dict[str, Any]:
    """The deck's metadata as pandoc sees it: course.yaml's facts, then the deck's own."""
    facts = config.pandoc_metadata(course_yaml().course.model_dump(mode="json", exclude_none=True))
    return {**facts, **front_matter(md(project, deck))}


# ------------------------------------------------------------------ decks


def bare_pandoc_pages(project: Project, deck: str, scratch: Path) -> int:
    """The pages bare `pandoc -t beamer` makes of the deck's rendered Markdown, the engine's
    conventions taken out: a question (empty `##` + quote) is a block, not a slide; a video
    is a picture on its slide (bare pandoc cannot place an mp4)."""
    text = re.sub(r"(?m)^##[ \t]*\n(?=>)", "", md(project, deck))
    text = re.sub(r"(?m)^!\[[^\]]*\]\(videos/.*$", "", text)
    src = scratch / "slides_src"
    shutil.copytree(project.path("slides_src"), src)  # its images, found as bare pandoc finds them
    (src / f"{deck}.md").write_text(text, encoding="utf-8")
    level = meta(project, deck).get("slide-level")  # course.yaml's, or the deck's own
    args = [f"--slide-level={level}"] if level else []
    command = ["pandoc", "-t", "beamer", *args, f"{deck}.md", "-o", str(scratch / f"{deck}.pdf")]
    subprocess.run(command, cwd=src, check=True, capture_output=True)
    return pdf_pages(scratch / f"{deck}.pdf")


@pytest.mark.parametrize("deck", DECKS)
def test_every_deck_has_a_title_page_and_one_page_per_frame(course_built: Project, deck: str, tmp_path: Path) -> None:
    text, info = md(course_built, deck), meta(course_built, deck)
    if str(info.get("slide-level")) == "1":
        expected = level1_frames(text) + (1 if info.get("title") else 0) + (1 if info.get("toc") else 0)
    else:
        expected = bare_pandoc_pages(course_built, deck, tmp_path)
    assert pdf_pages(course_built.path(f"build/handouts/{deck}.pdf")) == expected
    if not re.search(r"(?m)^\. \. \.\s*$", "\n".join(prose_lines(text))):  # no pauses: no overlay pages
        assert pdf_pages(course_built.path(f"build/slides/{deck}.pdf")) == expected


@pytest.mark.parametrize("deck", DECKS)
def test_every_question_is_a_question_block(course_built: Project, deck: str) -> None:
    title = str(meta(course_built, deck).get("question-title") or "Pregunta")
    asked = questions(md(course_built, deck))
    text = pdf_text(course_built.path(f"build/slides/{deck}.pdf"))
    assert len(re.findall(rf"^\s*{re.escape(title)}\s*$", text, flags=re.M)) == asked
    html = course_built.path(f"build/html/{deck}.html").read_text(encoding="utf-8")
    assert html.count('class="pregunta"') == asked


@pytest.mark.parametrize("deck", DECKS)
def test_the_title_page_has_the_course_facts_of_course_yaml(course_built: Project, deck: str) -> None:
    info = meta(course_built, deck)
    first = re.sub(r"\s+", " ", page_texts(course_built.path(f"build/slides/{deck}.pdf"))[0])
    authors = info.get("author") or []
    for fact in [*(authors if isinstance(authors, list) else [authors]), info.get("date"), info.get("institute")]:
        if fact:
            assert re.sub(r"\s+", " ", str(fact)) in first, fact


@pytest.mark.parametrize("deck", DECKS)
def test_every_deck_sets_its_language_with_hyphenation(course_built: Project, deck: str) -> None:
    log = course_built.path(f"build/latex/slides/{deck}/deck.log").read_text(errors="replace")
    assert "No hyphenation patterns were preloaded" not in log
    lang = meta(course_built, deck).get("lang")
    if lang:
        babel = {"es": "spanish", "en": "english", "fr": "french", "de": "german", "pt": "portuguese"}
        assert babel.get(str(lang).split("-")[0], "").lower() in log.lower()


# ------------------------------------------------------------------ the numbers a deck quotes


class _Traces:
    def __init__(self, loaded: dict[str, traces.Trace]) -> None:
        self._loaded = loaded

    def __getattr__(self, name: str) -> traces.Trace:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._loaded[name]

    __getitem__ = __getattr__


def shifted(value: Any, by: float) -> Any:
    """Every float in a JSON value moved by `by` (ints, strings and lengths left alone)."""
    if isinstance(value, float):
        return value + by
    if isinstance(value, list):
        return [shifted(v, by) for v in value]
    if isinstance(value, dict):
        return {k: shifted(v, by) for k, v in value.items()}
    return value


def render_deck(project: Project, deck: str, loaded: dict[str, traces.Trace]) -> str:
    with engine_at(project.root):
        context = {
            "course": json.loads(project.path("build/config/course.json").read_text(encoding="utf-8")),
            "traces": _Traces(loaded),
            "video": templating.video_placer(paths.scene_names),
        }
        return templating.render(deck, context, templating.make_env(project.path("slides_src")))


NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
NOTES_OPEN = re.compile(r"^:{3,}\s*(?:notes|\{[^}]*\.notes\b[^}]*\})\s*$")


def notes_lines(md: str) -> set[int]:
    """The indices of a rendered deck's lines inside `::: notes` divs (speaker notes), fences included."""
    inside, depth, lines = set(), 0, prose_lines(md)
    for i, line in enumerate(lines):
        if depth == 0 and NOTES_OPEN.match(line):
            depth = 1
        elif depth and re.match(r"^:{3,}\s*\S", line):
            depth += 1  # a div inside the notes
        elif depth and re.fullmatch(r":{3,}\s*", line):
            depth -= 1
            inside.add(i)
            continue
        if depth:
            inside.add(i)
    return inside


def quoted_numbers(real: str, moved: str) -> list[tuple[list[str], bool]]:
    """Per line that differs between the two renders, the numbers only the real one has, and
    whether the line is in the speaker notes."""
    a, b = real.replace("−", "-").splitlines(), moved.replace("−", "-").splitlines()  # num's minus sign
    spoken = notes_lines(real)
    found = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag != "replace" or i2 - i1 != j2 - j1:
            continue
        for i, (line, other) in enumerate(zip(a[i1:i2], b[j1:j2], strict=True), i1):
            extra = Counter(NUMBER.findall(line)) - Counter(NUMBER.findall(other))
            numbers = [n for n in NUMBER.findall(line) if extra[n] > 0 and not extra.subtract([n])]
            if numbers:
                found.append((numbers, i in spoken))
    return found


def html_notes(page: Path) -> list[str]:
    """The text of each reveal.js speaker-notes aside of an HTML deck."""
    text = page.read_text(encoding="utf-8")
    asides = re.findall(r'<aside class="notes">(.*?)</aside>', text, flags=re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", a)).split()) for a in asides]


def in_order(needles: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(any(n == h for h in it) for n in needles)


@pytest.mark.parametrize("deck", DECKS)
def test_every_number_a_deck_quotes_from_a_trace_is_the_traces(course_built: Project, deck: str) -> None:
    """Render the deck with the built traces and again with every float in them moved: the
    numbers that move are the quoted ones; each must be in the PDF, on one page, in order."""
    with engine_at(course_built.root):
        read = sorted(templating.scan(deck, templating.make_env(course_built.path("slides_src"))).traces)
        loaded = {name: traces.load(name) for name in read}
    if not read:
        pytest.skip(f"{deck} quotes no trace")
    real = render_deck(course_built, deck, loaded)
    assert real == md(course_built, deck)  # the deck's Markdown is rendered from the current traces
    moved = None
    for by in (1000.25, 0.125):
        try:
            with engine_at(course_built.root):
                moved_traces = {
                    name: traces.Trace(
                        name,
                        t.provenance,
                        computation.load(name).result.model_validate(shifted(t.data.model_dump(mode="json"), by)),
                    )
                    for name, t in loaded.items()
                }
            moved = render_deck(course_built, deck, moved_traces)
            break
        except Exception:  # a template or a Result that cannot take moved numbers: try a smaller move
            continue
    if moved is None:
        pytest.skip(f"{deck}: cannot render with moved numbers")
    quoted = quoted_numbers(real, moved)
    assert quoted, f"{deck} reads {read} but quotes no number of them"
    pages = [
        NUMBER.findall(text.replace("−", "-")) for text in page_texts(course_built.path(f"build/slides/{deck}.pdf"))
    ]
    asides = html_notes(course_built.path(f"build/html/{deck}.html"))
    notes = [NUMBER.findall(text.replace("−", "-")) for text in asides]
    for numbers, spoken in quoted:  # the notes' numbers are not on the page: in the HTML's speaker notes
        assert any(in_order(numbers, where) for where in (notes if spoken else pages)), (numbers, spoken)


# ------------------------------------------------------------------ speaker notes


def notes_blocks(md: str) -> list[str]:
    """The text of each `::: notes` div of a rendered deck, in order."""
    inside, lines = notes_lines(md), md.splitlines()
    blocks: list[list[str]] = []
    for i in sorted(inside):
        if NOTES_OPEN.match(lines[i]):
            blocks.append([])
        elif not re.fullmatch(r":{3,}\s*", lines[i]):
            blocks[-1].append(lines[i])
    return ["\n".join(b) for b in blocks]


@pytest.mark.parametrize("deck", DECKS)
def test_every_frame_has_speaker_notes_that_read_aloud_and_stay_off_the_page(course_built: Project, deck: str) -> None:
    """Issue 20: every frame's notes are spoken in the narrated lecture (one caption a sentence):
    plain sentences, no lists, no math, no code; the PDF does not show them, the HTML keeps them."""
    text = md(course_built, deck)
    frames = level1_frames(text) if str(meta(course_built, deck).get("slide-level")) == "1" else None
    blocks = notes_blocks(text)
    if frames is not None:
        assert len(blocks) == frames, (
            f"slides_src/{deck}.md: {frames} frames, {len(blocks)} with speaker notes; the narrated lecture"
            " speaks each frame's notes: end every frame with a `::: notes` div (README, Speaker notes)"
        )
    assert len(html_notes(course_built.path(f"build/html/{deck}.html"))) == len(blocks)
    page = re.sub(r"(\w)- (\w)", r"\1\2", squash(pdf_text(course_built.path(f"build/slides/{deck}.pdf"))))  # hyphens
    for block in blocks:
        assert block.strip(), "empty notes"
        for paragraph in re.split(r"\n\s*\n", block.strip()):
            assert not re.search(r"(?m)^\s*(?:[-*+]|\d+[.)])\s", paragraph), paragraph  # a list
            assert not re.search(r"\$|`|\\[a-zA-Z]", paragraph), paragraph  # math, code or TeX
            assert re.search(r"[.?!]\s*$", paragraph), paragraph  # ends a sentence
        spoken = squash(block.strip())  # a frame's notes may repeat its text, not all of it
        assert spoken not in page, spoken


# ------------------------------------------------------------------ videos in the decks


@pytest.mark.parametrize("deck", DECKS)
def test_the_decks_link_play_and_carry_the_videos_they_place(course_built: Project, deck: str) -> None:
    videos = placed_videos(md(course_built, deck))
    pdf = course_built.path(f"build/slides/{deck}.pdf")
    assert movies(pdf) == [f"videos/{v}.mp4" for v in videos]
    for video in videos:
        assert (pdf.parent / "videos" / f"{video}.mp4").read_bytes() == course_built.path(
            f"{COURSE_VIDEOS}/{video}.mp4"
        ).read_bytes()
    carried = {f"{v}.mp4": course_built.path(f"{COURSE_VIDEOS}/{v}.mp4").read_bytes() for v in videos}
    assert attached_files(pdf) == carried  # for pdf.js, which follows no link to a file on disk
    handout = course_built.path(f"build/handouts/{deck}.pdf")
    assert movies(handout) == [] and link_count(handout) == 0 and attached_files(handout) == {}
    page = course_built.path(f"build/html/{deck}.html")
    loads = html_loads(page)
    assert [v["src"] for v in loads.videos] == [f"videos/{v}.mp4" for v in videos]
    assert_offline(page)


@pytest.mark.parametrize("deck", DECKS)
def test_tikz_pictures_show_in_the_html_as_svg(course_built: Project, deck: str) -> None:
    pictures = "\n".join(prose_lines(md(course_built, deck))).count("\\begin{tikzpicture}")
    svgs = [t for t in html_loads(course_built.path(f"build/html/{deck}.html")).loads if t.startswith("tikz/")]
    assert len(svgs) == pictures
    for svg in svgs:
        assert "<svg" in course_built.path(f"build/html/{svg}").read_text(errors="replace")


# ------------------------------------------------------------------ scenes


@pytest.mark.parametrize("scene", SCENES)
def test_every_scene_renders_a_video_of_the_preview_size_and_a_poster_that_shows_something(
    course_built: Project, scene: str
) -> None:
    with av.open(str(course_built.path(f"{COURSE_VIDEOS}/{scene}.mp4"))) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == SIZE
        assert container.duration is not None and container.duration / av.time_base > 1
    for png in sorted(course_built.path(COURSE_VIDEOS).glob(f"{scene}*.png")):
        image = np.asarray(Image.open(png).convert("RGB")).astype(int)
        assert image.shape[:2] == (SIZE[1], SIZE[0])
        background = np.median(image.reshape(-1, 3), axis=0)
        assert (np.abs(image - background).sum(axis=2) > 60).mean() > 0.005, png.name


# ------------------------------------------------------------------ traces


@pytest.mark.parametrize("name", COMPUTATIONS)
def test_every_trace_was_made_with_course_yamls_parameters(course_built: Project, name: str) -> None:
    wanted = course_params(name).model_dump(mode="json")
    with engine_at(course_built.root):
        trace = traces.load(name, params=wanted)
    assert trace.provenance.params == wanted


@pytest.mark.parametrize("name", COMPUTATIONS)
def test_running_a_computation_again_gives_the_same_bytes(course_built: Project, name: str) -> None:
    with engine_at(REPO):
        comp = computation.load(name)
        params = course_params(name)
        import torch

        torch.manual_seed(0)  # as lecturemedia.animations.compute seeds every run
        result = comp.run(params)
        again = traces.dumps(traces.envelope(name, params, comp.result.model_validate(result.model_dump())))
    assert again == course_built.path(f"build/traces/{name}.json").read_text(encoding="utf-8")
