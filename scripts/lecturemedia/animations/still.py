"""One frame of a scene, without encoding a video: build/stills/<scene>.png.

    python -m lecturemedia.animations.still NAME [--at SECONDS] [--quality preview|final|test]

makes it in this process (what the still worker's children run); `make still` goes through
lecturemedia.animations.still_command, which asks a warm worker first.

The last frame by default. Every animation is skipped (Manim's still mode: each one jumps
to its end, no frame is drawn); with --at, the animation playing at that moment is drawn
once, at that moment, and the scene stops there.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import paths
from ..errors import UserError, friendly_main
from . import manim_scene, manim_speedups, video


def still_path(name: str) -> Path:
    return paths.BUILD / "stills" / f"{name}.png"


def grab(name: str, quality: str = "preview", at: float | None = None) -> Path:
    """Render the frame of scene `name` at `at` seconds (None: the last) to build/stills/<name>.png
    (a request check_request accepted)."""
    source = paths.SCENES / f"{name}.py"
    start = time.monotonic()
    for variable in video.COMPANIONS.values():
        os.environ.pop(variable, None)  # the posters and captions are the video build's business
    import manim

    _quiet(logging.getLogger("manim"))
    settings = manim_scene.manim_settings(source, quality, paths.BUILD / "manim" / name / "still", f"{name}-still")
    settings["format"] = "png"  # Manim's still mode (-s): animations are skipped, no video is written
    try:
        with manim_speedups.installed(), manim.tempconfig(settings):
            scene = manim_scene.load_scene(source, manim_scene.scene_class_name(name))()
            moment = Moment(scene, at)
            with moment.light_begins():
                moment.render()
            image = moment.image if moment.image is not None else scene.renderer.camera.get_image()
    except UserError:
        raise
    except Exception as exc:
        raise UserError(explain(name, exc)) from None
    out = still_path(name)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    image.convert("RGB").save(tmp, format="PNG")
    tmp.replace(out)
    when = f"at {at:g} s" if moment.image is not None else f"the last frame, at {moment.clock:.1f} s"
    if at is not None and moment.image is None:
        when = f"AT={at:g} is past the scene's end: {when}"
    print(f"  still {name} ({quality}): {paths.rel(out)}, {when}, in {time.monotonic() - start:.1f} s", flush=True)
    return out


def check_request(name: str, at: float | None) -> Path:
    """The scene's file, if `name` is a scene and `at` a moment; else a UserError that says what is."""
    source = paths.SCENES / f"{name}.py"
    if name not in paths.scene_names():
        known = ", ".join(paths.scene_names())
        if source.exists():
            raise UserError(f"{paths.rel(source)} holds helpers the scenes share, not a scene; the scenes are: {known}")
        raise UserError(f"no scene {paths.rel(source)}; the scenes are: {known}")
    if at is not None and at < 0:
        raise UserError(f"AT={at:g}: a moment of the scene, in seconds from its start (0 or more)")
    return source


