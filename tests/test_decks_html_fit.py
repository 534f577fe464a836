"""The HTML decks in a real browser (headless Chromium): a slide taller than the screen is
shrunk to fit, none is left overflowing, and phones may zoom."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lecturemedia.project_copy import Project

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs it)")


def rendered_dom(page: Path, size: str = "1280,720") -> str:
    """The page's DOM after its scripts ran, as Chromium has it."""
    args = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--window-size={size}",
        "--virtual-time-budget=5000",
        "--dump-dom",
        page.as_uri(),
    ]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120, check=True)
    return out.stdout


def beside(page: Path, tmp_path: Path, text: str) -> Path:
    """A variant of a built page, in a folder of links to what the page's folder holds (its
    videos/, reveal.js/): the shared build itself is never written to, as other tests copy it."""
    folder = tmp_path / "html"
    folder.mkdir()
    for entry in page.parent.iterdir():
        (folder / entry.name).symlink_to(entry)
    probe = folder / f"probe-{page.name}"
    probe.write_text(text, encoding="utf-8")
    return probe


def sections(dom: str) -> list[str]:
    return re.findall(r"<section\b[^>]*>", dom)


@pytest.mark.parametrize("size", ["1280,720", "1920,1080"])
def test_a_slide_too_tall_is_shrunk_and_none_overflows(fixture_built: Project, size: str) -> None:
    dom = rendered_dom(fixture_built.path("build/html/beta.html"), size)
    checked = re.search(r'data-fit-checked="(\d+)"', dom)
    assert checked and int(checked.group(1)) == len([s for s in sections(dom) if "stack" not in s])
    fitted = [s for s in sections(dom) if "data-fitted" in s]
    assert any("too-tall" in s for s in fitted), fitted  # the fixture's long list
    assert not [s for s in sections(dom) if "data-overflow" in s]


def test_every_course_deck_fits(course_built: Project) -> None:
    for page in sorted(course_built.path("build/html").glob("*.html")):
        dom = rendered_dom(page)
        assert "data-fit-checked" in dom, page.name
        assert not [s for s in sections(dom) if "data-overflow" in s], page.name


def test_phones_may_zoom(fixture_built: Project) -> None:
    html = fixture_built.path("build/html/beta.html").read_text(encoding="utf-8")
    viewport = re.search(r'<meta name="viewport"[^>]*>', html)
    assert viewport and "user-scalable=no" not in viewport.group(0) and "maximum-scale" not in viewport.group(0)


HEADING_CASE = """<script>
window.addEventListener('load', function () {
  var seen = {};
  document.querySelectorAll('.reveal h1, .reveal h2, .reveal h3').forEach(function (h) {
    seen[getComputedStyle(h).textTransform] = true;
  });
  document.body.setAttribute('data-heading-case', Object.keys(seen).sort().join(' '));
});
</script>
"""


def test_titles_keep_their_case(fixture_built: Project, tmp_path: Path) -> None:
    """reveal.js's theme sets headings in capitals, which spreads the math in them; ours do not."""
    page = fixture_built.path("build/html/beta.html")
    probe = beside(page, tmp_path, page.read_text(encoding="utf-8") + HEADING_CASE)
    case = re.search(r'data-heading-case="([^"]*)"', rendered_dom(probe))
    assert case and case.group(1) == "none"


CUE_COUNT = """<script>
window.addEventListener('load', function () {
  var track = document.querySelector('video').textTracks[0];
  track.mode = 'showing';
  setTimeout(function () {
    document.body.setAttribute('data-cues', String(track.cues ? track.cues.length : -1));
  }, 1500);
});
</script>
"""


def test_captions_load_from_a_page_opened_from_disk(fixture_built: Project, tmp_path: Path) -> None:
    """Browsers refuse a .vtt file beside a file:// page: the track must still load."""
    page = fixture_built.path("build/html/alpha.html")
    probe = beside(page, tmp_path, page.read_text(encoding="utf-8") + CUE_COUNT)
    cues = re.search(r'data-cues="(-?\d+)"', rendered_dom(probe))
    vtt = fixture_built.path("build/html/videos/descent.vtt").read_text(encoding="utf-8")
    assert cues and int(cues.group(1)) == vtt.count(" --> ") > 0


@pytest.mark.parametrize("setting", ["", " line:5%"])
def test_captions_are_written_under_the_video_not_over_it(
    fixture_built: Project, setting: str, tmp_path: Path
) -> None:
    """The cue showing at a moment of the video is the line under it (the browser draws none over it),
    also when the cue has a setting (`line:5%`: the top of the picture, where the build puts a cue
    whose bottom is drawn on)."""
    html = fixture_built.path("build/html")
    page = next(p for p in sorted(html.glob("*.html")) if "<video" in p.read_text(encoding="utf-8"))
    text = page.read_text(encoding="utf-8")
    video = re.search(r'<video[^>]*\bsrc="([^"]+)"', text)
    assert video
    vtt = (html / video.group(1)).with_suffix(".vtt").read_text(encoding="utf-8")
    cue = re.search(r"(\d+):(\d+):([\d.]+) --> (\d+):(\d+):([\d.]+)[^\n]*\n(.+)", vtt)
    assert cue
    if setting:  # the page's track (a data: address) with the setting on every cue
        placed = re.sub(r"(--> [\d:.]+)[^\n]*", rf"\1{setting}", vtt)
        inlined = base64.b64encode(vtt.encode()).decode()
        assert inlined in text
        text = text.replace(inlined, base64.b64encode(placed.encode()).decode())
    start, end = (int(h) * 3600 + int(m) * 60 + float(s) for h, m, s in (cue.groups()[0:3], cue.groups()[3:6]))
    moment = (start + end) / 2
    seek = f'<script>onload = () => {{ document.querySelector("video").currentTime = {moment}; }}</script>'
    probe = beside(page, tmp_path, text.replace("</body>", seek + "</body>"))
    for _ in range(3):  # the seek is the media pipeline's, in real time: a loaded machine may not be there yet
        line = re.search(r'</video>\s*<div class="captions"[^>]*>([^<]*)</div>', rendered_dom(probe))
        if line and line.group(1):
            break
    assert line and line.group(1) == cue.group(7).strip()
