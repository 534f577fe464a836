"""One part of a scene's render, in a process of its own: plays A..B drawn and encoded, the
plays before A played without either, the plays after B not played.

    python -m lecturemedia.animations.part NAME --quality Q --first A [--last B] --out DIR

A part writes movie.mp4 (plays A..B, as Manim joins its per-play movies), poster.png, end.png and
result.json (what the scene said, its length, whether it opens on a title card, the traces it
read) into DIR. render_parts.py plans the parts and joins them.

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
import json
import os
import shutil
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import paths
from ..errors import UserError, friendly_main
from . import manim_scene, manim_speedups, traces

PART_FILES = ("movie.mp4", "poster.png", "end.png", "result.json")  # what a part leaves in its folder


@dataclass(frozen=True)
class Part:
    """Plays first..last of a scene (last None: to the end)."""

    first: int
    last: int | None

    @property
    def label(self) -> str:
        return f"{self.first}-{'end' if self.last is None else self.last}"


# ---- how a part's process is started (by render_parts here, by render_cluster on a worker)


class PartError(UserError):
    """A message complete in itself (a part that failed, with its scene's line; the cluster that
    cannot be reached): shown as it is, not as a fault of the scene's code."""


def part_command(name: str, quality: str, part: Part, out: Path) -> list[str]:
    command = [sys.executable, "-m", "lecturemedia.animations.warm_start", "lecturemedia.animations.part", name]
    command += ["--quality", quality]
    command += ["--first", str(part.first), "--out", str(out)]
    return command + ([] if part.last is None else ["--last", str(part.last)])


def part_environment(root: Path) -> dict[str, str]:
    """The environment of a part's process: this one's, rooted at `root`, the engine importable."""
    env = dict(os.environ, LECTURE_ROOT=str(root), LECTURE_TRACES=str(root / "build" / "traces"))
    engine = str(Path(__file__).resolve().parent.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (engine, env.get("PYTHONPATH", "")) if p)
    return env


def plant(files: dict[str, bytes], folder: Path) -> None:
    for where, data in files.items():
        (folder / where).parent.mkdir(parents=True, exist_ok=True)
        (folder / where).write_bytes(data)


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

    from .scene import _module_title

    out.mkdir(parents=True, exist_ok=True)
    for file in PART_FILES:
        (out / file).unlink(missing_ok=True)
    os.environ["LECTURE_POSTER"] = str(out / "poster.png")
    os.environ["LECTURE_POSTER_END"] = str(out / "end.png")
    settings = manim_scene.manim_settings(source, quality, out / "media", f"{name}-{quality}")
    try:
        with manim_speedups.installed(), muted_outside(part), manim.tempconfig(settings):
            scene_cls = manim_scene.load_scene(source, manim_scene.scene_class_name(name))
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
        raise UserError(manim_scene.explain(name, exc, [], log)) from None
    shutil.move(movie, out / "movie.mp4")
    shutil.rmtree(out / "media", ignore_errors=True)
    paths.write_atomic(out / "result.json", json.dumps(result, ensure_ascii=False))


def count_plays(source: Path, name: str, quality: str) -> list[float]:
    """The run time of each of the scene's plays, from a pass that skips them all (Manim's own
    skipping: one step a play, nothing drawn, nothing written); in this process."""
    import manim
    from manim.renderer.cairo_renderer import CairoRenderer


    durations: list[float] = []
    original = CairoRenderer.__dict__["play"]

    def play(self: Any, scene: Any, *args: Any, **kwargs: Any) -> None:
        original(self, scene, *args, **kwargs)
        durations.append(float(scene.duration))

    kept = {v: os.environ.pop(v, None) for v in ("LECTURE_POSTER", "LECTURE_POSTER_END")}
    settings = manim_scene.manim_settings(source, quality, paths.BUILD / "manim" / name / "count", f"{name}-count")
    CairoRenderer.play = play
    try:
        with manim_speedups.installed(), manim.tempconfig({**settings, "dry_run": True}):
            scene_cls = manim_scene.load_scene(source, manim_scene.scene_class_name(name))
            scene_cls(skip_animations=True).render()
    finally:
        CairoRenderer.play = original
        for variable, value in kept.items():
            if value is not None:
                os.environ[variable] = value
    return durations


@friendly_main
def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m lecturemedia.animations.part", description=__doc__)
    parser.add_argument("name")
    parser.add_argument("--quality", default="preview")
    parser.add_argument("--first", type=int, required=True)
    parser.add_argument("--last", type=int)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    render_part(paths.SCENES / f"{args.name}.py", args.name, args.quality, Part(args.first, args.last), args.out)


if __name__ == "__main__":
    main()
