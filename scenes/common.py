"""What every scene shares: reading its trace, the course's colours, progress, the poster.

A scene reads its trace through `trace()`; it never trains or recomputes.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

from lecturemedia import console, traces
from lecturemedia.templating import num as num  # the decks' number format, for the scenes
from manim import BLUE_C, GREY_B, ORANGE, RED_C, WHITE, Scene, Text

VALUE = BLUE_C  # forward values
GRAD = ORANGE  # gradients
NODE = GREY_B
BAD = RED_C
CLASS_COLORS = ("#3b7dd8", "#e8871e")  # clase 0, clase 1
FONT = "DejaVu Sans"


def trace(name: str) -> Any:
    """The validated trace of computations/NAME.py (build/traces/NAME.json)."""
    return traces.load(name)


def label(text: str, size: float = 28, color: Any = WHITE, **kwargs: Any) -> Text:
    return Text(text, font=FONT, font_size=size, color=color, **kwargs)


def nice_step(raw: float) -> float:
    """The round number (1, 2 or 5 times a power of ten) at or above raw: a tick step."""
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)  # an int for steps >= 1


class TraceScene(Scene):
    """A scene that reports its progress and saves its last frame as the poster."""

    def setup(self) -> None:
        self._animations = 0
        self._started = time.monotonic()

    def play(self, *args: Any, **kwargs: Any) -> None:
        super().play(*args, **kwargs)
        self._animations += 1
        console.live(
            f"video {type(self).__name__}: animation {self._animations}, {self.time:.1f} s of video "
            f"({time.monotonic() - self._started:.0f} s)"
        )

    def tear_down(self) -> None:
        poster = os.environ.get("LECTURE_POSTER")
        if poster:
            self.camera.get_image().convert("RGB").save(poster, format="PNG")
        super().tear_down()
