"""Stand-in narrated lectures, for the site's tests until `make lecture` (issue 20) is in the
build: for each deck, what that target makes, from the deck's slides PDF, with ffmpeg.

    build/lecture/<deck>.mp4            one page of the PDF every SECONDS s, H.264 + silent AAC
    build/lecture/<deck>.chapters.vtt   one cue per page, the page's first line as its title
    build/lecture/<deck>.vtt, .srt      one caption per page
    build/lecture/<deck>.png            the poster: the first page

    python tests/lecture_standin.py PROJECT_ROOT DECK...
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

SECONDS = 2


def _stamp(seconds: float, sep: str = ".") -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


def page_titles(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
    return [next((" ".join(line.split()) for line in page.splitlines() if line.strip()), f"Página {i}")
            for i, page in enumerate(pages, 1)]


def make(root: Path, deck: str) -> None:
    pdf = root / "build" / "slides" / f"{deck}.pdf"
    out = root / "build" / "lecture"
    out.mkdir(parents=True, exist_ok=True)
    titles = page_titles(pdf)
    with tempfile.TemporaryDirectory() as tmp:
        size = ["-scale-to-x", "640", "-scale-to-y", "360"]
        subprocess.run(["pdftoppm", "-png", *size, str(pdf), f"{tmp}/p"], check=True)
        pages = sorted(Path(tmp).glob("p-*.png"))
        listing = Path(tmp, "list.txt")
        listing.write_text("".join(f"file '{p}'\nduration {SECONDS}\n" for p in pages) + f"file '{pages[-1]}'\n")
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
             "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", str(SECONDS * len(pages)),
             "-vf", "fps=5,format=yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
             "-movflags", "+faststart", str(out / f"{deck}.mp4")],
            check=True,
        )
        (out / f"{deck}.png").write_bytes(pages[0].read_bytes())
    cues = [(i * SECONDS, (i + 1) * SECONDS, title) for i, title in enumerate(titles)]
    (out / f"{deck}.chapters.vtt").write_text(
        "WEBVTT\n\n" + "".join(f"{_stamp(a)} --> {_stamp(b)}\n{t}\n\n" for a, b, t in cues), encoding="utf-8")
    (out / f"{deck}.vtt").write_text(
        "WEBVTT\n\n" + "".join(f"{_stamp(a)} --> {_stamp(b)}\nDiapositiva {i}: {t}\n\n"
                               for i, (a, b, t) in enumerate(cues, 1)), encoding="utf-8")
    (out / f"{deck}.srt").write_text(
        "".join(f"{i}\n{_stamp(a, ',')} --> {_stamp(b, ',')}\nDiapositiva {i}: {t}\n\n"
                for i, (a, b, t) in enumerate(cues, 1)), encoding="utf-8")


if __name__ == "__main__":
    for name in sys.argv[2:]:
        make(Path(sys.argv[1]), name)
