"""Build one deck: its dependencies, its Markdown, its PDF (slides or handout), its HTML.

python -m lecturemedia.decks.deck deps NAME      build/deps/NAME.d, for Make
python -m lecturemedia.decks.deck md NAME        build/md/NAME.md (the rendered template)
python -m lecturemedia.decks.deck pdf NAME       build/slides/NAME.pdf
python -m lecturemedia.decks.deck handout NAME   build/handouts/NAME.pdf
python -m lecturemedia.decks.deck html NAME      build/html/NAME.html
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import time
from pathlib import Path
from typing import Any

from .. import console, outputs, paths
from ..errors import UserError, friendly_main

# Each step imports what it uses: `make html` after an edit starts three of them, and
# pydantic, Jinja or the LaTeX helpers would cost each one.

BUILD = paths.BUILD


def deck_source(name: str) -> Path:
    src = paths.SLIDES_SRC / f"{name}.md"
    if not src.exists():
        raise UserError(f"no deck {paths.rel(src)}")
    return src


def _make_escape(path: str) -> str:
    return path.replace(" ", "\\ ").replace("#", "\\#").replace(":", "\\:")


def local_files(name: str, text: str) -> list[Path]:
    """The project's files that the deck names (images, \\input files), for Make: in slides_src/
    or beside it (`../img/x.png`), not the build's own products."""
    from . import templating

    found = []
    for target in templating.named_paths(text):
        path = (paths.SLIDES_SRC / target).resolve()
        if path.is_file() and path.is_relative_to(paths.ROOT) and not path.is_relative_to(paths.BUILD.resolve()):
            found.append(path)
    return sorted(set(found))


def write_deps(name: str) -> None:
    """A Make fragment: what the deck's Markdown and outputs are made from.

    Written only when it changes (a stamp records the run), so that an edit of the deck's
    text does not make Make re-read its makefiles.
    """
    from . import templating

    source = deck_source(name)
    deps = templating.scan(name)
    scenes = paths.scene_names()
    for video, where in sorted(deps.videos.items()):
        if video not in scenes:
            raise UserError(
                f"{where}: unknown video {video!r}; the videos are: {', '.join(scenes) or '(none)'} "
                "(one per scenes/<name>.py)"
            )
    known = paths.computation_names()
    for trace, where in sorted(deps.traces.items()):
        if trace not in known:
            raise UserError(f"{where}: unknown trace {trace!r}; the traces are: {', '.join(known) or '(none)'}")
    rel = paths.rel
    templates = sorted(rel(Path(t)) for t in deps.templates)
    files = [rel(p) for p in local_files(name, templating.read_source(source))]
    traces = [f"build/traces/{t}.json" for t in sorted(deps.traces)]
    lines = [
        f"build/deps/{name}.d: {' '.join(templates)}",
        f"build/md/{name}.md: {' '.join(templates + traces)}",
    ]
    for fmt, (folder, _, exts) in paths.DECK_OUTPUTS.items():
        media = [f"build/{folder}/videos/{v}{e}" for v in sorted(deps.videos) for e in exts]
        prereqs = " ".join(_make_escape(p) for p in media + files)
        lines.append(f"{rel(paths.deck_output(fmt, name))}: {prereqs}")
    # The narrated lecture plays the animations in place, with their captions (publish/lecture).
    lecture = [f"build/lecture/videos/{v}{e}" for v in sorted(deps.videos) for e in (".mp4", ".srt", "-end.png")]
    lines.append(f"build/lecture/{name}.mp4: {' '.join(lecture)}")
    # Like gcc -MP: a template or file that disappears is no error of Make's; the deck step says it.
    lines += [f"{_make_escape(p)}:" for p in templates + files]
    paths.write_atomic(BUILD / "deps" / f"{name}.d", "\n".join(lines) + "\n", only_if_changed=True)
    (BUILD / "deps" / f".{name}.stamp").touch()


