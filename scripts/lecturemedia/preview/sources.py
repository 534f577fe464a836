"""What the preview watches: the course's sources, each save grouped into one change."""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath

from .. import paths

WATCHED_DIRS = ("slides_src", "computations", "scenes")
WATCHED_FILES = ("course.yaml",)
STEP_MS = 50  # a save is built once no other change came for this long (an editor's temp file + rename)
DEBOUNCE_MS = 400  # and at most this long after the first change
IGNORED_DIRS = {"build", ".git", "__pycache__", "node_modules", ".venv", ".ipynb_checkpoints", ".pytest_cache"}
IGNORED_NAMES = re.compile(
    r"^\.#|^#.*#$|~$|\.sw[a-p]$|\.swpx$|^4913$|\.tmp$|\.part$|\.bak$|___jb_(tmp|old)___$"
    r"|^\.goutputstream-|\.kate-swp$|^\.DS_Store$|\.py[cod]$"
)


def is_source(root: Path, path: str) -> bool:
    """Whether a changed path is one a build reads (and no editor's swap or temp file)."""
    try:
        rel = PurePosixPath(Path(path).relative_to(root).as_posix())
    except ValueError:
        return False
    if IGNORED_NAMES.search(rel.name) or any(part in IGNORED_DIRS for part in rel.parts):
        return False
    return str(rel) in WATCHED_FILES or (len(rel.parts) > 1 and rel.parts[0] in WATCHED_DIRS)


def watch_sources(root: Path, on_change: Callable[[set[str]], None], stop: threading.Event) -> list[threading.Thread]:
    """Threads that call on_change with the changed sources (paths relative to root) after each save.

    The folders are watched recursively; the project root only for course.yaml, without its
    subfolders (build/, .venv/), so that a replaced course.yaml is still seen.
    """
    folders = [root / d for d in WATCHED_DIRS if (root / d).is_dir()]
    groups = [(folders, True), ([root], False)]
    threads = [
        threading.Thread(target=_watch, args=(root, paths, recursive, on_change, stop), daemon=True, name="watch")
        for paths, recursive in groups
        if paths
    ]
    for t in threads:
        t.start()
    return threads


def _watch(
    root: Path, paths: list[Path], recursive: bool, on_change: Callable[[set[str]], None], stop: threading.Event
) -> None:
    import watchfiles

    changes_seen = watchfiles.watch(
        *paths,
        watch_filter=lambda _change, path: is_source(root, path),
        debounce=DEBOUNCE_MS,
        step=STEP_MS,
        stop_event=stop,
        recursive=recursive,
        rust_timeout=500,
        raise_interrupt=False,
    )
    try:
        for changes in changes_seen:
            on_change({Path(path).relative_to(root).as_posix() for _change, path in changes})
    except Exception as exc:  # say so, rather than stop watching in silence
        print(f"error: watching {', '.join(p.name for p in paths)} stopped: {exc}", file=sys.stderr, flush=True)



def scene_names(root: Path) -> list[str]:
    """The scenes of the project at `root` (the watcher's, or a test's copy)."""
    return paths.scene_names(root / "scenes")


def scenes_touched(changed: Iterable[str], scenes: Sequence[str]) -> list[str]:
    """The scenes a save can change: its own scene or computation; every scene for a shared file."""
    touched: set[str] = set()
    for rel in changed:
        p = PurePosixPath(rel)
        if str(p) in WATCHED_FILES:
            touched.update(scenes)
        elif p.parts[0] not in ("scenes", "computations") or p.suffix != ".py" or p.name.startswith("."):
            continue  # a deck, or an editor's temporary file
        elif p.stem in scenes:
            touched.add(p.stem)
        elif p.parts[0] == "scenes":
            touched.update(scenes)  # a helper the scenes share (common.py, _x.py)
    return sorted(touched)
