"""The PPTX's copy of a video, its captions burned in (PowerPoint takes caption files only through its menus)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ... import console, outputs, paths
from ...errors import UserError
from ...tools import require


def burn_captions(name: str, quality_dir: Path) -> None:
    """build/pptx/videos/NAME.mp4: the video with its captions drawn into the picture
    (PowerPoint takes caption files only through its menus; Impress shows none)."""
    source, srt = quality_dir / f"{name}.mp4", quality_dir / f"{name}.srt"
    if not source.is_file():
        raise UserError(f"{paths.rel(source)} is missing; run `make videos`")
    target = paths.BUILD / "pptx" / "videos" / f"{name}.mp4"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{name}.tmp.mp4")
    ffmpeg = require("ffmpeg")
    video_filter = ["-vf", f"subtitles={srt.name}"] if srt.is_file() and srt.read_text(encoding="utf-8").strip() else []
    proc = subprocess.run(
        [
            ffmpeg,
            "-y",
            "-loglevel",
            "error",
            "-i",
            str(source.resolve()),
            *video_filter,
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-preset",
            "veryfast",
            "-crf",
            "20",
            "-movflags",
            "+faststart",
            "-c:a",
            "copy",
            str(tmp.resolve()),
        ],
        cwd=srt.parent,
        capture_output=True,
        text=True,
        errors="replace",
    )
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        detail = (proc.stderr.strip().splitlines() or ["(no message)"])[-1][:300]
        raise UserError(f"{paths.rel(source)}: the captions could not be burned in for the PPTX: {detail}")
    outputs.publish_file(tmp, target)
    console.product(target, "captions burned in")
