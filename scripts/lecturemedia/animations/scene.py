"""What the engine gives a scene: `trace(name)` and `TraceScene`.

    from lecturemedia.animations.scene import TraceScene, trace

    class MyAnimation(TraceScene):
        title = "What the animation shows"      # the opening title card (and first caption)

        def construct(self) -> None:
            data = trace("my_animation").data
            self.say("What happens now, in words")   # a caption, until the next say()
            ...

A scene reads its trace; it never trains or recomputes. TraceScene opens on a title card
(the first frame, which the slides and the HTML show as the poster, so pressing play starts
from the picture on the slide), keeps the last frame for the handout, writes the captions
as .srt and WebVTT, and shows its progress on one line.
"""

from __future__ import annotations

import os
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from manim import FadeOut, Scene, Text

from .. import console
from . import traces

TITLE_SECONDS = 1.5


def trace(name: str) -> Any:
    """The validated trace of computations/<name>.py (build/traces/<name>.json)."""
    return traces.load(name)


@dataclass
class Caption:
    start: float
    end: float
    text: str


def _clock(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def srt(captions: list[Caption]) -> str:
    return "".join(
        f"{i}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n{c.text}\n\n" for i, c in enumerate(captions, 1)
    )


def webvtt(captions: list[Caption]) -> str:
    cues = "".join(f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n{c.text}\n\n" for c in captions)
    return "WEBVTT\n\n" + cues


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
            self.wait(TITLE_SECONDS)
            self._save("LECTURE_POSTER")
            self.play(FadeOut(card), run_time=0.5)

    def say(self, text: str) -> None:
        """A caption from now until the next say() (or the end of the video)."""
        if self._captions and self._captions[-1].end < 0:
            self._captions[-1].end = self.time
        self._captions.append(Caption(self.time, -1.0, text))

    def play(self, *args: Any, **kwargs: Any) -> None:
        super().play(*args, **kwargs)
        self._animations += 1
        console.live(
            f"video {type(self).__name__}: animation {self._animations}, {self.time:.1f} s of video "
            f"({time.monotonic() - self._started:.0f} s)"
        )

    def _save(self, variable: str) -> None:
        target = os.environ.get(variable)
        if target and not Path(target).exists():
            self.camera.get_image().convert("RGB").save(target, format="PNG")

    def tear_down(self) -> None:
        self._save("LECTURE_POSTER")  # a scene without a title card: its first poster is its last frame
        self._save("LECTURE_POSTER_END")
        if self._captions and self._captions[-1].end < 0:
            self._captions[-1].end = self.time
        captions = [c for c in self._captions if c.end > c.start]
        for variable, text in (("LECTURE_SRT", srt(captions)), ("LECTURE_VTT", webvtt(captions))):
            target = os.environ.get(variable)
            if target:
                Path(target).write_text(text, encoding="utf-8")
        super().tear_down()


def _module_title(cls: type) -> str:
    """The first sentence of the scene module's docstring, without a trailing `(traza …)`."""
    module = sys.modules.get(cls.__module__)
    doc = ((module.__doc__ if module else "") or "").strip().splitlines()
    first = doc[0].strip() if doc else ""
    return first.split(" (", 1)[0].rstrip(".:")
