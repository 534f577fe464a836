"""One scene rendered in parts, in parallel, and joined without re-encoding.

    python -m lecturemedia.animations.render_parts NAME --quality Q --first A [--last B] --out DIR

A part renders the scene's plays A..B (Manim's numbering, the title card's wait is play 0) in
its own process and media folder; the parts' movies are joined with the concat demuxer,
stream copy (what Manim does with its own per-play movies), so the joined video holds the
packets a whole render would have written.

Why the frames are the same as a whole render's: Manim's own `-n A,B` skips a play by
advancing the scene's time by its whole run_time in one step, where a rendered play advances
it frame by frame, (frames - 1)/fps for the updaters and frames/fps for the clock; every
frame after a skipped play that depends on time (an updater with dt, a ValueTracker driven by
time) would differ. Here a play outside the range is *played*, frame by frame as when it is
rendered, updaters and all, and only its drawing (the camera) and its writing (the encoder) are
left out: the scene reaches play A in exactly the state and at exactly the time a whole render
does. A play before A in which nothing depends on time (no updater, only Manim's animations
whose picture at a moment depends on that moment alone: see timeless()) goes in one step, its
clock still advanced frame by frame. Plays past B are not played at all (Manim's
EndSceneEarlyException).

The captions of every part are the whole scene's (each part runs construct() to its last play,
times scene-absolute): the last part's are kept. The poster is the first part's when the scene
opens on a title card, else the last frame (the last part's); the last frame is the last part's.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import paths
from ..errors import UserError, friendly_main
from . import captions, manim_speedups, traces

MIN_PART_SECONDS = 4.0  # of video: a shorter part costs more in its start (Manim, construct() up to it) than it saves
PART_FILES = ("movie.mp4", "poster.png", "end.png", "result.json")  # what a part leaves in its folder


class PartError(UserError):
    """A message complete in itself (a part that failed, with its scene's line; the cluster that
    cannot be reached): shown as it is, not as a fault of the scene's code."""


@dataclass(frozen=True)
class Part:
    """Plays first..last of a scene (last None: to the end)."""

    first: int
    last: int | None

    @property
    def label(self) -> str:
        return f"{self.first}-{'end' if self.last is None else self.last}"


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


