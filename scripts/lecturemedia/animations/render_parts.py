"""One scene rendered in parts, in parallel, and joined without re-encoding.

The scene's plays are counted once (a pass that draws nothing), split into ranges of about
equal video time over the free cores (or a Dask cluster's workers: render_cluster.py), each
range rendered in a process of its own (part.py, where why the frames are a whole render's is
told), and the ranges' movies joined with the concat demuxer, stream copy (what Manim does
with its own per-play movies): the joined video holds the packets a whole render would have
written. A part is named by the digest of its content and not rendered again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..errors import UserError
from . import captions, traces
from .part import PART_FILES, Part, PartError, count_plays, part_command, part_environment, plant
from .warm_start import die_with_parent

MIN_PART_SECONDS = 4.0  # of video: a shorter part costs more in its start (Manim, construct() up to it) than it saves


def plan(durations: Sequence[float], workers: int, min_seconds: float = MIN_PART_SECONDS) -> list[Part]:
    """Ranges of plays of about equal video time: as many as there are workers, no more than
    one per min_seconds of video nor one per play; one range when splitting would not pay."""
    total = float(sum(durations))
    count = max(1, min(workers, len(durations), math.floor(total / min_seconds) if min_seconds > 0 else workers))
    if count == 1:
        return [Part(0, None)]
    parts: list[Part] = []
    first, done = 0, 0.0
    for i, seconds in enumerate(durations):
        done += seconds
        left_plays = len(durations) - i - 1
        left_parts = count - len(parts) - 1
        if left_parts and left_plays >= left_parts and done >= total * (len(parts) + 1) / count:
            parts.append(Part(first, i))
            first = i + 1
    parts.append(Part(first, None))
    return parts


def free_cores(look: float = 0.25) -> int:
    """The cores this process may use, less those busy now, at least one. Busy is read from the
    machine's idle time over a short look (/proc/stat), not from the load average, which trails
    a minute behind: the build that has just ended would still count, and no scene would split."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    busy = busy_cores(look)
    if busy is None:
        busy = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return max(1, cores - int(busy + 0.5))


def busy_cores(look: float) -> float | None:
    """How many of the machine's cores were at work over the next `look` seconds (None where
    /proc/stat cannot be read)."""

    def times() -> tuple[int, int] | None:
        try:
            fields = Path("/proc/stat").read_text().splitlines()[0].split()
        except (OSError, IndexError):
            return None
        values = [int(v) for v in fields[1:]]
        return sum(values[:8]), values[3] + (values[4] if len(values) > 4 else 0)  # all, idle + iowait

    before = times()
    time.sleep(look)
    after = times()
    if before is None or after is None or after[0] <= before[0]:
        return None
    total, idle = after[0] - before[0], after[1] - before[1]
    return (os.cpu_count() or 1) * (total - idle) / total


def workers_wanted() -> int:
    """LECTURE_PARTS when set (a number: the parts to split a scene into at most), else the free cores."""
    wanted = os.environ.get("LECTURE_PARTS", "").strip()
    if not wanted:
        return free_cores()
    if not wanted.isdigit() or int(wanted) < 1:
        raise UserError(f"LECTURE_PARTS={wanted!r}: should be a whole number of parts, 1 or more (or unset it)")
    return int(wanted)


