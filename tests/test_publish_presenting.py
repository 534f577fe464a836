"""What a presenter gets (issue: presenting): the link under each poster for viewers without
movies, the poster (first frame) and the handout's last frame, the captions, the archives."""

from __future__ import annotations

import base64
import json
import re
import zipfile

import numpy as np
from conftest import VIDEOS, attached_files
from lecturemedia.project_copy import Project
from PIL import Image
from pypdf import PdfReader


def annotations(pdf: str, project: Project) -> list[dict[str, object]]:
    found = []
    for page in PdfReader(project.path(pdf)).pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            action = annot.get("/A")
            found.append(
                {
                    "subtype": str(annot.get("/Subtype")),
                    "uri": str(action.get_object().get("/URI")) if action else None,
                    "rect": [float(x) for x in annot["/Rect"]],
                }
            )
    return found


def test_under_each_poster_a_link_to_the_mp4_for_viewers_without_movies(fixture_built: Project) -> None:
    found = annotations("build/slides/alpha.pdf", fixture_built)
    movie = next(a for a in found if a["subtype"] == "/Movie")
    link = next(a for a in found if a["subtype"] == "/Link" and a["uri"] == "videos/descent.mp4")
    assert link["rect"][3] <= movie["rect"][1] + 1  # below the poster, not over it
    text = fixture_built.path("build/slides/alpha.pdf")
    assert "videos/descent.mp4" in " ".join(PdfReader(text).pages[4].extract_text().split())


def test_the_pdf_carries_each_video_and_its_poster_links_to_that_copy(fixture_built: Project) -> None:
    """For pdf.js, which follows no link to a file on disk: the poster saves the PDF's own copy."""
    attached = attached_files(fixture_built.path("build/slides/alpha.pdf"))
    assert attached == {"descent.mp4": fixture_built.path("build/slides/videos/descent.mp4").read_bytes()}
    reader = PdfReader(fixture_built.path("build/slides/alpha.pdf"))
    assert any(a["subtype"] == "/Movie" for a in annotations("build/slides/alpha.pdf", fixture_built))
    for page in reader.pages:
        annots = [a.get_object() for a in page.get("/Annots") or []]
        movies = [a for a in annots if a.get("/Subtype") == "/Movie"]
        for movie in movies:
            mx0, my0, mx1, my1 = (float(x) for x in movie["/Rect"])
            to_copy = [
                a for a in annots if a.get("/A", {}).get("/S") == "/GoToE"
                and a["/A"]["/T"]["/N"] == "descent.mp4" and a["/A"]["/T"]["/R"] == "/C"
            ]  # fmt: skip
            assert len(to_copy) == 1
            x0, y0, x1, y1 = (float(x) for x in to_copy[0]["/Rect"])
            assert x0 <= mx0 and y0 <= my0 and x1 >= mx1 and y1 >= my1  # the whole poster
            assert annots.index(to_copy[0]) > annots.index(movie)
    assert attached_files(fixture_built.path("build/handouts/alpha.pdf")) == {}


def test_the_handout_has_no_link_and_shows_the_last_frame(fixture_built: Project) -> None:
    found = annotations("build/handouts/alpha.pdf", fixture_built)
    assert not [a for a in found if a["subtype"] in ("/Movie", "/Link")]
    first = np.asarray(Image.open(fixture_built.path(f"{VIDEOS}/descent.png")).convert("RGB")).astype(float)
    last = np.asarray(Image.open(fixture_built.path(f"{VIDEOS}/descent-end.png")).convert("RGB")).astype(float)
    assert np.abs(first - last).mean() > 5  # the title card and the end are different pictures
    assert fixture_built.path("build/handouts/videos/descent-end.png").read_bytes() == fixture_built.path(
        f"{VIDEOS}/descent-end.png"
    ).read_bytes()


def test_the_video_opens_on_its_poster(fixture_built: Project) -> None:
    """Pressing play starts from the picture on the slide: the poster is the first frame."""
    import av

    with av.open(str(fixture_built.path(f"{VIDEOS}/descent.mp4"))) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24").astype(float)
    poster = np.asarray(Image.open(fixture_built.path(f"{VIDEOS}/descent.png")).convert("RGB")).astype(float)
    assert frame.shape == poster.shape
    assert np.abs(frame - poster).mean() < 6  # the same picture, but for the encoder's loss
    assert poster.std() > 5  # and not a black frame


def cues(vtt: str) -> list[tuple[str, str, str]]:
    return re.findall(r"^(\d\d:\d\d:\d\d\.\d\d\d) --> (\d\d:\d\d:\d\d\.\d\d\d)\n(.+)$", vtt, flags=re.M)


def test_captions_as_a_track_in_the_html_and_an_srt_beside_the_mp4(fixture_built: Project) -> None:
    html = fixture_built.path("build/html/alpha.html").read_text(encoding="utf-8")
    lang = json.loads(fixture_built.path("build/config/course.json").read_text(encoding="utf-8"))["lang"]
    track = re.search(r"<track [^>]*>", html)
    assert track and 'kind="captions"' in track.group(0) and f'srclang="{lang}"' in track.group(0)
    src = re.search(r'src="data:text/vtt;base64,([^"]+)"', track.group(0))  # inline: it loads from disk too
    assert src
    vtt = base64.b64decode(src.group(1)).decode("utf-8")
    assert vtt == fixture_built.path("build/html/videos/descent.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT")
    found = cues(vtt)
    assert len(found) >= 2  # the title card's and at least one the scene says
    assert all(start < end for start, end, _ in found)
    assert "Descenso de gradiente" in " ".join(text for _, _, text in found)
    srt = fixture_built.path("build/slides/videos/descent.srt").read_text(encoding="utf-8")
    assert srt.count(" --> ") == len(found)


def test_make_dist_makes_one_archive_per_output_named_after_the_course(fixture_rebuilt: Project) -> None:
    fixture_built = fixture_rebuilt  # a copy: the shared build is never written to (other tests copy it)
    fixture_built.make("dist")
    course = json.loads(fixture_built.path("build/config/course.json").read_text(encoding="utf-8"))["course"]
    decks = sorted(p.stem for p in fixture_built.path("slides_src").glob("*.md"))
    expected = {
        "slides": [*(f"{d}.pdf" for d in decks), "videos/descent.mp4", "videos/descent.png", "videos/descent.srt"],
        "handouts": [*(f"{d}.pdf" for d in decks), "videos/descent-end.png"],
        "html": [*(f"{d}.html" for d in decks), "videos/descent.mp4", "videos/descent.vtt", "reveal.js/dist/reveal.js"],
    }
    for output, files in expected.items():
        archive = fixture_built.path(f"build/dist/{course}-{output}.zip")
        with zipfile.ZipFile(archive) as zf:
            names = set(zf.namelist())
            assert zf.testzip() is None
        for name in files:
            assert f"{course}-{output}/{name}" in names, (output, name)
        assert not [n for n in names if "/." in n], "no hidden files"
