"""`make bench BENCH=course`: the cost of a bigger course, on a made-up one in a temporary folder.

The made-up course has BENCH_DECKS decks at most (15) and BENCH_ANIMATIONS animations (40) at
that size: the course's own scenes (its decks read their traces) and, for the rest, one of
them with its computation under another name and other parameters (its first number changed).
Each deck is one of the course's decks, its own videos taken out and its share of the
animations placed, a frame each. For every size (3, 8 and 15 decks, with their share of the
animations) it reports the full build, a make with nothing changed, a one-deck edit, a
one-parameter edit, and the peak memory of the steps (the largest process's), so that a cost
that grows faster than the course shows.

    BENCH_DECKS=3,8,15 BENCH_ANIMATIONS=40 QUALITY=preview make bench BENCH=course
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from lecturemedia import paths
from lecturemedia.animations.manim_scene import scene_class_name
from lecturemedia.project_copy import Project, copy_project

TARGETS = ("slides", "handouts", "html", "videos")  # `make all` but the PowerPoint decks (Impress's own cost)
VIDEO_LINE = re.compile(r"^<< *video\(.*\) *>> *$", re.M)


def first_number(params: dict[str, Any]) -> str | None:
    """The first float parameter (else the first int) of a trace's parameters: the one varied."""
    for kind in (float, int):
        for key, value in params.items():
            if type(value) is kind:
                return key
    return None


def varied(value: float | int, k: int) -> float | int:
    return round(value * (1 + 0.05 * k), 6) if isinstance(value, float) else value + k


def make_course(source: Path, dest: Path, decks: int, animations: int) -> Project:
    """The made-up course in `dest`: `decks` decks and `animations` animations made from the course's."""
    project = copy_project(source, dest)
    config = yaml.safe_load((dest / "course.yaml").read_text(encoding="utf-8"))
    base_traces: dict[str, dict[str, Any]] = config.get("traces") or {}
    bases = paths.scene_names(dest / "scenes")
    base_decks = sorted(p for p in (dest / "slides_src").glob("*.md"))
    deck_texts = [VIDEO_LINE.sub("", p.read_text(encoding="utf-8")) for p in base_decks]
    for p in base_decks:
        p.unlink()
    names = list(bases)  # the course's own stay: its decks read their traces
    traces: dict[str, Any] = dict(base_traces)
    for k in range(max(0, animations - len(bases))):
        base = bases[k % len(bases)]
        name = f"{base}_v{k}"
        names.append(name)
        scene = (dest / "scenes" / f"{base}.py").read_text(encoding="utf-8")
        scene = scene.replace(f'trace("{base}")', f'trace("{name}")')
        scene = scene.replace(f"class {scene_class_name(base)}(", f"class {scene_class_name(name)}(")
        (dest / "scenes" / f"{name}.py").write_text(scene, encoding="utf-8")
        computation = dest / "computations" / f"{base}.py"
        if computation.exists():
            shutil.copyfile(computation, dest / "computations" / f"{name}.py")
            params = dict(base_traces.get(base) or {})
            key = first_number(params)
            if key:
                params[key] = varied(params[key], k + 1)
            traces[name] = params
    for j in range(decks):
        text = deck_texts[j % len(deck_texts)]
        placed = [n for i, n in enumerate(names) if i % decks == j]
        frames = "".join(f'\n# Animación {i + 1}\n\n<< video("{n}", width="58%") >>\n' for i, n in enumerate(placed))
        (dest / "slides_src" / f"deck_{j:02d}.md").write_text(text.rstrip("\n") + "\n" + frames, encoding="utf-8")
    config["traces"] = traces
    (dest / "course.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return project


def measured(project: Project, *args: str) -> tuple[float, float]:
    """Seconds and peak memory (MB, the largest process) of one `make`, run in a process of its own."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter(); done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "took = time.perf_counter() - t\n"
        "if done.returncode: sys.stderr.write(done.stdout + done.stderr); sys.exit(done.returncode)\n"
        "print(took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    command = [sys.executable, "-c", probe, *project._command(args)]
    done = subprocess.run(command, cwd=project.root, capture_output=True, text=True, env=project._env(None))
    if done.returncode:
        raise SystemExit(f"bench: make {' '.join(args)} failed in {project.root}:\n{done.stderr[-3000:]}")
    seconds, kb = done.stdout.split()
    return float(seconds), int(kb) / 1024


def edit_a_deck(project: Project) -> None:
    deck = sorted(project.path("slides_src").glob("*.md"))[0]
    text = deck.read_text(encoding="utf-8")
    deck.write_text(re.sub(r"^(- .+)$", r"\1 (bench)", text, count=1, flags=re.M), encoding="utf-8")


def edit_a_parameter(project: Project) -> None:
    path = project.path("course.yaml")
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    params = next(iter(config["traces"].values()))
    key = first_number(params)
    if key:
        params[key] = varied(params[key], 100)
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")


def bench_course(source: Path, scratch: Path) -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_DECKS", "3,8,15").split(",")]
    most = int(os.environ.get("BENCH_ANIMATIONS", "40"))
    quality = os.environ.get("QUALITY", "preview")
    targets = (*TARGETS, f"QUALITY={quality}")
    print(f"course: a made-up course ({most} animations at {max(sizes)} decks), make {' '.join(targets)}")
    print(f"  {'decks':>5} {'anims':>5} {'full':>9} {'no-op':>8} {'one deck':>9} {'one param':>10} {'peak MB':>8}")
    for decks in sizes:
        animations = max(1, round(most * decks / max(sizes)))
        project = make_course(source, scratch / f"course-{decks}", decks, animations)
        steps = [measured(project, *targets), measured(project, *targets)]
        edit_a_deck(project)
        steps.append(measured(project, *targets))
        edit_a_parameter(project)
        steps.append(measured(project, *targets))
        seconds = [f"{s:8.1f}s" for s, _ in steps]
        peak = max(mb for _, mb in steps)
        print(f"  {decks:>5} {animations:>5} {seconds[0]} {seconds[1]:>8} {seconds[2]:>9} {seconds[3]:>10} {peak:8.0f}")
        shutil.rmtree(project.root, ignore_errors=True)