class Traces:
    """The `traces` variable of a deck: traces.NAME is the validated trace, read on first use."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._cache:
            from ..animations import traces  # imported on use: most decks read no trace

            known = paths.computation_names()
            if name not in known:
                raise UserError(f"unknown trace {name!r}; the traces are: {', '.join(known) or '(none)'}")
            self._cache[name] = traces.load(name)
        return self._cache[name]

    __getitem__ = __getattr__


def render_markdown(name: str) -> None:
    from . import templating

    source = deck_source(name)
    course_file = paths.CONFIG_DIR / "course.json"
    if not course_file.exists():
        raise UserError(f"{paths.rel(course_file)} is missing; run `make` (it is made from course.yaml)")
    context = {
        "course": json.loads(course_file.read_text(encoding="utf-8")),
        "traces": Traces(),
        "video": templating.video_placer(paths.scene_names),
    }
    text = templating.render(name, context)
    check_paths(source, text)
    warn_glued_lists(source, text)
    outputs.publish(BUILD / "md" / f"{name}.md", text)


def warn_glued_lists(source: Path, rendered: str) -> None:
    """Say where a list right under a line of text will be read as that text (the reader option is off)."""
    from . import glued_lists, pandoc, templating

    shown = paths.rel(source)
    if glued_lists.enabled(pandoc.reader(pandoc.metadata(rendered), shown)):
        return
    lines = glued_lists.lines_after_text(templating.read_source(source))
    if lines:
        more = f" (also lines {', '.join(map(str, lines[1:]))})" if lines[1:] else ""
        console.warn(
            f"{shown}:{lines[0]}: a list right after a line of text is read as part of that paragraph{more}; "
            f'leave a blank line before it, or set reader_extensions: "+{glued_lists.EXTENSION}" '
            "under course: in course.yaml"
        )


def check_paths(source: Path, text: str) -> None:
    """Refuse a deck that names a file outside the project, or one that is not there."""
    from . import templating

    lines = templating.read_source(source).splitlines()

    def where(target: str) -> str:
        line = next((i for i, text_line in enumerate(lines, 1) if target in text_line), None)
        return f"{paths.rel(source)}:{line}" if line else paths.rel(source)

    for target in templating.paths_leaving(text, paths.SLIDES_SRC, paths.ROOT):
        raise UserError(f"{where(target)}: the path {target!r} leaves the project; keep what a deck uses inside it")
    scenes = set(paths.scene_names())
    for target in templating.named_paths(text, images_only=True):
        placed = re.fullmatch(r"videos/(\w+)\.(mp4|png)", target)
        if placed and placed.group(1) in scenes:
            continue  # placed by video(): made by the build
        if not _image_exists(paths.SLIDES_SRC / target):
            raise UserError(
                f"{where(target)}: the image {target!r} is not there ({paths.rel(paths.SLIDES_SRC / target)}): "
                f"a deck names its images relative to {paths.rel(paths.SLIDES_SRC)}/, anywhere in the project"
            )


def _image_exists(path: Path) -> bool:
    """pdflatex finds `img/x` as img/x.png, .jpg or .pdf: an image named without its extension."""
    return path.is_file() or any(path.with_name(path.name + ext).is_file() for ext in (".png", ".jpg", ".pdf"))


def remove_outputs(name: str) -> None:
    """After a failure, leave no output of this deck that could pass for the current one."""
    outputs.remove(BUILD / "md" / f"{name}.md")
    for fmt in paths.DECK_OUTPUTS:
        outputs.remove(paths.deck_output(fmt, name))


def build_pdf(name: str, handout: bool) -> None:
    from . import latex, pandoc, png_copies, templating

    start = time.monotonic()
    target = paths.deck_output("handout" if handout else "pdf", name)
    out_dir = target.parent
    work = BUILD / "latex" / out_dir.name / name
    work.mkdir(parents=True, exist_ok=True)
    md = BUILD / "md" / f"{name}.md"
    tex = work / "deck.tex"  # an ASCII job name, whatever the deck's file is called
    extra = ["-M", f"preamble-file={paths.TEMPLATES / 'preamble.tex'}"]
    extra += ["-M", f"slides-dir={paths.SLIDES_SRC.resolve()}", "-M", f"project-root={paths.ROOT.resolve()}"]
    if handout:
        extra += ["-M", "handout=true", "-V", "handout"]
    out_dir.mkdir(parents=True, exist_ok=True)
    shown = paths.rel(deck_source(name))
    source_lines = templating.read_source(deck_source(name)).splitlines()
    outputs.remove(target)  # out of date (Make runs this step only then): gone until remade
    try:
        # images pdflatex cannot read (GIF…) as PNG copies, as bare pandoc's PDF writer makes them
        copies = work / "images"
        for src in png_copies.make_copies(md.read_text(encoding="utf-8"), copies, source_lines, shown):
            extra += ["-M", f"png-copy={src}"]
        pandoc.convert(md, tex, "beamer", shown, extra, filters=(*pandoc.FILTERS, "png_copies.lua"))
        result = latex.compile_pdf(tex, work, out_dir, source_lines, shown, inputs=(copies,))
        outputs.copy(result.pdf, target)
    except UserError:
        outputs.remove(target)  # no stale PDF left looking like the answer
        raise
    passes = "pass" if result.passes == 1 else "passes"
    console.product(target, f"{result.passes} LaTeX {passes}, {time.monotonic() - start:.1f} s")


@friendly_main
def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m lecturemedia.decks.deck",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("step", choices=["deps", "md", "pdf", "handout", "html"])
    parser.add_argument("name", help="deck name: slides_src/NAME.md")
    args = parser.parse_args()
    if args.step in ("deps", "md"):
        step = write_deps if args.step == "deps" else render_markdown
        try:
            step(args.name)
        except (UserError, OSError):  # a template error, a full disk…
            # Make runs these steps when the deck, what it reads, or the engine changed: no output
            # made before may pass for the current deck (the next good run makes them again).
            with contextlib.suppress(OSError):
                remove_outputs(args.name)
            raise
    elif args.step in ("pdf", "handout"):
        build_pdf(args.name, handout=args.step == "handout")
    else:
        from . import html

        html.build(args.name)


if __name__ == "__main__":
    main()
