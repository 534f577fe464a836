"""A frame's narration as sound: its notes sentence by sentence, one clip each, spoken by an
offline Spanish voice (espeak-ng, or piper with a model file on disk), or the instructor's
own recording of that frame.

    slides_src/recordings/<deck>/<frame>.{wav,flac,ogg,mp3,m4a}   the instructor's voice for a frame
                                                                  (<frame>: its label, e.g. first-frame, or its number)
    LECTURE_PIPER_MODEL=/path/es_ES-davefx-medium.onnx            piper's voice instead of espeak-ng's

Each clip is cached under build/lecture/.speech/ by the digest of its voice and text, so an
edit of one frame's notes synthesises that frame's sentences only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ... import paths
from ...errors import UserError
from ...tools import require
from .spoken_numbers import speakable

RATE = 48_000  # Hz, mono, the lecture's audio
RECORDING_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".m4a", ".opus")
RECORDINGS = paths.SLIDES_SRC / "recordings"
CACHE = paths.BUILD / "lecture" / ".speech"
ESPEAK_VOICE = "es"
ESPEAK_SPEED = 155  # words a minute: espeak-ng's 175 is fast for a lecture

# A sentence ends at . ! ? … (or a closing quote/bracket after one) before a space; "0.5" does not end one.
SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'»)\]]*\s+(?=\S)")


def sentences(text: str) -> list[str]:
    """The notes' sentences, in order, each stripped; an empty text has none."""
    text = re.sub(r"\s+", " ", text).strip()
    return [s.strip() for s in SENTENCE_END.split(text) if s.strip()] if text else []


@dataclass(frozen=True)
class Voice:
    """A synthetic voice: `kind` espeak-ng or piper, `ident` what changes its sound (for the cache)."""

    kind: str
    ident: str
    model: Path | None = None

    def synthesize(self, text: str, out: Path) -> None:
        if self.kind == "piper":
            if importlib.util.find_spec("piper") is None:
                raise UserError(
                    f"LECTURE_PIPER_MODEL names {self.model}, but piper is not installed: "
                    f"`{paths.rel(Path(sys.executable).parent)}/pip install piper-tts`, or unset LECTURE_PIPER_MODEL"
                )
            cmd = [sys.executable, "-m", "piper", "--model", str(self.model), "--output_file", str(out)]
        else:
            cmd = [require("espeak-ng"), "-v", ESPEAK_VOICE, "-s", str(ESPEAK_SPEED), "-w", str(out), "--stdin"]
        proc = subprocess.run(cmd, input=text, capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not out.exists():
            raise UserError(f"{self.kind} could not speak {text[:60]!r}: {proc.stderr.strip()[-300:]}")


def voice() -> Voice:
    """piper when LECTURE_PIPER_MODEL names a model file on disk, else espeak-ng."""
    model = os.environ.get("LECTURE_PIPER_MODEL", "").strip()
    if model:
        path = Path(model).expanduser()
        if not path.is_file():
            raise UserError(
                f"LECTURE_PIPER_MODEL={model}: no such file; point it at a piper voice's .onnx "
                "(its .onnx.json beside it), or unset it for espeak-ng's voice"
            )
        return Voice("piper", "piper:" + paths.sha256_file(path)[:16], path)
    return Voice("espeak-ng", f"espeak-ng:{ESPEAK_VOICE}:{ESPEAK_SPEED}")


def recording(deck: str, label: str, number: int) -> Path | None:
    """The instructor's recording of a frame, by its label or its number, if there is one."""
    folder = RECORDINGS / deck
    for stem in (label, str(number)):
        for suffix in RECORDING_SUFFIXES:
            found = folder / f"{stem}{suffix}"
            if stem and found.is_file():
                if not paths.inside(found):  # a link that leads out
                    raise UserError(
                        f"{paths.rel(found)} leads outside the project ({found.resolve()}); "
                        "a lecture may use only the project's files: copy the recording into it"
                    )
                return found
    return None


def load(path: Path) -> np.ndarray:
    """A sound file as float32 samples at RATE, mono."""
    proc = subprocess.run(
        [require("ffmpeg"), "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(RATE), "-f", "f32le", "-"],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise UserError(f"{paths.rel(path)}: ffmpeg cannot read it as sound: {proc.stderr.decode()[-300:].strip()}")
    return np.frombuffer(proc.stdout, dtype="<f4").copy()


def clip(text: str, spoken_by: Voice) -> np.ndarray:
    """One sentence spoken (numbers in words), cached by voice and text."""
    spoken = speakable(text)
    key = hashlib.sha256(f"{spoken_by.ident}\n{spoken}".encode()).hexdigest()[:24]
    wav = CACHE / f"{key}.wav"
    if not wav.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = wav.with_name(f".{wav.name}.tmp.wav")
        spoken_by.synthesize(spoken, tmp)
        tmp.replace(wav)
    return load(wav)


@dataclass
class Narration:
    """A frame's speech: its samples at RATE and its captions (start, end in seconds, text)."""

    samples: np.ndarray
    cues: list[tuple[float, float, str]]


LEAD = 0.4  # seconds of silence before the first sentence
GAP = 0.35  # between sentences


def narrate(deck: str, label: str, number: int, notes: str, spoken_by: Voice) -> Narration:
    """The frame's narration: its recording if the instructor made one, else its sentences spoken."""
    said = sentences(notes)
    recorded = recording(deck, label, number)
    if recorded is not None:
        samples = load(recorded)
        length = len(samples) / RATE
        weights = [len(s) for s in said]
        cues, at = [], 0.0
        for text, weight in zip(said, weights, strict=True):
            span = length * weight / sum(weights)
            cues.append((at, at + span, text))
            at += span
        return Narration(samples, cues)
    if not said:
        return Narration(np.zeros(0, dtype=np.float32), [])
    parts: list[np.ndarray] = [np.zeros(int(LEAD * RATE), dtype=np.float32)]
    cues, at = [], LEAD
    for i, text in enumerate(said):
        samples = clip(text, spoken_by)
        cues.append((at, at + len(samples) / RATE, text))
        parts.append(samples)
        at += len(samples) / RATE
        if i < len(said) - 1:
            parts.append(np.zeros(int(GAP * RATE), dtype=np.float32))
            at += int(GAP * RATE) / RATE
    return Narration(np.concatenate(parts), cues)
