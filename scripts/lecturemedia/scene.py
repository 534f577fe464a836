"""What the engine gives a scene: `trace(name)` and `TraceScene` (progress, poster, captions).

    from lecturemedia.scene import TraceScene, trace

    class MyAnimation(TraceScene):
        def construct(self) -> None:
            data = trace("my_animation").data
            ...

A scene reads its trace; it never trains or recomputes.
"""

from __future__ import annotations

import os
import time
from typing import Any

from manim import Scene

from . import console, traces


def trace(name: str) -> Any:
    """The validated trace of computations/<name>.py (build/traces/<name>.json)."""
    return traces.load(name)


class TraceScene(Scene):
    """A scene that shows its progress on one line and saves the poster the build asks for."""

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