class Moment:
    """Stops a scene that renders in still mode at `at` seconds of its video, keeping that frame.

    In still mode each animation jumps to its end. The clock here counts frames as the video
    does (an animation of r seconds takes ceil(r * fps) frames, a still wait floor(r * fps)),
    so `at` names the same frame as in the video; the animation playing then is drawn once,
    at that frame, and the scene stops.
    """

    def __init__(self, scene: Any, at: float | None) -> None:
        self.scene, self.at, self.clock = scene, at, 0.0
        self.image: Any = None
        self.renderer = scene.renderer
        self.dt = 1 / self.renderer.camera.frame_rate
        self.renderer.save_static_frame_data = lambda *_a, **_k: None  # nothing is drawn until the end
        self._play_internal = scene.play_internal
        self._freeze = self.renderer.freeze_current_frame
        self._begin_animations = scene.begin_animations
        scene.play_internal = self.play_internal
        self.renderer.freeze_current_frame = self.freeze
        scene.begin_animations = self.begin_animations
        self.jumping: set[int] = set()  # the animations now beginning that will jump to their end

    def _play_frames(self) -> int:
        """The frames the video gives the play now under way (as Manim counts them)."""
        import numpy as np

        return len(np.arange(0, self.scene.duration, self.dt))

    def begin_animations(self) -> None:
        if self.at is None or self.at >= self.clock + self._play_frames() * self.dt:
            self.jumping = {id(animation) for animation in self.scene.animations}
        try:
            self._begin_animations()
        finally:
            self.jumping = set()

    @contextmanager
    def light_begins(self) -> Iterator[None]:
        """While animations that will jump to their end begin, the common ones take their mobject
        as their starting one instead of a copy, and skip drawing their first frame.

        Create, Write, DrawBorderThenFill and the Transforms (.animate among them) end on their
        target or on the mobject itself: at alpha 1 they read the starting values before they
        write the mobject's (Manim's partial curves copy when the two are one), and nothing reads
        the starting mobject afterwards. Others do: FadeOut restores its mobject from it when it
        is cleaned up, Rotating and Homotopy apply themselves again at each alpha 1, and the
        children of TransformMatchingTex are put back at alpha 0. So only these classes exactly,
        and only as a play's own animations (not inside a group), begin so; the tests hold the
        still to the video's last frame, pixel for pixel.
        """
        from manim.animation.animation import Animation
        from manim.animation.creation import Create, DrawBorderThenFill, Write
        from manim.animation.transform import (
            ApplyMethod,
            MoveToTarget,
            ReplacementTransform,
            Transform,
            _MethodAnimation,
        )

        light = {Create, Write, DrawBorderThenFill, Transform, ReplacementTransform, MoveToTarget}
        light |= {ApplyMethod, _MethodAnimation}
        original = Animation.begin
        moment = self

        def begin(animation: Any) -> None:
            if id(animation) not in moment.jumping or type(animation) not in light:
                return original(animation)
            animation.starting_mobject = animation.mobject
            if animation.suspend_mobject_updating:
                animation.mobject.suspend_updating()

        original_transform = Transform.begin

        def begin_transform(animation: Any) -> None:
            """ApplyMethod and .animate make their target for themselves alone: it is aligned with
            the mobject as it is, not through a copy kept to spare the caller's target."""
            if id(animation) not in moment.jumping or type(animation) not in {ApplyMethod, _MethodAnimation}:
                return original_transform(animation)
            animation.target_mobject = animation.create_target()
            animation.target_copy = animation.target_mobject
            animation.mobject.align_data(animation.target_copy)
            Animation.begin(animation)

        Animation.begin, Transform.begin = begin, begin_transform
        try:
            yield
        finally:
            Animation.begin, Transform.begin = original, original_transform

    def _advance(self, frames: int) -> float | None:
        """Move the clock over an animation of so many frames; the time into it at which `at` falls, if it does."""
        start, self.clock = self.clock, self.clock + frames * self.dt
        if self.at is None or self.at >= self.clock:
            return None
        return int((self.at - start) / self.dt + 1e-9) * self.dt

    def play_internal(self, skip_rendering: bool = False) -> None:
        local = self._advance(self._play_frames())
        if local is None:
            return self._play_internal(skip_rendering=True)  # no frame: the animation jumps to its end
        self.scene.update_to_time(local)
        self.stop()

    def freeze(self, duration: float) -> None:
        if self._advance(int(duration / self.dt)) is None:
            return self._freeze(duration)
        self.stop()

    def render(self) -> None:
        """Render the scene up to the moment. Manim ends a scene stopped inside construct() quietly,
        but not one stopped in setup(), where TraceScene shows its title card: that stop is ours too."""
        from manim.utils.exceptions import EndSceneEarlyException

        try:
            self.scene.render()
        except EndSceneEarlyException:
            if self.image is None:
                raise

    def stop(self) -> None:
        from manim.utils.exceptions import EndSceneEarlyException

        self.renderer.static_image = None
        self.renderer.update_frame(self.scene, ignore_skipping=True)
        self.image = self.renderer.camera.get_image()
        raise EndSceneEarlyException


def _quiet(logger: logging.Logger) -> None:
    for handler in logger.handlers:
        handler.setLevel(logging.ERROR)


def explain(name: str, exc: BaseException) -> str:
    """The scene's line (or a shared helper's) and the exception, in one or two lines."""
    where, code = manim_scene.scene_location(name, exc)
    return f"{where}: {type(exc).__name__}: {exc}{code}"


def request(argv: list[str]) -> tuple[str, str, float | None]:
    """The scene, quality and moment a still is asked for, checked: (name, quality, at)."""
    parser = argparse.ArgumentParser(
        prog="make still", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("name", help="scene: scenes/NAME.py")
    parser.add_argument("--at", default=None, help="seconds from the start (default: the last frame)")
    parser.add_argument("--quality", choices=list(manim_scene.QUALITIES), default="preview")
    args = parser.parse_args(argv)
    if not args.name:
        known = ", ".join(paths.scene_names())
        raise UserError(f"which scene? make still NAME=<scene> [AT=<seconds>]; the scenes are: {known}")
    try:
        at = None if args.at is None else float(args.at)
    except ValueError:
        raise UserError(f"AT={args.at}: a moment of the scene, in seconds from its start (0 or more)") from None
    check_request(args.name, at)
    return args.name, args.quality, at


@friendly_main
def main() -> None:
    grab(*request(sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
