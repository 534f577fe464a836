"""Build one deck: its dependencies, its Markdown, its PDF (slides or handout), its HTML.

python -m lecturemedia.deck deps NAME      build/deps/NAME.d, for Make
python -m lecturemedia.deck md NAME        build/md/NAME.md (the rendered template)
python -m lecturemedia.deck pdf NAME       build/slides/NAME.pdf
python -m lecturemedia.deck handout NAME   build/handouts/NAME.pdf
python -m lecturemedia.deck html NAME      build/html/NAME.html
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

from . import latex, pandoc, paths, templating
from .errors import UserError, friendly_main

BUILD = paths.BUILD


def deck_source(name: str) -> Path:
    src = paths.SLIDES_SRC / f"{name}.md"
    if not src.exists():
        raise UserError(f"no deck {paths.rel(src)}")
    return src


def write_deps(name: str) -> None:
    """A Make fragment: what the deck's Markdown and outputs are made from."""
    deck_source(name)
    deps = templating.scan(name)
    names = paths.scene_names()
    for video, where in sorted(deps.videos.items()):
        if video not in names:
            raise UserError(f"{where}: unknown video {video!r}; the videos are: {', '.join(names)}")
    rel = paths.rel
    templates = " ".join(sorted(rel(Path(t)) for t in deps.templates))
    traces = " ".join(f"build/traces/{t}.json" for t in sorted(deps.traces))
    lines = [f"build/deps/{name}.d: {templates}", f"build/md/{name}.md: {templates} {traces}"]
    for fmt, (folder, _, exts) in paths.DECK_OUTPUTS.items():
        media = [f"build/{folder}/videos/{v}.{e}" for v in sorted(deps.videos) for e in exts]
        lines.append(f"{rel(paths.deck_output(fmt, name))}: {' '.join(media)}")
    paths.write_atomic(BUILD / "deps" / f"{name}.d", "\n".join(lines) + "\n")


class Traces:
    """The `traces` variable of a deck: traces.NAME is the validated trace, read on first use."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._cache:
            from .traces import store  # imported on use: most decks read no trace

            self._cache[name] = store.load(name)
        return self._cache[name]

    __getitem__ = __getattr__


def render_markdown(name: str) -> None:
    deck_source(name)
    course_file = paths.CONFIG_DIR / "course.json"
    if not course_file.exists():
        raise UserError(f"{paths.rel(course_file)} is missing; run `make` (it is made from course.yaml)")
    context = {
        "course": json.loads(course_file.read_text(encoding="utf-8")),
        "traces": Traces(),
        "video": templating.video_placer(paths.scene_names),
    }
    try:
        text = templating.render(name, context)
        check_paths(name, text)
    except UserError:
        remove_outputs(name)
        raise
    paths.write_atomic(BUILD / "md" / f"{name}.md", text)


def check_paths(name: str, text: str) -> None:
    """Refuse a deck that names a file outside the project (`../../x.png`, `/etc/…`)."""
    source = deck_source(name)
    lines = source.read_text(encoding="utf-8").splitlines()
    for target in templating.paths_leaving(text, paths.SLIDES_SRC, paths.ROOT):
        line = next((i for i, text_line in enumerate(lines, 1) if target in text_line), None)
        where = f"{paths.rel(source)}:{line}" if line else paths.rel(source)
        raise UserError(f"{where}: the path {target!r} leaves the project; keep what a deck uses inside it")


def remove_outputs(name: str) -> None:
    """After a failure, leave no output of this deck that could pass for the current one."""
    (BUILD / "md" / f"{name}.md").unlink(missing_ok=True)
    for fmt in paths.DECK_OUTPUTS:
        paths.deck_output(fmt, name).unlink(missing_ok=True)


def build_pdf(name: str, handout: bool) -> None:
    start = time.monotonic()
    target = paths.deck_output("handout" if handout else "pdf", name)
    out_dir = target.parent
    work = BUILD / "latex" / out_dir.name / name
    work.mkdir(parents=True, exist_ok=True)
    md = BUILD / "md" / f"{name}.md"
    tex = work / f"{name}.tex"
    extra = ["-M", f"preamble-file={paths.TEMPLATES / 'preamble.tex'}"]
    if handout:
        extra += ["-M", "handout=true", "-V", "handout"]
    out_dir.mkdir(parents=True, exist_ok=True)
    source_lines = deck_source(name).read_text(encoding="utf-8").splitlines()
    try:
        pandoc.convert(md, tex, "beamer", f"slides_src/{name}.md", extra)
        result = latex.compile_pdf(tex, work, out_dir, source_lines, f"slides_src/{name}.md")
    except UserError:
        target.unlink(missing_ok=True)  # no stale PDF left looking like the answer
        raise
    shutil.copyfile(result.pdf, work / f".{name}.pdf.tmp")
    (work / f".{name}.pdf.tmp").replace(target)
    took = time.monotonic() - start
    passes = "pass" if result.passes == 1 else "passes"
    print(f"  {paths.rel(target)}  ({result.passes} LaTeX {passes}, {took:.1f} s)")


@friendly_main
def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m lecturemedia.deck", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("step", choices=["deps", "md", "pdf", "handout", "html"])
    parser.add_argument("name", help="deck name: slides_src/NAME.md")
    args = parser.parse_args()
    if args.step == "deps":
        write_deps(args.name)
    elif args.step == "md":
        render_markdown(args.name)
    elif args.step in ("pdf", "handout"):
        build_pdf(args.name, handout=args.step == "handout")
    else:
        from . import html

        html.build(args.name)


if __name__ == "__main__":
    main()
