"""Generated files that are exactly what the build wrote, or absent.

Every product is written to a temporary file and renamed, and its digest is kept beside
the build in build/.digests/<path>.sha256 (written before the rename, so a build killed
in between leaves a digest that no longer matches). Before each make, `sweep` removes any
product whose bytes differ from its digest (hand-edited, truncated, half-copied), so Make
sees it missing and makes it again. The digest of a product that went is kept (.gone): a
trace made again with the same bytes takes back its old time, and nothing made from it is
made again.

    python -m lecturemedia.outputs sweep
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from . import paths
from .errors import os_error

DIGESTS = paths.BUILD / ".digests"


def _sidecar(path: Path) -> Path:
    return DIGESTS / f"{paths.rel(path)}.sha256"



def _record(path: Path, sha: str) -> None:
    st = path.stat()
    paths.write_atomic(_sidecar(path), f"{sha} {st.st_size} {st.st_mtime_ns}\n")


def _gone(path: Path) -> Path:
    """Where the digest of a product that went (deleted, or damaged and swept) is kept."""
    return DIGESTS / f"{paths.rel(path)}.gone"


def publish(path: Path, data: bytes | str, *, only_if_changed: bool = False) -> bool:
    """Write `data` to `path` as a product. Returns whether the file was (re)written.

    only_if_changed: an identical file is left alone, and one that went since it was made
    comes back with the time it had if its bytes are the same, so that what was made from
    it (a video from a trace) stays current. Its rule must not compare it with its own
    sources (a trace's does so through its stamp).
    """
    raw = data.encode() if isinstance(data, str) else data
    sha = hashlib.sha256(raw).hexdigest()
    if only_if_changed and path.exists() and intact(path) and _stored(path)[0] == sha:
        return False
    went = _gone(path)
    old = went.read_text(encoding="utf-8").split() if only_if_changed and went.exists() else []
    went.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        tmp.chmod(0o666 & ~paths.UMASK)
        publish_file(tmp, path, sha=sha)
    finally:
        tmp.unlink(missing_ok=True)
    if len(old) == 3 and old[0] == sha and old[2].isdigit():
        os.utime(path, ns=(int(old[2]), int(old[2])))
        _record(path, sha)
    return True


def publish_file(tmp: Path, path: Path, *, sha: str | None = None) -> None:
    """Rename a finished temporary file onto `path`, recording its digest first."""
    sha = sha or paths.sha256_file(tmp)
    _sidecar(path).parent.mkdir(parents=True, exist_ok=True)
    paths.write_atomic(_sidecar(path), f"{sha} - -\n")  # no size/time yet: a kill here leaves it checked
    tmp.replace(path)
    _record(path, sha)


def copy(src: Path, dest: Path) -> None:
    """Copy a file as a product of its own (a video beside a deck, reveal.js beside the HTML)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    shutil.copyfile(src, tmp)
    publish_file(tmp, dest)


def remove(path: Path) -> None:
    """Remove a product and its digest: nothing left that could pass for the current one."""
    path.unlink(missing_ok=True)
    _sidecar(path).unlink(missing_ok=True)


def _stored(path: Path) -> tuple[str, str, str]:
    sha, size, mtime = _sidecar(path).read_text(encoding="utf-8").split()
    return sha, size, mtime


def intact(path: Path) -> bool | None:
    """True if `path` holds what the build wrote, False if not, None if no digest is kept."""
    try:
        sha, size, mtime = _stored(path)
    except (FileNotFoundError, ValueError):
        return None
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    if size == str(st.st_size) and mtime == str(st.st_mtime_ns):
        return True  # unchanged since it was hashed
    if paths.sha256_file(path) != sha:
        return False
    _record(path, sha)  # the same bytes, touched: note the new time
    return True


def sweep() -> list[str]:
    """Remove every product that is not what the build wrote; return their paths."""
    removed = []
    if not DIGESTS.is_dir():
        return removed
    for sidecar in sorted(DIGESTS.rglob("*.sha256")):
        product = paths.ROOT / str(sidecar.relative_to(DIGESTS))[: -len(".sha256")]
        if not product.exists():
            sidecar.replace(_gone(product))
        elif intact(product) is False:
            product.unlink(missing_ok=True)
            sidecar.replace(_gone(product))
            removed.append(paths.rel(product))
    return removed


DECK_FOLDERS = tuple(folder for folder, _, _ in paths.DECK_OUTPUTS.values())  # slides, handouts, html, pptx
_SCENE_FILE = re.compile(r"[A-Za-z0-9_]+")  # a scene's products: <scene>.mp4, <scene>-end.png, <scene>-final.d


def _deck_stem(path: Path, suffixes: tuple[str, ...]) -> str | None:
    name = path.name.lstrip(".")
    for suffix in suffixes:
        if name.endswith(suffix) and path.is_file():
            return name[: -len(suffix)]
    return None


def _scene_stem(path: Path) -> str | None:
    match = _SCENE_FILE.match(path.name)
    return match.group(0).removesuffix("-end") if match and path.is_file() else None


def _folder_name(path: Path) -> str | None:
    return path.name if path.is_dir() else None


def orphans() -> list[Path]:
    """Products of a deck, scene or computation that is no longer there."""
    build = paths.BUILD
    decks = {p.stem for p in paths.SLIDES_SRC.glob("*.md")}
    scenes, computations = set(paths.scene_names()), set(paths.computation_names())
    site, labs = build / "site", {p.stem for p in (paths.ROOT / "labs").glob("*.ipynb")}
    deck_files, trace_files = (".md", ".d", ".stamp", ".pdf", ".html", ".pptx"), (".json", ".stamp", ".log")
    in_videos = [build / "videos", *(build / "videos").glob("*/"), *(build / f / "videos" for f in DECK_FOLDERS)]
    places = [
        (decks, lambda p: _deck_stem(p, deck_files), [build / f for f in ("md", "deps", *DECK_FOLDERS)]),
        (decks, _folder_name, [build / "latex" / "slides", build / "latex" / "handouts", build / "latex" / "pptx"]),
        (scenes, _scene_stem, [*in_videos, build / "stills", build / "deps" / "videos", build / "logs" / "videos"]),
        (scenes, _folder_name, [build / "manim"]),
        (computations, lambda p: _deck_stem(p, trace_files), [build / "traces", build / "logs" / "traces"]),
        # make site: a lecture's page, its folder, its copy of the HTML deck; a lab's page
        (decks, lambda p: _deck_stem(p, (".html", ".d")), [site / "lectures", site / "decks", build / "deps" / "site"]),
        (decks, _folder_name, [site / "lectures"]),
        (scenes, _scene_stem, [site / "decks" / "videos"]),
        (labs, lambda p: _deck_stem(p, (".html", ".ipynb")), [site / "labs"]),
    ]
    gone = []
    for names, stem_of, folders in places:
        for folder in folders:
            if folder.is_dir():
                gone += [p for p in sorted(folder.iterdir()) if (stem := stem_of(p)) is not None and stem not in names]
    return gone


def remove_orphans() -> list[str]:
    """Remove what was made from a deck, scene or computation that has been deleted."""
    removed = []
    for path in orphans():
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            remove(path)
        removed.append(paths.rel(path))
    return removed


def main() -> None:
    if sys.argv[1:] != ["sweep"]:
        raise SystemExit("usage: python -m lecturemedia.outputs sweep")
    from . import sources

    try:
        sources.follow_content()
        for product in sweep():
            print(f"{product} was changed after the build wrote it; making it again", file=sys.stderr)
        for product in remove_orphans():
            print(f"  removed {product}: its source is gone")
    except OSError as exc:
        print(f"warning: could not check build/: {os_error(exc)}", file=sys.stderr)


if __name__ == "__main__":
    main()


def _dependents_graph() -> dict[str, set[str]]:
    """prerequisite -> the products made from it, from the .d files the build wrote, plus the
    steps every trace, deck and video has (course.yaml's parts -> the traces and the decks'
    Markdown; a deck's Markdown -> its outputs; a video -> its copies)."""
    graph: dict[str, set[str]] = {}

    def edge(prereq: str, target: str) -> None:
        graph.setdefault(prereq, set()).add(target)

    for d_file in list((paths.BUILD / "deps").glob("*.d")) + list((paths.BUILD / "deps" / "videos").glob("*.d")):
        for line in d_file.read_text(encoding="utf-8").splitlines():
            target, sep, prereqs = line.partition(": ")
            if sep:
                for prereq in prereqs.split():
                    edge(prereq, target.strip())
    config = paths.rel(paths.CONFIG_DIR)
    for trace in (paths.BUILD / "traces").glob("*.json"):  # course.yaml's parts -> the traces
        edge(f"{config}/trace-{trace.stem}.json", paths.rel(trace))
        edge(f"{config}/environment.json", paths.rel(trace))
    for md in (paths.BUILD / "md").glob("*.md"):
        edge(f"{config}/course.json", paths.rel(md))
        for fmt in paths.DECK_OUTPUTS:
            edge(paths.rel(md), paths.rel(paths.deck_output(fmt, md.stem)))
    for mp4 in (paths.BUILD / "videos").rglob("*.mp4"):  # a video -> its posters, captions, copies
        for folder, _, exts in paths.DECK_OUTPUTS.values():
            for ext in exts:
                edge(paths.rel(mp4), paths.rel(mp4.with_name(mp4.stem + ext)))
                edge(paths.rel(mp4), f"build/{folder}/videos/{mp4.stem}{ext}")
    return graph


def remove_dependents(product: Path) -> list[str]:
    """After `product` failed to be made, remove what was made from it (and so on), so that no
    deck quoting a failed trace, and no copy of a failed video, is left looking current."""
    graph = _dependents_graph()
    start = paths.rel(product)
    removed, todo, seen = [], [start], {start}
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target in seen:
                continue
            seen.add(target)
            todo.append(target)
            path = paths.ROOT / target
            if path.exists():
                remove(path)
                removed.append(target)
    return removed
