"""Captions and chapters inside the page: a browser refuses to load a .vtt beside a page opened
from disk (file://), so each track is written into the page as a data: address."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from ... import paths
from ...errors import UserError


def data_url(vtt: Path) -> str:
    try:
        raw = vtt.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{paths.rel(vtt)} is missing; run `make site` again (it makes it)") from None
    if not raw.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT"):
        raise UserError(f"{paths.rel(vtt)} is not WebVTT (it should start with WEBVTT)")
    return "data:text/vtt;base64," + base64.b64encode(raw).decode("ascii")


def first_cue(vtt: Path) -> str:
    """The text of a track's first cue (an animation's title card), one line; "" when it has none."""
    try:
        blocks = vtt.read_text(encoding="utf-8").lstrip("\ufeff").split("\n\n")
    except FileNotFoundError:
        return ""  # data_url names the missing track
    for block in blocks:
        lines = block.strip().splitlines()
        for i, line in enumerate(lines):
            if "-->" in line:
                text = " ".join(s.strip() for s in lines[i + 1 :] if s.strip())
                return re.sub(r"<[^>]+>", "", text)
    return ""
