"""Engine: videos inside the fixture course's decks (PDF, handout, HTML), offline HTML,
the numbers a deck quotes from a trace, what a trace parameter edit rebuilds, and deleted
generated folders made again."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import (
    FIXTURE,
    VIDEOS,
    assert_offline,
    engine_at,
    html_loads,
    link_count,
    movies,
    page_texts,
    pdf_pages,
    placed_videos,
    squash,
)
from lecturemedia.animations import traces
from lecturemedia.numbers import num
from lecturemedia.project_copy import Project
from pypdf import PdfReader

DECKS = sorted(p.stem for p in (FIXTURE / "slides_src").glob("*.md"))
INTERMEDIATE = ("build/config/", "build/md/", "build/deps/", "build/latex/", "build/logs/", "build/manim/")


def placed(project: Project, deck: str) -> list[str]:
    return placed_videos(project.path(f"build/md/{deck}.md").read_text(encoding="utf-8"))


def test_alpha_places_the_fixtures_video_and_beta_none(fixture_built: Project) -> None:
    assert placed(fixture_built, "alpha") == ["descent"]
    assert placed(fixture_built, "beta") == []


@pytest.mark.parametrize("deck", DECKS)
def test_the_pdf_links_each_video_it_places_and_has_it_beside_it(fixture_built: Project, deck: str) -> None:
    pdf = fixture_built.path(f"build/slides/{deck}.pdf")
    videos = placed(fixture_built, deck)
    assert movies(pdf) == [f"videos/{v}.mp4" for v in videos]
    for video in videos:
        beside = pdf.parent / "videos" / f"{video}.mp4"
        assert beside.read_bytes() == fixture_built.path(f"{VIDEOS}/{video}.mp4").read_bytes()
        assert (pdf.parent / "videos" / f"{video}.png").is_file()  # the poster on the page


@pytest.mark.parametrize("deck", DECKS)
def test_the_handout_has_the_same_pages_and_no_link(fixture_built: Project, deck: str) -> None:
    handout = fixture_built.path(f"build/handouts/{deck}.pdf")
    assert movies(handout) == [] and link_count(handout) == 0
    assert pdf_pages(handout) == pdf_pages(fixture_built.path(f"build/slides/{deck}.pdf"))
    if placed(fixture_built, deck):
        pages = page_texts(handout)
        at = next(i for i, text in enumerate(pages) if "Going down" in text)  # the video's caption
        assert len(PdfReader(handout).pages[at].images) == 1  # its picture, unlinked


@pytest.mark.parametrize("deck", DECKS)
def test_the_html_plays_the_videos_inline_and_works_offline(fixture_built: Project, deck: str) -> None:
    page = fixture_built.path(f"build/html/{deck}.html")
    loads = html_loads(page)
    assert [v["src"] for v in loads.videos] == [f"videos/{v}.mp4" for v in placed(fixture_built, deck)]
    assert all("controls" in v for v in loads.videos)
    assert_offline(page)


def test_the_html_sets_math_as_mathml(fixture_built: Project) -> None:
    assert "<math" in fixture_built.path("build/html/beta.html").read_text(encoding="utf-8")


def descent_line(project: Project) -> str:
    """What alpha should say, from the trace in `project`."""
    with engine_at(project.root):
        data = traces.load("descent").data
    return (
        f"Start at w = {num(data.history_w[0])}, end at w = {num(data.history_w[-1], 3)} after {len(data.grads)} steps."
    )


def test_the_deck_quotes_the_traces_numbers(fixture_built: Project) -> None:
    assert descent_line(fixture_built) in squash("".join(page_texts(fixture_built.path("build/slides/alpha.pdf"))))


def test_a_trace_parameter_edit_rebuilds_its_trace_video_and_the_decks_that_quote_it(
    fixture_rebuilt: Project,
) -> None:
    before = descent_line(fixture_rebuilt)
    fixture_rebuilt.edit("course.yaml", lambda s: re.sub(r"(?m)^(\s+lr:).*$", r"\1 0.35", s, count=1))
    changed = {p for p in fixture_rebuilt.changed_by_make("all") if not p.startswith(INTERMEDIATE)}
    changed -= {p for p in changed if p.startswith("build/.digests/")}
    needed = {
        "build/traces/descent.json",
        f"{VIDEOS}/descent.mp4",
        "build/slides/alpha.pdf",
        "build/handouts/alpha.pdf",
        "build/html/alpha.html",
        "build/slides/videos/descent.mp4",
        "build/html/videos/descent.mp4",
    }
    assert needed <= changed
    allowed = re.compile(
        r"build/(\.lock|traces/\.?descent\.\w+|(\w+/)?videos/(\w+/)?descent[.-][\w.]+|(slides|handouts|html|pptx)/alpha\.\w+)"
    )
    assert [p for p in changed if not allowed.fullmatch(p)] == []  # beta, reveal.js, …: untouched
    after = descent_line(fixture_rebuilt)
    assert after != before
    assert after in squash("".join(page_texts(fixture_rebuilt.path("build/slides/alpha.pdf"))))


def test_a_deleted_reveal_js_is_copied_again(fixture_rebuilt: Project) -> None:
    shutil.rmtree(fixture_rebuilt.path("build/html/reveal.js"))
    fixture_rebuilt.make("html")
    for deck in DECKS:
        assert_offline(fixture_rebuilt.path(f"build/html/{deck}.html"))


def test_deleted_videos_beside_the_slides_are_copied_again(fixture_rebuilt: Project) -> None:
    shutil.rmtree(fixture_rebuilt.path("build/slides/videos"))
    fixture_rebuilt.make("slides")
    for deck in DECKS:
        pdf = fixture_rebuilt.path(f"build/slides/{deck}.pdf")
        for target in movies(pdf):
            assert (pdf.parent / target).is_file(), target
    assert fixture_rebuilt.path("build/slides/videos/descent.png").is_file()


def test_the_first_make_html_of_a_fresh_clone_works_offline(fixture_fresh: Project) -> None:
    link = fixture_fresh.path("node_modules")
    if link.is_symlink():
        link.unlink()  # as in a fresh clone: npm ci installs reveal.js during the build
    fixture_fresh.make("html", env={"npm_config_prefer_offline": "true"})
    for deck in DECKS:
        assert_offline(fixture_fresh.path(f"build/html/{deck}.html"))
