"""What the course's scenes share: colours, Spanish labels, tick steps; and the engine's
`trace()` and `TraceScene` (progress, poster), re-exported.
"""

from __future__ import annotations

import math
from typing import Any

from lecturemedia.animations.captions import TWO_LINES
from lecturemedia.animations.scene import TraceScene as TraceScene  # progress, poster: the engine's
from lecturemedia.animations.scene import trace as trace  # a scene reads its trace; it never recomputes
from lecturemedia.numbers import num as num  # the decks' number format, for the scenes
from manim import BLUE_C, GREY_B, ORANGE, RED_C, WHITE, Text, config

VALUE = BLUE_C  # forward values
GRAD = ORANGE  # gradients
NODE = GREY_B
BAD = RED_C
CLASS_COLORS = ("#3b7dd8", "#e8871e")  # clase 0, clase 1
FONT = "DejaVu Sans"
# The course's scenes draw nothing below FLOOR: players that load the .srt (mpv, VLC, Okular)
# draw the captions over the bottom of the picture, two lines at most, and there they cover nothing.
FLOOR = -config.frame_height / 2 + config.frame_height * TWO_LINES


def label(text: str, size: float = 28, color: Any = WHITE, **kwargs: Any) -> Text:
    return Text(text, font=FONT, font_size=size, color=color, **kwargs)


def nice_step(raw: float) -> float:
    """The round number (1, 2 or 5 times a power of ten) at or above raw: a tick step."""
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)  # an int for steps >= 1
