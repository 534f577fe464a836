"""Where a rendered video draws: for each frame, the free rows above and below its drawing.

Read from the mp4 itself (PyAV, which Manim brings), so what is measured is what players show.
A row is drawn on when one of its pixels differs in brightness from the background (the first
frame's median: the title card, or a scene's first picture, is mostly background) by more than
the encoder's noise on a flat background.
"""

from __future__ import annotations

from pathlib import Path

from .captions import Rows

THRESHOLD = 24  # of 255 in brightness: anti-aliased text and thin axes pass, the encoder's noise does not


def measure(mp4: Path) -> list[Rows]:
    """Every frame's Rows, in order."""
    import av
    import numpy as np

    found: list[Rows] = []
    background: int | None = None
    with av.open(str(mp4)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            if not frame.format.name.startswith(("yuv", "gray")):
                frame = frame.reformat(format="gray")
            luma = frame.planes[0]  # the brightness plane as decoded: no conversion (1080p60 stays cheap)
            pixels = np.frombuffer(luma, np.uint8).reshape(-1, luma.line_size)[: frame.height, : frame.width]
            if background is None:
                background = int(np.median(pixels))
            # a row is drawn on when its brightest or darkest pixel is far from the background
            # (per-row extremes: a few milliseconds for a 1080p frame)
            brightest, darkest = pixels.max(axis=1).astype(int), pixels.min(axis=1).astype(int)
            drawn = np.flatnonzero((brightest - background > THRESHOLD) | (background - darkest > THRESHOLD))
            height, time = pixels.shape[0], float(frame.time or 0.0)
            if drawn.size:
                found.append(Rows(time, float(drawn[0] / height), float((height - 1 - drawn[-1]) / height)))
            else:
                found.append(Rows(time, 1.0, 1.0))
    return found