def free_cores() -> int:
    """The cores this process may use, less those busy (the load average), at least one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    busy = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return max(1, cores - int(busy + 0.5))


def workers_wanted() -> int:
    """LECTURE_PARTS when set (a number: the parts to split a scene into at most), else the free cores."""
    wanted = os.environ.get("LECTURE_PARTS", "").strip()
    if not wanted:
        return free_cores()
    if not wanted.isdigit() or int(wanted) < 1:
        raise UserError(f"LECTURE_PARTS={wanted!r}: should be a whole number of parts, 1 or more (or unset it)")
    return int(wanted)


# ---- inside a part: plays outside the range are played, neither drawn nor written


@contextmanager
def muted_outside(part: Part) -> Iterator[None]:
    """Manim's renderer while rendering `part`: a play before it is played frame by frame but not
    drawn nor encoded (renderer.muted), a play after it ends the scene."""
    from manim import config as manim_config
    from manim.renderer.cairo_renderer import CairoRenderer
    from manim.scene.scene import Scene
    from manim.scene.scene_file_writer import SceneFileWriter
    from manim.utils.exceptions import EndSceneEarlyException
    from tqdm import tqdm

    saved = {
        (cls, name): cls.__dict__[name]
        for cls, name in (
            (Scene, "get_time_progression"),
            (CairoRenderer, "play"),
            (CairoRenderer, "update_frame"),
            (CairoRenderer, "render"),
            (CairoRenderer, "add_frame"),
            (SceneFileWriter, "add_partial_movie_file"),
            (SceneFileWriter, "begin_animation"),
            (SceneFileWriter, "end_animation"),
        )
    }
    muted = [False]
    frames_owed = [0]  # of a muted play gone in one step: the frames whose time its end adds
    orig = {name: fn for (_, name), fn in saved.items()}

    def get_time_progression(
        self: Any, run_time: float, description: str, n_iterations: Any = None, override_skip_animations: bool = False
    ) -> Any:
        if muted[0] and not override_skip_animations and not self.renderer.skip_animations and timeless(self):
            frames_owed[0] = len(np.arange(0, run_time, 1 / manim_config["frame_rate"]))  # as a rendered play's
            return tqdm([run_time], disable=True)
        frames_owed[0] = 0
        return orig["get_time_progression"](self, run_time, description, n_iterations, override_skip_animations)

    def play(self: Any, scene: Any, *args: Any, **kwargs: Any) -> None:
        if part.last is not None and self.num_plays > part.last:
            self.skip_animations = True
            raise EndSceneEarlyException()
        muted[0] = self.muted = self.num_plays < part.first
        orig["play"](self, scene, *args, **kwargs)

    def update_frame(self: Any, *args: Any, **kwargs: Any) -> None:
        if not muted[0]:
            orig["update_frame"](self, *args, **kwargs)

    def render(self: Any, scene: Any, time: float, moving_mobjects: Any = None) -> None:
        if muted[0]:
            for _ in range(frames_owed[0] or 1):  # one at a time, as the clock of a rendered play adds them
                self.add_frame(None)
            frames_owed[0] = 0
        else:
            orig["render"](self, scene, time, moving_mobjects)

    def add_frame(self: Any, frame: Any, num_frames: int = 1) -> None:
        if muted[0]:
            self.time += num_frames * (1 / self.camera.frame_rate)  # as Manim's add_frame counts it
        else:
            orig["add_frame"](self, frame, num_frames)

    def add_partial_movie_file(self: Any, hash_animation: str | None) -> None:
        orig["add_partial_movie_file"](self, None if muted[0] else hash_animation)

    def begin_animation(self: Any, allow_write: bool = False, **kwargs: Any) -> None:
        orig["begin_animation"](self, allow_write and not muted[0], **kwargs)

    def end_animation(self: Any, allow_write: bool = False) -> None:
        orig["end_animation"](self, allow_write and not muted[0])

    new = {
        "get_time_progression": get_time_progression,
        "play": play,
        "update_frame": update_frame,
        "render": render,
        "add_frame": add_frame,
        "add_partial_movie_file": add_partial_movie_file,
        "begin_animation": begin_animation,
        "end_animation": end_animation,
    }
    for (cls, name), _ in saved.items():
        setattr(cls, name, new[name])
    try:
        yield
    finally:
        for (cls, name), fn in saved.items():
            setattr(cls, name, fn)


def timeless(scene: Any) -> bool:
    """Whether the scene's current play ends, as a whole, where its frames would have led: no
    updater anywhere (the scene's, a mobject's), and only Manim's own animations whose picture
    at a moment depends on that moment alone (not a Succession, which begins its animations
    one after another, nor the animations that run a function of the scene's own)."""
    from manim.animation.composition import AnimationGroup, Succession
    from manim.animation.numbers import ChangingDecimal
    from manim.animation.updaters.update import MaintainPositionRelativeTo, UpdateFromFunc

    def pure(animation: Any) -> bool:
        if not type(animation).__module__.startswith("manim."):
            return False
        if isinstance(animation, (Succession, UpdateFromFunc, MaintainPositionRelativeTo, ChangingDecimal)):
            return False
        if any(m.updaters for mob in animation.get_all_mobjects() for m in mob.get_family()):
            return False  # a target with updaters: a rendered play updates it every frame
        return all(pure(a) for a in animation.animations) if isinstance(animation, AnimationGroup) else True

    if scene.updaters or any(m.updaters for m in scene.get_mobject_family_members()):
        return False
    return all(pure(a) for a in scene.animations or [])


def render_part(source: Path, name: str, quality: str, part: Part, out: Path) -> None:
    """Render `part` of scenes/<name>.py into `out`: movie.mp4, poster.png, end.png, result.json."""
    import manim

    from . import video
    from .scene import _module_title

    out.mkdir(parents=True, exist_ok=True)
    for file in PART_FILES:
        (out / file).unlink(missing_ok=True)
    os.environ["LECTURE_POSTER"] = str(out / "poster.png")
    os.environ["LECTURE_POSTER_END"] = str(out / "end.png")
    settings = video.manim_settings(source, quality, out / "media", f"{name}-{quality}")
    try:
        with manim_speedups.installed(), muted_outside(part), manim.tempconfig(settings):
            scene_cls = video._load_scene(source, video.scene_class_name(name))
            scene = scene_cls()
            scene.render()
            movie = Path(scene.renderer.file_writer.movie_file_path)
            result = {
                "seconds": scene.time,
                "plays": scene.renderer.num_plays,
                "titled": bool(getattr(scene_cls, "title", "") or _module_title(scene_cls)),
                "captions": [dataclasses.asdict(c) for c in getattr(scene, "captions", [])],
                "traces": sorted(traces.LOADED),
            }
    except UserError:
        raise
    except Exception as exc:
        log = out / "error.log"
        log.write_text(traceback.format_exc(), encoding="utf-8")
        raise UserError(video.explain(name, exc, [], log)) from None
    shutil.move(movie, out / "movie.mp4")
    shutil.rmtree(out / "media", ignore_errors=True)
    paths.write_atomic(out / "result.json", json.dumps(result, ensure_ascii=False))


def count_plays(source: Path, name: str, quality: str) -> list[float]:
    """The run time of each of the scene's plays, from a pass that skips them all (Manim's own
    skipping: one step a play, nothing drawn, nothing written); in this process."""
    import manim
    from manim.renderer.cairo_renderer import CairoRenderer

    from . import video

    durations: list[float] = []
    original = CairoRenderer.__dict__["play"]

    def play(self: Any, scene: Any, *args: Any, **kwargs: Any) -> None:
        original(self, scene, *args, **kwargs)
        durations.append(float(scene.duration))

    kept = {v: os.environ.pop(v, None) for v in ("LECTURE_POSTER", "LECTURE_POSTER_END")}
    settings = video.manim_settings(source, quality, paths.BUILD / "manim" / name / "count", f"{name}-count")
    CairoRenderer.play = play
    try:
        with manim_speedups.installed(), manim.tempconfig({**settings, "dry_run": True}):
            scene_cls = video._load_scene(source, video.scene_class_name(name))
            scene_cls(skip_animations=True).render()
    finally:
        CairoRenderer.play = original
        for variable, value in kept.items():
            if value is not None:
                os.environ[variable] = value
    return durations


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


def plant(files: dict[str, bytes], folder: Path) -> None:
    for where, data in files.items():
        (folder / where).parent.mkdir(parents=True, exist_ok=True)
        (folder / where).write_bytes(data)


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


def engine_digest() -> str:
    """The engine code a render runs, so that a changed engine renders again."""
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


def part_command(name: str, quality: str, part: Part, out: Path) -> list[str]:
    command = [sys.executable, "-m", "lecturemedia.animations.render_parts", name, "--quality", quality]
    command += ["--first", str(part.first), "--out", str(out)]
    return command + ([] if part.last is None else ["--last", str(part.last)])


def part_environment(root: Path) -> dict[str, str]:
    """The environment of a part's process: this one's, rooted at `root`, the engine importable."""
    env = dict(os.environ, LECTURE_ROOT=str(root), LECTURE_TRACES=str(root / "build" / "traces"))
    engine = str(Path(__file__).resolve().parent.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (engine, env.get("PYTHONPATH", "")) if p)
    return env


def die_with_parent() -> None:
    """In a part's process (Linux): end when the process that started it ends (a killed make, a
    lost Dask worker), rather than render on for nobody."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


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
    seeds = typeset(name)
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


@friendly_main
def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m lecturemedia.animations.render_parts", description=__doc__)
    parser.add_argument("name")
    parser.add_argument("--quality", default="preview")
    parser.add_argument("--first", type=int, required=True)
    parser.add_argument("--last", type=int)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    render_part(paths.SCENES / f"{args.name}.py", args.name, args.quality, Part(args.first, args.last), args.out)


if __name__ == "__main__":
    main()
