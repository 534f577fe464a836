"""The course's sources by their content, not only their times.

Make rebuilds what is older than its sources. A source put back with an older time (`cp -p`,
`rsync -a`, `tar x`, a folder synced from another computer) looks older than the outputs of
the version it replaces, and Make would keep those. So the digest of every source is kept in
build/.digests/sources.json, with the time they were checked; before each make, a source
whose content differs from the digest kept, and whose time is not after that check, is given
the current time (as `touch` would), so Make sees it changed. An ordinary save is newer than
the check and is left alone (an editor holding the file sees no change of time). The table is
rewritten only when a source changed, so a make with nothing to do writes nothing.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

from . import paths

TABLE = paths.BUILD / ".digests" / "sources.json"
SKIPPED_DIRS = {"__pycache__", ".ipynb_checkpoints"}


def course_sources() -> Iterator[Path]:
    """Every file a build reads from the course: course.yaml, slides_src/, scenes/, computations/."""
    if paths.CONFIG_FILE.is_file():
        yield paths.CONFIG_FILE
    for folder in (paths.SLIDES_SRC, paths.SCENES, paths.COMPUTATIONS):
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith("."))
            for name in sorted(filenames):
                if not name.startswith("."):
                    yield Path(dirpath) / name



def follow_content() -> list[str]:
    """Give the current time to each source restored with content the last make did not see;
    return their paths. The first run only records."""
    try:
        kept_table = json.loads(TABLE.read_text(encoding="utf-8"))
        table: dict[str, list[int | str]] = kept_table["files"]
        checked_at: int | None = kept_table["checked_at"]
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        table, checked_at = {}, None
    now = time.time_ns()
    seen: dict[str, list[int | str]] = {}
    touched = []
    for path in course_sources():
        rel = paths.rel(path)
        st = path.stat()
        kept = table.get(rel)
        if kept and kept[0] == st.st_size and kept[1] == st.st_mtime_ns:
            seen[rel] = kept
            continue
        sha = paths.sha256_file(path)
        if kept and kept[2] != sha and checked_at is not None and st.st_mtime_ns <= checked_at:
            os.utime(path)  # restored with an older time: make it newer than what the old content made
            st = path.stat()
            touched.append(rel)
        seen[rel] = [st.st_size, st.st_mtime_ns, sha]
    if seen != table:
        paths.write_atomic(TABLE, json.dumps({"checked_at": now, "files": seen}, indent=0, sort_keys=True))
    return touched
