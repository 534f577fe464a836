"""A scene's captions: whether each is on screen long enough to be read, where on the picture
players should draw it, and the files that carry them (.srt beside the mp4, WebVTT for the HTML).

Reading time. A caption must stay up for at least max(MIN_SECONDS, its characters /
READING_CPS). The usual subtitling guidelines:
- UNE 153010:2012 (Spain's standard for subtitles for the deaf and hard of hearing): at most
  15 characters a second;
- Netflix's Timed Text Style Guide for Castilian and Latin American Spanish: 17 characters a
  second for adult programmes, 13 for children's;
- Karamitroglou, "A Proposed Set of Subtitling Standards in Europe" (1998): even a short
  subtitle stays at least 1.5 s, or the eye notices it only as it goes.
We take 15, the Spanish standard and the slower of the two: a student reads the caption while
following the drawing it explains, formulas and labels included; and 1.5 s at least.

Placement. Players that load an .srt (mpv, VLC, Okular, ffmpeg's subtitles filter) draw it over
the bottom of the picture, where scenes often write their own labels. mpv draws the most:
a line of 42 characters about 8 % of the frame's height, a margin of about 3 % under it (its
defaults at 16:9). So a cue of n lines wants the bottom MARGIN + n * LINE_HEIGHT of the frame
free of drawing while it shows; when the bottom is drawn on and the top is free, the cue goes
to the top (`{\\an8}` in the .srt, which libass, VLC and ffmpeg honour; `line:5%` in WebVTT, for
a browser's full screen); when both are drawn on, the build warns with the say() line.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

READING_CPS = 15.0  # characters a second (UNE 153010; see above)
MIN_SECONDS = 1.5  # the shortest time any caption stays up (Karamitroglou 1998)
LINE_CHARS = 42  # the longest subtitle line of the guidelines (Netflix, EBU): a cue's lines are counted so
LINE_HEIGHT = 0.08  # of the frame's height, a line as mpv draws it by default (55 px at 720 px), with its spacing
MARGIN = 0.04  # of the frame's height, from the cue to the picture's edge (mpv's 22 px at 720 px, and some room)
TWO_LINES = MARGIN + 2 * LINE_HEIGHT  # the band a caption of two lines (the guidelines' most) covers
SRT_TOP = "{\\an8}"  # an .srt cue's tag for "at the top, centred" (SSA's numpad positions)
VTT_TOP = " line:5%"  # the WebVTT cue setting for the same


@dataclass
class Caption:
    start: float
    end: float
    text: str
    where: str = ""  # the scene's line that said it (scenes/x.py:12); "" for the engine's own
    top: bool = False  # drawn at the top of the picture: its bottom is drawn on


@dataclass(frozen=True)
class Rows:
    """The drawn part of one frame at `time` s: how much of the frame's height is free above it
    and below it (1.0 each for an empty frame)."""

    time: float
    free_top: float
    free_bottom: float


def reading_seconds(text: str) -> float:
    """How long `text` must stay on screen to be read."""
    return max(MIN_SECONDS, len(text) / READING_CPS)


def too_brief(captions: Sequence[Caption], scene: str) -> list[str]:
    """A warning for each caption shown too briefly to be read, with the line that said it."""
    warnings = []
    for i, caption in enumerate(captions):
        shown, need = caption.end - caption.start, reading_seconds(caption.text)
        if shown >= need - 0.05:  # a frame's rounding is no reason to warn
            continue
        more = need - shown
        then = "before the next say()" if i + 1 < len(captions) else "at the end of the scene"
        warnings.append(
            f"{caption.where or scene}: caption shown {shown:.1f} s, too briefly to be read: "
            f"{_quote(caption.text)} has {len(caption.text)} characters, which need {need:.1f} s "
            f"({READING_CPS:g} a second, {MIN_SECONDS:g} s at least); add self.wait({more:.1f}) {then}, or say less"
        )
    return warnings


def lines(text: str) -> int:
    """The lines a player draws the caption on (at LINE_CHARS characters a line)."""
    return max(1, len(textwrap.wrap(text, LINE_CHARS)))


def band(text: str) -> float:
    """The part of the frame's height the caption covers, from the picture's edge."""
    return MARGIN + lines(text) * LINE_HEIGHT


def place(captions: Sequence[Caption], frames: Sequence[Rows], scene: str) -> list[str]:
    """Put each caption where the picture is free while it shows: at the bottom, as players
    do, or else at the top; a warning for each that covers the picture either way."""
    warnings = []
    for caption in captions:
        shown = [f for f in frames if caption.start <= f.time < caption.end]
        if not shown:
            continue
        need = band(caption.text)
        bottom, top = min(f.free_bottom for f in shown), min(f.free_top for f in shown)
        caption.top = bottom < need <= top
        if bottom < need and top < need:
            warnings.append(
                f"{caption.where or scene}: the caption will cover the picture "
                f"({caption.start:.1f}–{caption.end:.1f} s): its {lines(caption.text)} line(s) need the bottom "
                f"or the top {need:.0%} of the frame free, and the scene draws there (free: {bottom:.0%} at the "
                f"bottom, {top:.0%} at the top); leave one of them free while it shows, or say less"
            )
    return warnings


def _clock(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def srt(captions: Sequence[Caption]) -> str:
    return "".join(
        f"{i}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n{SRT_TOP if c.top else ''}{c.text}\n\n"
        for i, c in enumerate(captions, 1)
    )


def webvtt(captions: Sequence[Caption]) -> str:
    cues = "".join(
        f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}{VTT_TOP if c.top else ''}\n{c.text}\n\n" for c in captions
    )
    return "WEBVTT\n\n" + cues


def _quote(text: str, width: int = 40) -> str:
    return f'"{textwrap.shorten(text, width, placeholder=" …")}"'
