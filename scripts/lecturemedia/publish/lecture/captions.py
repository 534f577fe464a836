"""The lecture's timed texts: captions (WebVTT, SRT), chapters (WebVTT, ffmetadata). Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    start: float  # seconds from the lecture's start
    end: float
    text: str


def _clock(seconds: float, sep: str) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _escape_vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("-->", "→")


def vtt(cues: list[Cue]) -> str:
    """A WebVTT file: one cue each, in order of start."""
    out = ["WEBVTT", ""]
    for cue in sorted(cues, key=lambda c: (c.start, c.end)):
        out += [f"{_clock(cue.start, '.')} --> {_clock(cue.end, '.')}", _escape_vtt(cue.text), ""]
    return "\n".join(out)


def srt(cues: list[Cue]) -> str:
    """An SRT file: numbered cues in order of start."""
    out = []
    for n, cue in enumerate(sorted(cues, key=lambda c: (c.start, c.end)), 1):
        out += [str(n), f"{_clock(cue.start, ',')} --> {_clock(cue.end, ',')}", cue.text, ""]
    return "\n".join(out)


def ffmetadata(title: str, chapters: list[Cue]) -> str:
    """ffmpeg's metadata file: the title and one [CHAPTER] per cue, in milliseconds."""

    def esc(text: str) -> str:
        return re.sub(r"([=;#\\\n])", r"\\\1", text)

    out = [";FFMETADATA1", f"title={esc(title)}", ""]
    for cue in chapters:
        out += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={round(cue.start * 1000)}", f"END={round(cue.end * 1000)}"]
        out += [f"title={esc(cue.text)}", ""]
    return "\n".join(out)


SRT_TIME = re.compile(r"(\d+):(\d\d):(\d\d)[,.](\d{3})\s*-->\s*(\d+):(\d\d):(\d\d)[,.](\d{3})")


def parse_srt(text: str) -> list[Cue]:
    """An animation's .srt as cues (times from its own start), its placement tags ({\\an8}) dropped."""
    cues = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            match = SRT_TIME.search(line)
            if match:
                g = [int(x) for x in match.groups()]
                start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
                end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
                body = re.sub(r"\{\\[^}]*\}", "", "\n".join(lines[i + 1 :])).strip()
                if body:
                    cues.append(Cue(start, end, body))
                break
    return cues