def counted_plays(source: Path, name: str, quality: str) -> tuple[list[float], list[str]]:
    """The run time of each play and the traces the scene reads: counted once for the scene's
    content (the scene, its shared code, every trace, course.yaml), then read back."""
    everything = scene_content(name, sorted(p.stem for p in paths.TRACES_DIR.glob("*.json")))
    key = part_digest(everything, name, quality, Part(0, None))
    record = paths.BUILD / "manim" / name / f"plays-{quality}.json"
    try:
        known = json.loads(record.read_text(encoding="utf-8"))
        if known["key"] == key:
            return [float(d) for d in known["durations"]], list(known["traces"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    traces.LOADED.clear()
    durations = count_plays(source, name, quality)
    read = sorted(traces.LOADED)
    record.parent.mkdir(parents=True, exist_ok=True)
    paths.write_atomic(record, json.dumps({"key": key, "durations": durations, "traces": read}))
    return durations, read


def typeset(name: str) -> dict[str, bytes]:
    """The SVGs the counting pass typeset (LaTeX's formulas, Pango's texts), by their path under
    Manim's media folder: a part finds them there and typesets nothing again."""
    count = paths.BUILD / "manim" / name / "count"
    svgs = [f for folder in ("Tex", "texts") for f in sorted((count / folder).glob("*.svg"))]
    return {str(f.relative_to(count)): f.read_bytes() for f in svgs}


# ---- the content of a part: what a worker elsewhere needs, and the digest that names it


def scene_content(name: str, read: Sequence[str]) -> dict[str, bytes]:
    """The files a part of scenes/<name>.py needs, by their path in the project: the scene, the
    shared scene code (scenes/common.py, scenes/_*.py), the traces it reads with the computations
    that declare their parameters (a trace is checked against them), course.yaml."""
    files = [paths.SCENES / f"{name}.py", paths.CONFIG_FILE]
    files += sorted(p for p in paths.SCENES.glob("*.py") if p.stem == "common" or p.stem.startswith("_"))
    files += [paths.TRACES_DIR / f"{t}.json" for t in sorted(read)]
    if read:
        files += [paths.COMPUTATIONS / f"{t}.py" for t in sorted(read)]
        files += sorted(paths.COMPUTATIONS.glob("_*.py"))
    content = {}
    for file in files:
        if file.exists():
            where = "build/traces/" + file.name if file.parent == paths.TRACES_DIR else paths.rel(file)
            content[where] = file.read_bytes()
    return content


ENGINE_FILES = ("animations/*.py", "numbers.py", "paths.py")


@functools.cache
def engine_digest() -> str:
    """The engine code a render runs, so that a changed engine renders again (read once a process)."""
    here = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for pattern in ENGINE_FILES:
        for file in sorted(here.glob(pattern)):
            digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def part_digest(content: dict[str, bytes], name: str, quality: str, part: Part) -> str:
    import manim

    digest = hashlib.sha256(repr((name, quality, part.label, manim.__version__, engine_digest())).encode())
    for where in sorted(content):
        digest.update(where.encode() + b"\0" + hashlib.sha256(content[where]).digest())
    return digest.hexdigest()


def run_parts_here(name: str, quality: str, parts: Sequence[Part], folders: Sequence[Path]) -> None:
    """Each part in its own process on this machine, all at once; a failed part's message as a UserError."""
    running = []
    for part, out in zip(parts, folders, strict=True):
        out.mkdir(parents=True, exist_ok=True)
        running.append(
            subprocess.Popen(
                part_command(name, quality, part, out),
                cwd=paths.ROOT,
                env=part_environment(paths.ROOT),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                preexec_fn=die_with_parent,
            )
        )
    failures = []
    for process in running:
        _, err = process.communicate()
        if process.returncode:
            failures.append(err.strip() or f"a part of scenes/{name}.py failed (exit {process.returncode})")
    if failures:
        raise PartError(failures[0].removeprefix("error: "))


def join(movies: Sequence[Path], target: Path) -> None:
    """The movies one after the other in `target`, packets copied (the concat demuxer, as Manim
    joins its per-play movies): no frame is encoded again."""
    import av
    import manim

    manifest = "".join(f"file '{m.resolve()}'\n" for m in movies).encode()
    from io import BytesIO

    with av.open(BytesIO(manifest), options={"safe": "0", "an": "1"}, format="concat") as joined:
        stream = joined.streams.video[0]
        with av.open(str(target), mode="w") as output:
            output.metadata["comment"] = f"Rendered with Manim Community v{manim.__version__}"
            out_stream = output.add_stream_from_template(stream)
            for packet in joined.demux(stream):
                if packet.dts is None:
                    continue
                packet.stream = out_stream
                output.mux(packet)


@dataclass(frozen=True)
class Joined:
    """A split render, joined: the movie, its posters, what the scene said, its length."""

    movie: Path
    poster: Path
    end: Path
    said: list[captions.Caption]
    seconds: float
    traces: list[str]


def join_parts(folders: Sequence[Path], target: Path) -> Joined:
    results = [json.loads((f / "result.json").read_text(encoding="utf-8")) for f in folders]
    join([f / "movie.mp4" for f in folders], target)
    last = results[-1]
    said = [captions.Caption(**c) for c in last["captions"]]
    poster = folders[0] / "poster.png" if last["titled"] else folders[-1] / "poster.png"
    return Joined(target, poster, folders[-1] / "end.png", said, last["seconds"], last["traces"])


def render_split(name: str, quality: str, source: Path, address: str | None) -> Joined | None:
    """The scene rendered in parts (on this machine, or on the Dask cluster at `address`) and
    joined; None when it is better rendered whole, here (one free core, or too short to split)."""
    from . import render_cluster

    workers = render_cluster.workers(address) if address else workers_wanted()
    if workers < 2 and not address:
        return None
    durations, read = counted_plays(source, name, quality)
    parts = plan(durations, workers)
    if len(parts) == 1 and not address:
        return None
    content = scene_content(name, read)
    cache = paths.BUILD / "manim" / name / "parts"  # the scene's (the outputs' sweep removes it with the scene)
    folders = [cache / part_digest(content, name, quality, part) for part in parts]
    todo = [(p, f) for p, f in zip(parts, folders, strict=True) if not all((f / n).exists() for n in PART_FILES)]
    seeds = typeset(name) if todo else {}
    if todo and address:
        render_cluster.run_parts(address, name, quality, content, todo, seeds)
    elif todo:
        for _, folder in todo:
            plant(seeds, folder / "media")
        run_parts_here(name, quality, [p for p, _ in todo], [f for _, f in todo])
    target = paths.BUILD / "manim" / name / f"{name}-{quality}-joined.mp4"
    target.parent.mkdir(parents=True, exist_ok=True)
    joined = join_parts(folders, target)
    prune(cache, keep=folders)
    return joined


KEPT_PARTS = 32  # a scene's parts kept for renders to come (an edit undone renders nothing)


def prune(cache: Path, keep: Sequence[Path]) -> None:
    """The scene's part cache down to its KEPT_PARTS last used folders, those of this render first."""
    for folder in keep:
        os.utime(folder)
    folders = sorted((f for f in cache.iterdir() if f.is_dir()), key=lambda f: f.stat().st_mtime_ns, reverse=True)
    for folder in folders[KEPT_PARTS:]:
        if folder not in keep:
            shutil.rmtree(folder, ignore_errors=True)


