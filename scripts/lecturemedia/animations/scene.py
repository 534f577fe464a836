"""What the engine gives a scene: `trace(name)` and `TraceScene`.

    from lecturemedia.animations.scene import TraceScene, trace

    class MyAnimation(TraceScene):
        title = "What the animation shows"      # the opening title card (and first caption)

        def construct(self) -> None:
            data = trace("my_animation").data
            self.say("What happens now, in words")   # a caption, until the next say()
            ...
            self.wait_to_read()                      # until it has been up long enough to be read

A scene reads its trace; it never trains or recomputes. TraceScene opens on a title card
(the first frame, which the slides and the HTML show as the poster, so pressing play starts
from the picture on the slide), keeps the last frame for the handout, keeps what it says
for the captions (video.py writes them, see captions.py), and shows its progress on one line.
"""

from __future__ import annotations

import math
import os
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, ClassVar

from manim import FadeOut, Scene, Text

from .. import console, paths
from . import captions, traces
from .captions import Caption

TITLE_SECONDS = 1.5  # the title card's shortest time on screen (longer if its caption needs it to be read)
TITLE_FADE = 0.5


def trace(name: str) -> Any:
    """The validated trace of computations/<name>.py (build/traces/<name>.json)."""
    return traces.load(name)


class TraceScene(Scene):
    """A scene that opens on its title, says what happens, and saves its posters."""

    title: ClassVar[str] = ""

    def setup(self) -> None:
        self._animations = 0
        self._started = time.monotonic()
        self._captions: list[Caption] = []
        title = self.title or _module_title(type(self))
        if title:
            card = Text(textwrap.fill(title, 34), font="DejaVu Sans", font_size=46, line_spacing=1.2)
            if card.width > 12.5:
                card.scale_to_fit_width(12.5)
            self.add(card)
            self.say(title)
            self._wait_at_least(title_seconds(title))
            self._save("LECTURE_POSTER")
            self.play(FadeOut(card), run_time=TITLE_FADE)

    def say(self, text: str) -> None:
        """A caption from now until the next say() (or the end of the video)."""
        if self._captions and self._captions[-1].end < 0:
            self._captions[-1].end = self.time
        self._captions.append(Caption(self.time, -1.0, text, _scene_line(type(self))))

    def wait_to_read(self) -> None:
        """Wait until the caption on screen has been up long enough to be read (nothing if it has):
        before the next say(), or at the end of the scene. The build warns of a caption cut shorter."""
        if self._captions and self._captions[-1].end < 0:
            left = self._captions[-1].start + captions.reading_seconds(self._captions[-1].text) - self.time
            if left > 1e-6:
                self._wait_at_least(left)

    def _wait_at_least(self, seconds: float) -> None:
        """Wait `seconds` or the next whole frame after (a wait is a whole number of frames, cut down)."""
        fps = self.camera.frame_rate
        self.wait((math.ceil(seconds * fps - 1e-6) + 0.5) / fps)

    @property
    def captions(self) -> list[Caption]:
        """What the scene said, each with its time on screen (after the render)."""
        return [c for c in self._captions if c.end > c.start]

    def play(self, *args: Any, **kwargs: Any) -> None:
        super().play(*args, **kwargs)
        self._animations += 1
        console.live(
            f"video {type(self).__name__}: animation {self._animations}, {self.time:.1f} s of video "
            f"({time.monotonic() - self._started:.0f} s)"
        )

    def _save(self, variable: str) -> None:
        target = os.environ.get(variable)
        if getattr(self.renderer, "muted", False):
            return  # a play a part of a split render plays without drawing it (part.py): no picture
        if target and not Path(target).exists():
            self.camera.get_image().convert("RGB").save(target, format="PNG")

    def tear_down(self) -> None:
        self._save("LECTURE_POSTER")  # a scene without a title card: its first poster is its last frame
        self._save("LECTURE_POSTER_END")
        if self._captions and self._captions[-1].end < 0:
            self._captions[-1].end = self.time  # the last caption stays to the end (video.py writes them all)
        super().tear_down()


def title_seconds(title: str) -> float:
    """How long the title card stays before it fades: long enough to read its caption, fade included."""
    return max(TITLE_SECONDS, captions.reading_seconds(title) - TITLE_FADE)


def _scene_line(cls: type) -> str:
    """`scenes/x.py:LINE` of the say() being made: the scene's own line that leads to it (or a shared
    helper's, or the scene's file alone for the engine's own captions)."""
    module = sys.modules.get(cls.__module__)
    own = Path(getattr(module, "__file__", "") or "").resolve()
    frame, helper = sys._getframe(2), None
    while frame is not None:
        file = Path(frame.f_code.co_filename).resolve()
        if file == own:
            return f"{paths.rel(file)}:{frame.f_lineno}"
        if helper is None and file.parent == paths.SCENES.resolve():
            helper = f"{paths.rel(file)}:{frame.f_lineno}"
        frame = frame.f_back
    return helper or (paths.rel(own) if own.name else "")


def _module_title(cls: type) -> str:
    """The first sentence of the scene module's docstring, without a trailing `(traza …)`."""
    module = sys.modules.get(cls.__module__)
    doc = ((module.__doc__ if module else "") or "").strip().splitlines()
    first = doc[0].strip() if doc else ""
    return first.split(" (", 1)[0].rstrip(".:")
