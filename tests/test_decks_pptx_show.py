"""The PPTX's movie in LibreOffice Impress's slide show, as an audience sees it: under Xvfb,
the movie's slide shows its poster (Impress starts no movie by itself), and a click on the
poster plays the movie: 1 s after the click the movie's first frame has replaced the poster, and
the picture moves on (3 s after the click, or later when the title card is still on).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from lecturemedia.project_copy import Project

pytestmark = pytest.mark.waits(long=True)  # on Impress drawing the slide show, for 20 s

pptx = pytest.importorskip("pptx")
ImageChops = pytest.importorskip("PIL.ImageChops")
ImageGrab = pytest.importorskip("PIL.ImageGrab")

SCREEN = (1280, 720)  # the decks' 16:9 slide fills it exactly
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def movie_box(deck: Path) -> tuple[int, tuple[int, int, int, int]]:
    """The movie's slide number and its box on the screen, in pixels."""
    prs = pptx.Presentation(str(deck))
    sx, sy = SCREEN[0] / prs.slide_width, SCREEN[1] / prs.slide_height
    for number, slide in enumerate(prs.slides, 1):
        for pic in slide.shapes._spTree.iter(f"{P}pic"):
            if pic.find(f".//{A}videoFile") is not None:
                off, ext = pic.find(f"{P}spPr/{A}xfrm/{A}off"), pic.find(f"{P}spPr/{A}xfrm/{A}ext")
                x, y = int(off.get("x")) * sx, int(off.get("y")) * sy
                return number, (
                    round(x),
                    round(y),
                    round(x + int(ext.get("cx")) * sx),
                    round(y + int(ext.get("cy")) * sy),
                )
    raise AssertionError(f"{deck}: no movie")


def changed(a, b, box) -> int:
    """How many pixels of box differ between two screenshots."""
    diff = ImageChops.difference(a.crop(box), b.crop(box)).convert("L")
    return sum(diff.point(lambda v: 255 if v > 24 else 0).histogram()[255:])


class Screen:
    """An Xvfb display of its own (-displayfd picks a free number) with xdotool to drive it."""

    def __init__(self) -> None:
        read, write = os.pipe()
        size = f"{SCREEN[0]}x{SCREEN[1]}x24"
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp"],
            pass_fds=(write,),
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as pipe:
            self.display = ":" + pipe.readline().strip()

    def shot(self):
        return ImageGrab.grab(xdisplay=self.display)

    def do(self, *args: str) -> str:
        env = dict(os.environ, DISPLAY=self.display)
        return subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True).stdout

    def window(self, name: str, timeout: float = 90) -> None:
        """Wait until a visible window's title matches name (a regular expression)."""
        deadline = time.monotonic() + timeout
        while not self.do("search", "--onlyvisible", "--name", name).strip():
            if time.monotonic() > deadline:
                pytest.fail(f"no window {name!r} within {timeout:.0f} s")
            time.sleep(0.5)

    def settled(self, what: str, timeout: float = 90):
        """The screen once three screenshots a second apart are the same and not blank (on a
        loaded machine Impress may pause for a second before it draws a picture)."""
        previous, still, deadline = None, 0, time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(1)
            current = self.shot()
            blank = all(low == high for low, high in current.getextrema())
            same = previous is not None and ImageChops.difference(previous, current).getbbox() is None
            still = still + 1 if same and not blank else 0
            if still == 2:
                return current
            previous = current
        pytest.fail(f"Impress's {what} did not settle within {timeout:.0f} s")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.mark.slow
def test_a_click_on_the_poster_plays_the_movie_in_impress_slide_show(fixture_built: Project, tmp_path: Path) -> None:
    missing = [tool for tool in ("Xvfb", "xdotool") if not shutil.which(tool)]
    if missing:
        pytest.skip(f"{' and '.join(missing)} missing: `make test` installs them (scripts/setup.sh test)")
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice Impress is missing: `make test` installs it (scripts/setup.sh test)"
    deck = fixture_built.path("build/pptx/alpha.pptx")
    number, box = movie_box(deck)
    screen = Screen()
    env = dict(os.environ, DISPLAY=screen.display, SAL_USE_VCLPLUGIN="gen", SAL_DISABLEGL="1")
    office = subprocess.Popen(
        [soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--norestore", "--nologo", str(deck)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        screen.window("LibreOffice Impress")
        screen.settled("window")
        screen.do("key", "F5")  # the slide show, from the first slide
        screen.window("^Presenting")
        screen.settled("slide show")
        screen.do("type", "--delay", "100", str(number))
        screen.do("key", "Return")
        before = screen.settled(f"slide {number}")
        time.sleep(2)
        if changed(before, after := screen.shot(), box):
            before.save(tmp_path / "settled.png")
            after.save(tmp_path / "2s-later.png")
            pytest.fail(f"the movie started by itself (screenshots in {tmp_path})")
        cx, cy = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
        screen.do("mousemove", str(cx), str(cy))
        time.sleep(0.5)
        screen.do("click", "1")
        time.sleep(1)
        one = screen.shot()
        time.sleep(2)
        later, waited = screen.shot(), 3
        while changed(one, later, box) <= 500 and waited < 12:  # a long title card: wait for the picture to move
            time.sleep(1)
            later, waited = screen.shot(), waited + 1
        for name, image in (("before", before), ("1s", one), (f"{waited}s", later)):
            image.save(tmp_path / f"{name}.png")
        outside = (0, 0, SCREEN[0], max(box[1] - 1, 1))  # the slide above the movie: the same slide
        assert changed(before, later, outside) == 0, f"the click turned the page (screenshots in {tmp_path})"
        assert changed(before, one, box) > 500, f"the click did not start the movie (screenshots in {tmp_path})"
        assert changed(one, later, box) > 500, f"the movie does not play (screenshots in {tmp_path})"
    finally:
        os.killpg(office.pid, signal.SIGTERM)
        try:
            office.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(office.pid, signal.SIGKILL)
        screen.close()
