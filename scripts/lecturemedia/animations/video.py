"""Render one scene to build/videos/[QUALITY/]NAME.mp4 and its poster NAME.png.

    python -m lecturemedia.animations.video NAME [--quality preview|final|test]

The trace is checked before Manim is imported; the scene renders in this process, so an
exception in it is reported as the scene's file:line, and a LaTeX failure as the formula
and LaTeX's message. The full log is kept under build/logs/videos/.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import time
import traceback
from pathlib import Path

from .. import console, outputs, paths
from ..errors import UserError, friendly_main
from . import captions, computation, frame_rows, manim_speedups, render_cluster, render_parts, traces
from .manim_scene import QUALITIES, explain, load_scene, manim_settings, scene_class_name

# What the scene writes beside <name>.mp4, and the variable that tells it where.
COMPANIONS = {
    ".png": "LECTURE_POSTER",  # the first frame (the title card): the poster of the slides and the HTML
    "-end.png": "LECTURE_POSTER_END",  # the last frame: the handout's picture
}
# What the render writes from the scene's captions, once it has seen the frames they show over.
CAPTION_FILES = (
    ".srt",  # beside the mp4, where video players find them
    ".vtt",  # the same as WebVTT, for the HTML <track>
)


def out_dir(quality: str) -> Path:
    return paths.BUILD / "videos" if quality == "preview" else paths.BUILD / "videos" / quality


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def render(name: str, quality: str) -> tuple[Path, Path]:
    source = paths.SCENES / f"{name}.py"
    if not source.exists():
        known = ", ".join(paths.scene_names())
        raise UserError(f"no scene {paths.rel(source)}; the scenes are: {known}")
    if name in computation.names():
        traces.load(name)  # a missing or stale trace is reported before Manim starts
    address = render_cluster.scheduler_address()  # None: render on this machine
    start = time.monotonic()
    console.live(f"video {name} ({quality}): starting Manim …")

    import manim

    media = paths.BUILD / "manim" / name
    log_path = paths.BUILD / "logs" / "videos" / f"{name}-{quality}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    target_dir = out_dir(quality)
    target_dir.mkdir(parents=True, exist_ok=True)
    # Make renders only what is out of date: the old video goes now, with its copies and the
    # decks that place it (remade after it anyway), so that a render that is killed or fails
    # leaves nothing that looks like this scene's video.
    outputs.remove_dependents(target_dir / f"{name}.mp4")
    for ext in (".mp4", *COMPANIONS, *CAPTION_FILES):
        outputs.remove(target_dir / f"{name}{ext}")
    companions = {ext: target_dir / f".{name}{ext}.tmp" for ext in (*COMPANIONS, *CAPTION_FILES)}
    for ext, variable in COMPANIONS.items():
        companions[ext].unlink(missing_ok=True)
        os.environ[variable] = str(companions[ext])

    collect = _Collect()
    logger = logging.getLogger("manim")
    logger.addHandler(collect)
    for handler in logger.handlers:
        if handler is not collect:
            handler.setLevel(logging.CRITICAL)  # the console: we say it shorter

    settings = manim_settings(source, quality, media, f"{name}-{quality}")
    try:
        joined = render_parts.render_split(name, quality, source, address)  # None: one part, rendered here
        if joined is not None:
            movie, seconds, said = joined.movie, joined.seconds, joined.said
            traces.LOADED.update(joined.traces)
            shutil.copyfile(joined.poster, companions[".png"])
            shutil.copyfile(joined.end, companions["-end.png"])
        else:
            with manim_speedups.installed(), manim.tempconfig(settings):
                scene_cls = load_scene(source, scene_class_name(name))
                scene = scene_cls()
                scene.render()
                movie = Path(scene.renderer.file_writer.movie_file_path)
                seconds = scene.time
                said = list(getattr(scene, "captions", []))
    except Exception as exc:
        log_path.write_text("\n".join(collect.messages) + "\n" + traceback.format_exc(), encoding="utf-8")
        outputs.remove_dependents(target_dir / f"{name}.mp4")  # nor its copies, nor a deck that places it
        for ext in (".mp4", *COMPANIONS, *CAPTION_FILES):
            outputs.remove(target_dir / f"{name}{ext}")  # nothing left that could pass for this scene's video
        for tmp in companions.values():
            tmp.unlink(missing_ok=True)
        if isinstance(exc, render_parts.PartError):
            raise UserError(str(exc)) from None  # a part's own message, already with its scene line
        raise UserError(explain(name, exc, collect.messages, log_path)) from None
    finally:
        logger.removeHandler(collect)
    log_path.write_text("\n".join(collect.messages) + "\n", encoding="utf-8")
    if not companions[".png"].exists():
        raise UserError(
            f"scenes/{name}.py: no poster was saved; its scene should derive from TraceScene "
            "(from lecturemedia.animations.scene import TraceScene)"
        )
    write_captions(name, said, movie, companions)
    mp4 = target_dir / f"{name}.mp4"
    write_deps(name, quality, traces.LOADED)
    tmp = target_dir / f".{name}.mp4.tmp"
    shutil.copyfile(movie, tmp)
    outputs.publish_file(tmp, mp4)
    for ext, tmp in companions.items():
        outputs.publish_file(tmp, target_dir / f"{name}{ext}")
    took = time.monotonic() - start
    console.product(mp4, f"{seconds:.1f} s of video in {took:.1f} s")
    return mp4, target_dir / f"{name}.png"


def write_captions(name: str, said: list[captions.Caption], movie: Path, companions: dict[str, Path]) -> None:
    """The .srt and .vtt of the captions, each placed where the video's frames leave it room;
    warnings for captions too brief to be read or with no room (scene lines), and for none."""
    scene = f"scenes/{name}.py"
    if len(said) < 2:  # the title card's alone
        console.warn(f'{scene} has no captions: say what happens with self.say("…") as it happens')
    problems = captions.too_brief(said, scene) + captions.place(said, frame_rows.measure(movie), scene)
    for problem in sorted(problems, key=_line_order):
        console.warn(problem)
    companions[".srt"].write_text(captions.srt(said), encoding="utf-8")
    companions[".vtt"].write_text(captions.webvtt(said), encoding="utf-8")


def _line_order(warning: str) -> tuple[str, int]:
    where = warning.split(": ", 1)[0]
    file, _, line = where.partition(":")
    return file, int(line) if line.isdigit() else 0


def write_deps(name: str, quality: str, read: set[str]) -> None:
    """Like gcc -MD: the traces the scene read, so Make re-renders it when one changes."""
    target = paths.rel(out_dir(quality) / f"{name}.mp4")
    lines = [f"{target}: {' '.join(f'build/traces/{t}.json' for t in sorted(read))}"]
    lines += [f"build/traces/{t}.json:" for t in sorted(read)]
    paths.write_atomic(paths.BUILD / "deps" / "videos" / f"{name}-{quality}.d", "\n".join(lines) + "\n")


@friendly_main
def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m lecturemedia.animations.video",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", help="scene: scenes/NAME.py")
    parser.add_argument("--quality", choices=list(QUALITIES), default="preview")
    args = parser.parse_args()
    render(args.name, args.quality)


if __name__ == "__main__":
    main()
