"""Make one deck's narrated lecture.

    python -m lecturemedia.publish.lecture.build DECK [--videos build/lecture/videos]

Reads build/handouts/DECK.pdf (one page per frame), build/md/DECK.md (the notes, templated as
the deck is) and the animations it places, and writes build/lecture/DECK.mp4 with its
captions (.vtt, .srt), chapters (.chapters.vtt) and poster (.png). The per-frame work (pages,
speech, segments) is kept under build/lecture/DECK/ and build/lecture/.speech/.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import numpy as np

from ... import console, outputs, paths
from ...errors import UserError, friendly_main
from . import assemble, captions, frames, segments, speech

LECTURE = paths.BUILD / "lecture"
SILENT_SECONDS = 4.0  # a frame without notes or animation
TAIL = 0.8  # seconds after the last word (or the animation's end) before the next frame


def products(name: str) -> dict[str, Path]:
    return {
        "mp4": LECTURE / f"{name}.mp4",
        "vtt": LECTURE / f"{name}.vtt",
        "srt": LECTURE / f"{name}.srt",
        "chapters": LECTURE / f"{name}.chapters.vtt",
        "png": LECTURE / f"{name}.png",
    }


def build(name: str, videos: Path) -> None:
    start = time.monotonic()
    for product in products(name).values():
        outputs.remove(product)  # out of date: gone until remade
    deck = frames.read_deck(name, paths.deck_output("handout", name), paths.BUILD / "md" / f"{name}.md", videos)
    work = LECTURE / name
    pictures = segments.render_pages(paths.deck_output("handout", name), work, deck.page_width, deck.page_height)
    voice = speech.voice()
    parts: list[Path] = []
    sound: list[np.ndarray] = []
    cues: list[captions.Cue] = []
    chapters: list[captions.Cue] = []
    at = 0.0
    encoded = 0
    for frame, picture in zip(deck.frames, pictures, strict=True):
        console.live(f"{name}: frame {frame.number}/{len(deck.frames)} {frame.title}")
        said = speech.narrate(name, frame.label, frame.number, frame.notes, voice)
        overlays = []
        animation_cues: list[captions.Cue] = []
        length = len(said.samples) / speech.RATE + (TAIL if len(said.samples) else 0.0)
        for placement in frame.placements:
            video = videos / f"{placement.video}.mp4"
            overlays.append((video, segments.rect(placement, deck.page_width, deck.page_height)))
            length = max(length, segments.video_seconds(video) + TAIL)
            srt_file = video.with_suffix(".srt")
            if srt_file.exists():
                animation_cues += captions.parse_srt(srt_file.read_text(encoding="utf-8"))
        if length <= 0:
            length = SILENT_SECONDS
        part, new = segments.segment(picture, overlays, segments.frame_count(length), work / "segments")
        encoded += new
        count = segments.encoded_frames(part)
        seconds = count / segments.FPS  # the segment's own length: every time after it follows from it
        samples = np.zeros(count * speech.RATE // segments.FPS, dtype=np.float32)
        samples[: min(len(samples), len(said.samples))] = said.samples[: len(samples)]
        parts.append(part)
        sound.append(samples)
        chapters.append(captions.Cue(at, at + seconds, frame.title))
        for begin, end, text in said.cues:
            cues.append(captions.Cue(at + begin, at + min(end, seconds), text))
        for cue in animation_cues:
            if cue.start < seconds:
                cues.append(captions.Cue(at + cue.start, at + min(cue.end, seconds), cue.text))
        at += seconds
    for old in (work / "segments").glob("*.mp4"):
        if old not in parts:
            old.unlink()  # a frame's former segment: not used any more
    files = products(name)
    tmp = work / "assembly"
    mp4 = tmp / "lecture.mp4"
    gain = assemble.mux(parts, np.concatenate(sound), cues, chapters, deck.frames[0].title, tmp, mp4)
    outputs.publish(files["vtt"], captions.vtt(cues))
    outputs.publish(files["srt"], captions.srt(cues))
    outputs.publish(files["chapters"], captions.vtt(chapters))
    outputs.copy(pictures[0], files["png"])
    outputs.publish_file(mp4, files["mp4"])
    shutil.rmtree(tmp, ignore_errors=True)
    detail = (
        f"{len(deck.frames)} frames, {at / 60:.1f} min, {encoded} encoded, "
        f"gain {gain:+.1f} dB, {time.monotonic() - start:.1f} s"
    )
    console.product(files["mp4"], detail)


@friendly_main
def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m lecturemedia.publish.lecture.build", description=__doc__)
    parser.add_argument("name", help="deck name: slides_src/NAME.md")
    parser.add_argument("--videos", default=str(LECTURE / "videos"), help="where the animations are")
    args = parser.parse_args()
    if not (paths.SLIDES_SRC / f"{args.name}.md").exists():
        raise UserError(f"no deck slides_src/{args.name}.md")
    build(args.name, Path(args.videos))


if __name__ == "__main__":
    main()
