"""Each frame as a video segment of its own: its page at 1920x1080, its animations playing at
their places, for a whole number of frames. A segment is named by the digest of what makes it,
so one that exists is not encoded again; every segment has the same codec, frame rate, size and
time base, so that they join with ffmpeg's concat demuxer without re-encoding (`-c copy`).
"""

from __future__ import annotations

import hashlib
import math
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image

from ... import paths
from ...errors import UserError
from ...tools import require
from .frames import Placement

WIDTH, HEIGHT, FPS = 1920, 1080, 30
TIMESCALE = 15360
BACKGROUND = (0, 0, 0)
ENCODER = [
    "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18",
    "-pix_fmt", "yuv420p", "-r", str(FPS), "-g", str(FPS * 10), "-video_track_timescale", str(TIMESCALE),
]  # fmt: skip
SETTINGS = " ".join(ENCODER) + f" {WIDTH}x{HEIGHT}"


def fit(page_width: float, page_height: float) -> tuple[float, int, int, int, int]:
    """How a page fits the screen: points-to-pixels scale, picture size, offset (centred)."""
    scale = min(WIDTH / page_width, HEIGHT / page_height)
    w, h = min(WIDTH, round(page_width * scale)), min(HEIGHT, round(page_height * scale))
    return scale, w, h, (WIDTH - w) // 2, (HEIGHT - h) // 2


def page_key(page: Any) -> str:
    """What a page's picture is drawn from: its content stream, its images' and forms' data, its
    fonts' names (a subset's name changes with its glyphs). The same key, the same picture."""
    digest = hashlib.sha256(f"{WIDTH}x{HEIGHT} {page.mediabox}".encode())
    contents = page.get_contents()
    digest.update(contents.get_data() if contents is not None else b"")
    resources = page.get("/Resources", {})
    for name, ref in sorted(resources.get("/XObject", {}).items()):
        digest.update(name.encode() + ref.get_object().get_data())
    for name, ref in sorted(resources.get("/Font", {}).items()):
        digest.update(f"{name}={ref.get_object().get('/BaseFont')}".encode())
    return digest.hexdigest()[:24]


def render_pages(pdf: Path, folder: Path, page_width: float, page_height: float) -> list[Path]:
    """Every page of `pdf` as folder/frame-NNN.png at 1920x1080 (pdftoppm, the page centred). A page
    drawn from what an earlier build drew (page_key) is not rendered again; each picture is
    rewritten only when its pixels change."""
    from pypdf import PdfReader

    _, w, h, x, y = fit(page_width, page_height)
    cache = folder / "pages"
    cache.mkdir(parents=True, exist_ok=True)
    out, used = [], set()
    for n, page in enumerate(PdfReader(str(pdf)).pages, 1):
        cached = cache / f"{page_key(page)}.png"
        used.add(cached)
        if not cached.exists():
            with tempfile.TemporaryDirectory(dir=folder) as tmp:
                cmd = [require("pdftoppm"), "-png", "-singlefile", "-f", str(n), "-l", str(n)]
                cmd += ["-scale-to-x", str(w), "-scale-to-y", str(h), str(pdf), f"{tmp}/p"]
                proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if proc.returncode != 0:
                    raise UserError(f"pdftoppm cannot render page {n} of {paths.rel(pdf)}: {proc.stderr.strip()}")
                screen = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
                with Image.open(f"{tmp}/p.png") as picture:
                    screen.paste(picture.convert("RGB").resize((w, h)), (x, y))
                screen.save(f"{tmp}/screen.png", compress_level=1)
                Path(f"{tmp}/screen.png").replace(cached)
        target = folder / f"frame-{n:03d}.png"
        paths.write_atomic(target, cached.read_bytes(), only_if_changed=True)
        out.append(target)
    for old in folder.glob("frame-*.png"):
        if old not in out:
            old.unlink()
    for old in cache.glob("*.png"):
        if old not in used:
            old.unlink()
    return out


def rect(placement: Placement, page_width: float, page_height: float) -> tuple[int, int, int, int]:
    """The placement in screen pixels (x, y, even width, even height)."""
    scale, _, _, x0, y0 = fit(page_width, page_height)
    w, h = round(placement.width * scale / 2) * 2, round(placement.height * scale / 2) * 2
    return x0 + round(placement.x * scale), y0 + round(placement.y * scale), w, h


def frame_count(seconds: float) -> int:
    """Whole video frames covering `seconds` (at least one)."""
    return max(1, math.ceil(round(seconds * FPS, 6)))


def segment(
    picture: Path, overlays: list[tuple[Path, tuple[int, int, int, int]]], frames: int, folder: Path
) -> tuple[Path, bool]:
    """The frame's segment (video only, `frames` long): made unless one with the same inputs exists.
    Returns its path and whether it was encoded now."""
    digest = hashlib.sha256(SETTINGS.encode())
    digest.update(paths.sha256_file(picture).encode())
    for video, box in overlays:
        digest.update(f"{paths.sha256_file(video)} {box}".encode())
    digest.update(f"frames={frames}".encode())
    target = folder / f"{digest.hexdigest()[:24]}.mp4"
    if target.exists():
        return target, False
    folder.mkdir(parents=True, exist_ok=True)
    # The page is decoded once and repeated (tpad), not read again for every frame (-loop 1): a third of the time.
    cmd = [require("ffmpeg"), "-v", "error", "-y", "-framerate", str(FPS), "-i", str(picture)]
    chain, last = ["[0:v]format=yuv420p,tpad=stop_mode=clone:stop=-1[b]"], "[b]"
    for i, (video, (x, y, w, h)) in enumerate(overlays, 1):
        cmd += ["-i", str(video)]
        chain.append(f"[{i}:v]fps={FPS},scale={w}:{h},setsar=1[a{i}]")
        chain.append(f"{last}[a{i}]overlay={x}:{y}:eof_action=repeat:format=yuv420[o{i}]")
        last = f"[o{i}]"
    chain.append(f"{last}format=yuv420p,setsar=1[out]")
    tmp = target.with_name(f".{target.stem}.tmp.mp4")
    cmd += ["-filter_complex", ";".join(chain), "-map", "[out]", "-frames:v", str(frames), "-an", *ENCODER, str(tmp)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise UserError(f"ffmpeg could not encode the frame {paths.rel(picture)}: {proc.stderr.strip()[-400:]}")
    tmp.replace(target)
    return target, True


def encoded_frames(video: Path) -> int:
    """How many frames a segment holds, as its file says (ffprobe)."""
    cmd = [require("ffprobe"), "-v", "error", "-select_streams", "v:0", "-count_packets"]
    cmd += ["-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", str(video)]
    return int(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip())


def video_seconds(video: Path) -> float:
    cmd = [require("ffprobe"), "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(video)]
    return float(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip())
