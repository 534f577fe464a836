"""Join a lecture's segments into one MP4: the pictures copied (concat demuxer, `-c copy`), the
sound encoded once as AAC at 48 kHz, loudness normalised, with its captions as a mov_text track
(Spanish) and its chapters."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np

from ... import paths
from ...errors import UserError
from ...tools import require
from .captions import Cue, ffmetadata, vtt
from .speech import RATE

TARGET_LUFS = -16.0
CEILING = 0.84  # the limiter's ceiling, about -1.5 dBFS: AAC's own overshoot stays below full scale
SILENT_LUFS = -60.0  # quieter than this is no speech: not raised


def limited(gain: float) -> str:
    """The sound's filter: the gain, then a limiter that keeps the peaks under CEILING."""
    return f"volume={gain:.2f}dB,alimiter=limit={CEILING}:level=false:attack=5:release=50"


def loudness(audio: Path, gain: float | None = None) -> float:
    """The integrated loudness (LUFS, EBU R128) of a raw f32 mono file at RATE, after `gain` (dB)
    and the limiter if given; -70 for silence."""
    cmd = [require("ffmpeg"), "-nostats", "-hide_banner", "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", str(audio)]
    chain = f"{limited(gain)}," if gain is not None else ""
    cmd += ["-af", f"{chain}ebur128=framelog=verbose", "-f", "null", "-"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    found = re.findall(r"I:\s+(-?[\d.]+|-inf) LUFS", proc.stderr)
    if not found or found[-1] == "-inf":
        return -70.0
    return float(found[-1])


def mux(
    segments: list[Path],
    samples: np.ndarray,
    captions: list[Cue],
    chapters: list[Cue],
    title: str,
    work: Path,
    out: Path,
) -> float:
    """Write `out`; returns the loudness gain applied (dB)."""
    work.mkdir(parents=True, exist_ok=True)
    listing = work / "segments.txt"
    listing.write_text("".join(f"file '{s.resolve()}'\n" for s in segments), encoding="utf-8")
    audio = work / "audio.f32"
    audio.write_bytes(samples.astype("<f4").tobytes())
    measured = loudness(audio)
    gain = 0.0 if measured < SILENT_LUFS else TARGET_LUFS - measured
    if gain > 0:  # the limiter takes some of it back on loud peaks: measure once more and make up for it
        gain += TARGET_LUFS - loudness(audio, gain)
    meta = work / "chapters.ffmeta"
    meta.write_text(ffmetadata(title, chapters), encoding="utf-8")
    cmd = [require("ffmpeg"), "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing)]
    cmd += ["-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", str(audio), "-i", str(meta)]
    # The captions' track, from the WebVTT (a lecture without captions gets an empty track, which an SRT cannot give).
    subs = work / "captions.vtt"
    subs.write_text(vtt(captions), encoding="utf-8")
    cmd += ["-i", str(subs)]
    maps = ["-map", "0:v", "-map", "1:a", "-map", "3:s", "-c:s", "mov_text", "-metadata:s:s:0", "language=spa"]
    cmd += [*maps, "-map_metadata", "2", "-map_chapters", "2", "-c:v", "copy"]
    cmd += ["-af", limited(gain)]
    cmd += ["-c:a", "aac", "-b:a", "128k", "-ar", str(RATE), "-ac", "1", "-metadata:s:a:0", "language=spa"]
    cmd += ["-movflags", "+faststart", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise UserError(f"ffmpeg could not assemble {paths.rel(out)}: {proc.stderr.strip()[-500:]}")
    return gain
