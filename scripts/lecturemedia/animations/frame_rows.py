"""Where a rendered video draws: for each frame, the free rows above and below its drawing.

Read from the mp4 itself (PyAV, which Manim brings), so what is measured is what players show.
A row is drawn on when a few of its pixels differ from the background (the first frame's most
common brightness: the title card, or a scene's first picture, is mostly background).
"""

from __future__ import annotations

from pathlib import Path

from .captions import Rows

THRESHOLD = 24  # of 255 in brightness: anti-aliased text and thin axes pass, the encoder's noise does not
MIN_PIXELS = 2  # drawn pixels that make a row drawn on
MAX_WIDTH = 960  # larger frames are measured at half size (1080p60: four times fewer pixels)


def measure(mp4: Path) -> list[Rows]:
    """Every frame's Rows, in order."""
    import av
    import numpy as np

    found: list[Rows] = []
    background: float | None = None
    with av.open(str(mp4)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            half = frame.width > MAX_WIDTH
            size = {"width": frame.width // 2, "height": frame.height // 2} if half else {}
            pixels = frame.reformat(format="gray", **size).to_ndarray().astype(np.int16)
            if background is None:
                background = float(np.median(pixels))
            drawn = np.flatnonzero((np.abs(pixels - background) > THRESHOLD).sum(axis=1) >= MIN_PIXELS)
            height, time = pixels.shape[0], float(frame.time or 0.0)
            if drawn.size:
                found.append(Rows(time, float(drawn[0] / height), float((height - 1 - drawn[-1]) / height)))
            else:
                found.append(Rows(time, 1.0, 1.0))
    return found
