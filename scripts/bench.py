"""`make bench`: how long the builds take, from one run, against the bare tools.

Runs in a throw-away copy of the project, so the instructor's files are never touched.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lecturemedia.project_copy import Project, copy_project

ROOT = Path.cwd()


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def row(label: str, seconds: float, reference: float | None = None) -> str:
    ratio = f"{seconds / reference:6.2f}x" if reference else ""
    return f"  {label:<44} {seconds:7.2f} s  {ratio}"


def bare_pandoc(project: Project, deck: str, out: Path) -> float:
    """Plain `pandoc -t beamer deck.md -o deck.pdf` on the deck's rendered Markdown."""
    md = project.path(f"build/md/{deck}.md").read_text(encoding="utf-8")
    md = re.sub(r"^!\[[^\]]*\]\(videos/.*$", "", md, flags=re.M)  # bare pandoc cannot place an mp4
    src = out / f"{deck}.md"
    src.write_text(md, encoding="utf-8")
    return timed(
        lambda: subprocess.run(
            ["pandoc", "-t", "beamer", src.name, "-o", f"{deck}.pdf"], cwd=out, check=True, capture_output=True
        )
    )


def edit_one_line(project: Project, deck: str) -> None:
    """Append a word to the deck's first list item."""
    project.edit(f"slides_src/{deck}.md", lambda s: re.sub(r"^(- .+)$", r"\1 (bench)", s, count=1, flags=re.M))


def bench_slides(project: Project, scratch: Path) -> None:
    print("slides: per deck, from one run")
    project.make("slides")
    decks = sorted(p.stem for p in project.path("slides_src").glob("*.md"))
    for deck in decks:
        bare = bare_pandoc(project, deck, scratch)
        edit_one_line(project, deck)
        rebuild = timed(lambda: project.make("slides"))
        noop = timed(lambda: project.make("slides"))
        print(f" {deck}")
        print(row("bare pandoc -t beamer deck.md -o deck.pdf", bare))
        print(row("make slides after editing one line", rebuild, bare))
        print(row("make slides with nothing changed", noop, bare))


def bench_traces(project: Project, scratch: Path) -> None:
    print("traces: the three PyTorch computations on the CPU, from scratch")
    for jobs in ("-j1", "-j2"):
        shutil.rmtree(project.path("build/traces"), ignore_errors=True)
        print(row(f"make {jobs} traces", timed(lambda jobs=jobs: project.make(jobs, "traces"))))
    print(row("make traces with nothing changed", timed(lambda: project.make("traces"))))


SECTIONS = {"traces": bench_traces, "slides": bench_slides}


def main() -> None:
    wanted = sys.argv[1:] or list(SECTIONS)
    scratch = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        project = copy_project(ROOT, scratch / "project", with_build=(ROOT / "build").exists())
        for name in wanted:
            SECTIONS[name](project, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
