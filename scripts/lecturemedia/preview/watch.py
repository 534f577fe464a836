"""Live preview: serve build/html/, rebuild through make on every save, reload the open pages.

    python -m lecturemedia.watch [--port 8000] [--stills] [-- MAKE_ARGS...]

`make watch` runs this. It serves build/html/ on 127.0.0.1 only, with a small script put
into every page it serves (the files on disk stay as built). On each save under slides_src/,
scenes/, computations/ or of course.yaml it runs `make html slides`: Make builds the HTML
first (and, with two jobs, the PDF beside it), and as soon as a deck's HTML is written each
open page whose deck (or a file the deck shows) changed reloads on the slide it was on. Then
`make handouts`. One make at a time; saves during a build make one next build (a save made
while the PDF is being made stops it once the HTML is served: the next build makes it). A failed build is
printed here and shown over the last good slides until a good one. With --stills, a scene
edit refreshes the scene's still (`make still`) instead of re-rendering its video.

The pages hear from the watcher over Server-Sent Events at /__watch/events: `state`
({error, building, stills}, sent first on connect and on every change), `reload` ({decks})
and `built` (one per build: {ok, html, pdf, decks}: seconds to the first reload and to the make's end).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import html
import http.server
import json
import os
import queue
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from . import paths

ASSETS = Path(__file__).parent / "assets"
WATCHED_DIRS = ("slides_src", "computations", "scenes")
WATCHED_FILES = ("course.yaml",)
SCRIPT_TAG = b'<script src="/__watch/watch.js"></script>'
STEP_MS = 50  # a save is built once no other change came for this long (an editor's temp file + rename)
DEBOUNCE_MS = 400  # and at most this long after the first change
POLL_SECONDS = 0.02  # how often a build is looked at for a deck's new HTML
# A parent make's settings, not for ours (its jobserver, its inner-make flag: ours go through
# the Makefile's outer layer, which takes build/.lock and repeats the errors last).
MAKE_VARS = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "LECTURE_INNER", "LECTURE_ERRORS")
IGNORED_DIRS = {"build", ".git", "__pycache__", "node_modules", ".venv", ".ipynb_checkpoints", ".pytest_cache"}
IGNORED_NAMES = re.compile(
    r"^\.#|^#.*#$|~$|\.sw[a-p]$|\.swpx$|^4913$|\.tmp$|\.part$|\.bak$|___jb_(tmp|old)___$"
    r"|^\.goutputstream-|\.kate-swp$|^\.DS_Store$|\.py[cod]$"
)
ERROR_LINE = "error: "
PROGRESS = re.compile(r"^\s+\S+: animation \d+, ")  # a scene's progress line (scenes/common.py)
STILL_PATH = re.compile(r"/__watch/stills/([A-Za-z0-9_]+)\.png")
REFERENCE = re.compile(rb'\b(?:src|href|poster|data-src|data-background-(?:image|video))="([^"]+)"')


# ---- what to watch


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


# ---- the pages' channel


class Hub:
    """The open pages: a queue each, and the state a page is told first when it connects."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: set[queue.Queue[tuple[str, Any] | None]] = set()
        self.state: dict[str, Any] = {"error": None, "building": False, "stills": {}}

    def subscribe(self) -> queue.Queue[tuple[str, Any] | None]:
        q: queue.Queue[tuple[str, Any] | None] = queue.Queue()
        with self._lock:
            self._clients.add(q)
            q.put(("state", dict(self.state)))
        return q

    def unsubscribe(self, q: queue.Queue[tuple[str, Any] | None]) -> None:
        with self._lock:
            self._clients.discard(q)

    def publish(self, event: str, data: Any) -> None:
        with self._lock:
            for q in self._clients:
                q.put((event, data))

    def update(self, **changes: Any) -> None:
        """Change the state and tell every page (if it changed)."""
        with self._lock:
            if all(self.state.get(k) == v for k, v in changes.items()):
                return
            self.state.update(changes)
            state = dict(self.state)
        self.publish("state", state)

    def close(self) -> None:
        """End every page's event stream."""
        with self._lock:
            for q in self._clients:
                q.put(None)


# ---- what build/html/ holds


class Site:
    """build/html/ as last seen: each file's digest, each deck's last good HTML, what each deck reads."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.stats: dict[str, tuple[int, int]] = {}
        self.digests: dict[str, str] = {}
        self.pages: dict[str, bytes] = {}  # deck.html -> its last good bytes, served while the file is missing
        self.update(keep_missing=False)

    def scan(self) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        for dirpath, _dirs, files in os.walk(self.folder):
            for name in files:
                path = Path(dirpath, name)
                try:
                    st = path.stat()
                except FileNotFoundError:
                    continue
                found[path.relative_to(self.folder).as_posix()] = (st.st_mtime_ns, st.st_size)
        return found

    def update(self, keep_missing: bool) -> set[str]:
        """The files whose bytes changed since the last update. After a failed make, keep_missing:
        a file the failure removed is taken as unchanged (its last good bytes are still served)."""
        stats = self.scan()
        changed = {rel for rel in stats if stats[rel] != self.stats.get(rel) and self._rehash(rel)}
        for rel in set(self.stats) - set(stats):
            if keep_missing:
                stats[rel] = self.stats[rel]
            else:
                changed.add(rel)
                self.digests.pop(rel, None)
                self.pages.pop(rel, None)
        self.stats = stats
        return changed

    def pages_written(self) -> bool:
        """Whether a deck's HTML was written since the last update (a few stats: polled during a
        build). A deck's HTML is made again after any video or picture it shows (its prerequisites)."""
        for page in self.folder.glob("*.html"):
            with suppress(FileNotFoundError):
                st = page.stat()
                if (st.st_mtime_ns, st.st_size) != self.stats.get(page.name):
                    return True
        return False

    def _rehash(self, rel: str) -> bool:
        """Record the file's digest (and a deck's bytes); whether its bytes changed."""
        try:
            data = (self.folder / rel).read_bytes()
        except FileNotFoundError:
            return False
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        if "/" not in rel and rel.endswith(".html"):
            self.pages[rel] = data
        old, self.digests[rel] = self.digests.get(rel), digest
        return old != digest

    def decks_reading(self, changed: set[str]) -> list[str]:
        """The decks whose HTML, or a file their HTML names (video, image, style, script), changed."""
        return sorted(
            rel.removesuffix(".html")
            for rel, page in self.pages.items()
            if rel in changed or references(page) & changed
        )


def references(page: bytes) -> set[str]:
    """The files under build/html/ that a page names in src, href, poster (relative URLs only)."""
    found = set()
    for m in REFERENCE.finditer(page):
        url = urllib.parse.urlsplit(html.unescape(m.group(1).decode("utf-8", "replace")))
        if url.scheme or url.netloc or url.path.startswith("/") or not url.path:
            continue
        path = os.path.normpath(urllib.parse.unquote(url.path))
        if not path.startswith(".."):
            found.add(PurePosixPath(path).as_posix())
    return found


def inject(page: bytes) -> bytes:
    """The page with the watcher's script before </body> (or at its end)."""
    at = page.lower().rfind(b"</body>")
    return page + SCRIPT_TAG if at < 0 else page[:at] + SCRIPT_TAG + b"\n" + page[at:]


# ---- the builds


def error_message(stderr: str, stdout: str = "") -> str:
    """What a failed make said, for the page: each `error: ...` block of the build, else its last lines."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in stderr.splitlines():
        if line.startswith(ERROR_LINE):
            current = [line.removeprefix(ERROR_LINE)]
            blocks.append(current)
        elif line.startswith(("make: ", "make[")) or not line.strip() or PROGRESS.match(line):
            current = None if line.startswith("make") else current
        elif current is not None:
            current.append(line)
    if blocks:
        return "\n\n".join(dict.fromkeys("\n".join(b) for b in blocks))  # the outer make repeats them
    tail = [ln for ln in (stderr or stdout).splitlines() if ln.strip() and not PROGRESS.match(ln)]
    return "\n".join(tail[-15:]) or "make failed"


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


def end_group(pgid: int, leader: subprocess.Popen[Any] | None = None) -> None:
    """SIGINT (as Ctrl-C would: make deletes what it was writing), then SIGTERM, then SIGKILL,
    until no process of the group is left. `leader`: the group's first process, when nothing
    else waits for it (its exit is collected here, or it would stay a zombie of the group)."""
    for sig, grace in ((signal.SIGINT, 5.0), (signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if leader is not None:
                leader.poll()
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)


@dataclass
class Result:
    ok: bool
    seconds: float
    stdout: str
    stderr: str
    superseded: bool = False  # stopped for a newer save


class Builder:
    """Runs make for the saves it is told of: one make at a time, the saves made meanwhile in one next build."""

    def __init__(
        self,
        root: Path,
        make_args: Sequence[str],
        hub: Hub,
        site: Site,
        stills: bool = False,
        say: Callable[[str], None] = print,
    ) -> None:
        self.root, self.make_args, self.stills, self.say = root, list(make_args), stills, say
        self.hub, self.site = hub, site
        self._cond = threading.Condition()
        self._pending: set[str] = set()
        self._stopping = False
        self._proc: subprocess.Popen[str] | None = None
        self.errors: dict[str, str | None] = {}

    def request(self, changed: Iterable[str]) -> None:
        with self._cond:
            self._pending.update(changed)
            self._cond.notify_all()

    def pending(self) -> bool:
        with self._cond:
            return bool(self._pending)

    def run(self) -> None:
        """The build loop (a thread's target), until stop()."""
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                changed, self._pending = self._pending, set()
            try:
                self.cycle(changed)
            except _StoppedError:
                return
            except Exception as exc:  # the watcher outlives anything a build does
                self.say(f"error: the watcher's build step failed: {type(exc).__name__}: {exc}")
                self.hub.update(building=False, error=f"{type(exc).__name__}: {exc}")

    def stop(self) -> None:
        """End the loop, and the make running now with everything it started."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            proc = self._proc
        if proc is not None:
            end_group(proc.pid)

    def cycle(self, changed: set[str]) -> None:
        """One build: one make of the HTML and the PDFs, the HTML first; each page reloads as soon
        as its HTML is written, before the PDFs are done. A save made meanwhile stops the PDFs once
        the HTML is served (the next build makes them). Then the stills if asked, then the handouts."""
        self.hub.update(building=True)
        keep = self.old_videos() if self.stills else []
        start = time.perf_counter()
        reloaded: list[str] = []
        html_seconds: float | None = None

        def reload(keep_missing: bool, building: bool = False) -> None:
            nonlocal html_seconds
            decks = self.site.decks_reading(self.site.update(keep_missing=keep_missing))
            if decks:
                html_seconds = html_seconds or time.perf_counter() - start
                reloaded.extend(d for d in decks if d not in reloaded)
                if building:  # a good save, so far: the pages reload without the last build's error
                    self.errors.pop("build", None)
                    self.hub.update(error=self.error_text())
                self.hub.publish("reload", {"decks": decks})

        def poll() -> bool:
            if self.site.pages_written():
                reload(keep_missing=True, building=True)
            return bool(reloaded) and self.pending()

        build = self.step("build", [*keep, "html", "slides"], poll=poll)
        if build.superseded:
            self.say(_summary(build, html_seconds or build.seconds, build.seconds, reloaded))
            return  # building still: the next save's build follows at once
        reload(keep_missing=not build.ok)
        self.hub.update(error=self.error_text())
        if self.stills and build.ok:
            self.refresh_stills(changed)
        last = build
        if build.ok and not self.pending():  # the handouts are not waited for, and can wait for the next save
            last = self.step("build", [*keep, "handouts"])
        html_seconds = html_seconds or build.seconds
        seconds = time.perf_counter() - start
        self.say(_summary(last, html_seconds, seconds, reloaded))
        self.hub.update(building=False, error=self.error_text())
        built = {"ok": last.ok, "html": html_seconds, "pdf": build.seconds, "decks": sorted(reloaded)}
        self.hub.publish("built", built)

    def step(self, name: str, targets: list[str], poll: Callable[[], bool] | None = None) -> Result:
        """Run make for one step; record (and print) its error, or clear it."""
        result = self.make(*targets, poll=poll)
        if result.superseded:
            return result  # stopped for a newer save: no verdict on this one
        message = None if result.ok else error_message(result.stderr, result.stdout)
        if message:
            self.say(f"error: {message}")
        self.errors[name] = message
        return result

    def make(self, *args: str, poll: Callable[[], bool] | None = None) -> Result:
        """Run make; call poll every few hundredths of a second while it runs, and stop make
        (with everything it started) when poll says so."""
        start = time.perf_counter()
        cmd = ["make", "--no-print-directory", "-k", *self.make_args, *args]
        env = {k: v for k, v in os.environ.items() if k not in MAKE_VARS}
        if self.stills:
            env["LECTURE_STILL_WORKER"] = "0"  # the watcher runs its own worker, and ends it
            env["LECTURE_INNER"] = "1"  # the build graph itself: the outer make would not pass -o on
            (self.root / "build").mkdir(exist_ok=True)
            cmd = ["flock", str(self.root / "build" / ".lock"), *cmd]  # the outer make's lock, taken here
        with self._cond:
            if self._stopping:
                raise _StoppedError
            self._proc = proc = subprocess.Popen(
                cmd,
                cwd=self.root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,  # its own process group, so that a stop ends all of it
            )
        superseded = False
        while True:
            try:
                out, err = proc.communicate(timeout=POLL_SECONDS if poll else None)
                break
            except subprocess.TimeoutExpired:  # retrying loses no output
                assert poll is not None
                try:
                    superseded = poll()
                except BaseException:
                    end_group(proc.pid, proc)
                    raise
                if superseded:
                    end_group(proc.pid, proc)  # as Ctrl-C: make removes what it was writing
                    out, err = proc.communicate()
                    break
        with self._cond:
            self._proc = None
            if self._stopping:
                raise _StoppedError
        return Result(proc.returncode == 0 and not superseded, time.perf_counter() - start, out, err, superseded)

    def error_text(self) -> str | None:
        return "\n\n".join(m for m in self.errors.values() if m) or None

    def video_dir(self) -> str:
        quality = next((a.split("=", 1)[1] for a in self.make_args if a.startswith("QUALITY=")), None)
        quality = quality or os.environ.get("QUALITY") or "preview"
        return "build/videos" if quality == "preview" else f"build/videos/{quality}"

    def old_videos(self) -> list[str]:
        """make's -o for each video there is: keep it as it is, whatever changed (--stills)."""
        folder = self.root / self.video_dir()
        videos = [p for s in scene_names(self.root) for p in (folder / f"{s}.mp4", folder / f"{s}.png") if p.exists()]
        return [arg for p in videos for arg in ("-o", p.relative_to(self.root).as_posix())]

    def refresh_stills(self, changed: set[str]) -> None:
        """`make still` for each scene the save touched; the pages show the new ones."""
        for scene in scenes_touched(changed, scene_names(self.root)):
            result = self.step(f"still {scene}", ["still", f"NAME={scene}"])
            if result.ok:
                stills = {**self.hub.state["stills"], scene: time.time_ns() // 1_000_000}
                self.hub.update(stills=stills, error=self.error_text())
                self.say(f"  still  {result.seconds:5.2f} s  build/stills/{scene}.png")


class _StoppedError(Exception):
    """The watcher is stopping: the build in progress is abandoned."""


def _summary(build: Result, html_seconds: float, seconds: float, decks: list[str]) -> str:
    parts = [f"  html {html_seconds:.2f} s"]
    if decks:
        parts.append(f"reload {', '.join(decks)}")
    verdict = "PDF stopped for the next save" if build.superseded else "built" if build.ok else "failed"
    parts.append(f"{verdict} {seconds:.2f} s")
    return "  ".join(parts)


# ---- the server


class Handler(http.server.SimpleHTTPRequestHandler):
    """build/html/ with the watcher's script in each page; the event stream; the stills."""

    server: PreviewServer

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        try:
            if path == "/__watch/events":
                self.events()
            elif path == "/__watch/watch.js":
                self.send_bytes((ASSETS / "watch.js").read_bytes(), "text/javascript; charset=utf-8")
            elif m := STILL_PATH.fullmatch(path):
                self.send_file(self.server.stills / f"{m[1]}.png")
            elif path == "/" and not (self.server.site.folder / "index.html").exists():
                self.send_bytes(inject(index_page(self.server.site)), "text/html; charset=utf-8")
            elif path.endswith(".html") or path.endswith("/"):
                self.page(path)
            else:
                self.static(path)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away (a reload, a seek in a video)

    def page(self, path: str) -> None:
        file = Path(self.translate_path(path))
        if file.is_dir():
            file = file / "index.html"
        try:
            rel = file.relative_to(self.server.site.folder).as_posix()
        except ValueError:
            return self.send_error(404)
        body = file.read_bytes() if file.is_file() else self.server.site.pages.get(rel)
        if body is None:
            return self.send_error(404)
        self.send_bytes(inject(body), "text/html; charset=utf-8")

    def static(self, path: str) -> None:
        file = Path(self.translate_path(path))
        if file.is_dir():
            return super().do_GET()  # its listing (or the redirect to add the slash)
        self.send_file(file)

    def send_bytes(self, body: bytes, ctype: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_file(self, file: Path) -> None:
        """A file, or the byte range asked for (browsers seek in videos with Range)."""
        try:
            fh: BinaryIO = file.open("rb")
        except OSError:
            return self.send_error(404)
        with fh:
            size = os.fstat(fh.fileno()).st_size
            span = byte_range(self.headers.get("Range"), size)
            if span is None:
                self.send_response(200)
                start, end = 0, size
            else:
                start, end = span
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{end - 1}/{size}")
            self.send_header("Content-Type", self.guess_type(str(file)))
            self.send_header("Content-Length", str(end - start))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            fh.seek(start)
            _copy(fh, self.wfile, end - start)

    def events(self) -> None:
        """The Server-Sent Events stream: the state first, then every event, a comment every 15 s."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.end_headers()
        self.wfile.write(b"retry: 500\n\n")
        q = self.server.hub.subscribe()
        try:
            while True:
                try:
                    item = q.get(timeout=15)
                except queue.Empty:
                    self.wfile.write(b": still here\n\n")
                    self.wfile.flush()
                    continue
                if item is None:
                    return
                self.wfile.write(f"event: {item[0]}\ndata: {json.dumps(item[1])}\n\n".encode())
                self.wfile.flush()
        finally:
            self.server.hub.unsubscribe(q)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a reload gets what was just built
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class PreviewServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, root: Path, hub: Hub, site: Site) -> None:
        self.hub, self.site, self.stills = hub, site, root / "build" / "stills"
        super().__init__(("127.0.0.1", port), functools.partial(Handler, directory=str(site.folder)))


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end) of a one-range `Range: bytes=a-b` header within size; None for the whole file."""
    m = re.fullmatch(r"bytes=(\d*)-(\d*)", (header or "").strip())
    if not m or not (m[1] or m[2]) or size == 0:
        return None
    if not m[1]:
        return max(0, size - int(m[2])), size
    start = int(m[1])
    end = min(size, int(m[2]) + 1) if m[2] else size
    return (start, end) if start < end else None


def _copy(src: BinaryIO, dst: Any, n: int) -> None:
    while n > 0:
        chunk = src.read(min(n, 1 << 16))
        if not chunk:
            return
        dst.write(chunk)
        n -= len(chunk)


def index_page(site: Site) -> bytes:
    """The decks built so far, and the stills, as links."""
    decks = sorted(p.stem for p in site.folder.glob("*.html"))
    items = "".join(f'<li><a href="{urllib.parse.quote(d)}.html">{html.escape(d)}</a></li>' for d in decks)
    return (
        '<!doctype html><html lang="es"><meta charset="utf-8"><title>Vista previa</title>'
        '<body style="font:18px sans-serif;margin:2em">'
        f"<h1>Decks</h1><ul>{items or '<li>(building…)</li>'}</ul></body></html>"
    ).encode()


# ---- the watcher


def start_still_worker(root: Path) -> subprocess.Popen[bytes]:
    """Manim kept imported for `make still` (lecturemedia.still_worker), in its own process group."""
    return subprocess.Popen(
        [sys.executable, "-m", "lecturemedia.still_worker", "--parent", str(os.getpid())],
        cwd=root,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def serve(root: Path, port: int, make_args: Sequence[str], stills: bool = False) -> int:
    """Watch, build and serve until SIGINT or SIGTERM; then stop everything it started."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    hub, site = Hub(), Site(root / "build" / "html")
    try:
        server = PreviewServer(port, root, hub, site)
    except OSError as exc:
        print(f"error: cannot serve on 127.0.0.1:{port}: {exc.strerror}; try PORT=<another port>", file=sys.stderr)
        return 1
    builder = Builder(root, make_args, hub, site, stills=stills, say=lambda s: print(s, flush=True))
    worker = start_still_worker(root) if stills else None
    threads = [
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="serve"),
        threading.Thread(target=builder.run, name="build"),
    ]
    for t in threads:
        t.start()
    print(f"http://127.0.0.1:{server.server_address[1]}/", flush=True)
    builder.request(["(start)"])
    watchers = watch_sources(root, builder.request, stop)
    while not stop.wait(0.5):
        pass
    print("  stopping", flush=True)
    builder.stop()
    if worker is not None:
        end_group(worker.pid, worker)
    hub.close()
    server.shutdown()
    server.server_close()
    for t in threads + watchers:
        t.join(timeout=10)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lecturemedia.watch", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000), help="0: any free port")
    parser.add_argument("--stills", action="store_true", help="a scene edit refreshes its still, not its video")
    parser.add_argument("make_args", nargs="*", help="passed to every make (after --), e.g. QUALITY=test")
    args = parser.parse_args(argv)
    if shutil.which("make") is None:
        print("error: make is not installed", file=sys.stderr)
        return 1
    return serve(Path.cwd().resolve(), args.port, args.make_args, stills=args.stills)


# ---- for the tests and the benchmark: a watcher in a subprocess, its events, its latency


class EventStream:
    """The watcher's events, read in a thread: `next("reload", timeout)` waits for the next one."""

    def __init__(self, url: str) -> None:
        self._events: queue.Queue[tuple[str, Any]] = queue.Queue()
        parts = urllib.parse.urlsplit(url)
        self._sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
        request = f"GET {parts.path} HTTP/1.0\r\nHost: {parts.netloc}\r\nAccept: text/event-stream\r\n\r\n"
        self._sock.sendall(request.encode())
        self._lines = self._sock.makefile("rb")
        if b" 200 " not in self._lines.readline():
            raise ConnectionError(f"{url}: not an event stream")
        while self._lines.readline().strip():
            pass  # the headers
        self._sock.settimeout(None)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event = "message"
        try:
            for raw in self._lines:
                line = raw.decode().rstrip("\r\n")
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    self._events.put((event, json.loads(line.removeprefix("data: "))))
                    event = "message"
        except (OSError, ValueError):
            pass
        self._events.put(("closed", None))

    def next(self, event: str, timeout: float = 60, where: Callable[[Any], bool] = lambda _d: True) -> Any:
        """The data of the next `event` that `where` accepts (skipping the others)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                name, data = self._events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no {event!r} event within {timeout} s") from None
            if name == event and where(data):
                return data
            if name == "closed":
                raise EOFError("the watcher closed the event stream")

    def drain(self) -> None:
        while not self._events.empty():
            self._events.get_nowait()

    def close(self) -> None:
        with suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # ends the reading thread's wait, too
        self._sock.close()


@dataclass
class Preview:
    """A running watcher: its process (a group of its own), its URL, its output so far."""

    proc: subprocess.Popen[str]
    url: str
    output: list[str]

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=30) as r:
            return r.read()

    def events(self) -> EventStream:
        return EventStream(self.url + "__watch/events")

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30) -> int:
        """Send sig to the watcher's process group, as Ctrl-C does to a terminal's; its exit code."""
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        return self.proc.wait(timeout)


@contextmanager
def running(
    cmd: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> Iterator[Preview]:
    """Start a watcher command (`make watch PORT=0 …` or `python -m lecturemedia.watch --port 0`),
    wait for its URL; stop it (SIGINT, then SIGKILL) on the way out."""
    full_env = {k: v for k, v in os.environ.items() if k not in MAKE_VARS} | dict(env or {})
    proc = subprocess.Popen(
        list(cmd), cwd=cwd, env=full_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    output: list[str] = []
    url = _read_url(proc, output, timeout)
    threading.Thread(target=lambda: output.extend(proc.stdout or ()), daemon=True).start()
    preview = Preview(proc, url, output)
    try:
        yield preview
    finally:
        if proc.poll() is None:
            try:
                preview.stop(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _read_url(proc: subprocess.Popen[str], output: list[str], timeout: float) -> str:
    assert proc.stdout is not None
    found: list[str] = []

    def read() -> None:
        for line in proc.stdout or ():
            output.append(line)
            if m := re.search(r"http://127\.0\.0\.1:\d+/", line):
                found.append(m[0])
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if not found:
        proc.kill()
        raise RuntimeError("the watcher printed no URL:\n" + "".join(output))
    return found[0]


def mark_line(text: str, word: str) -> str:
    """The deck with `word` at the end of its first list item, or as a last line (a one-line edit)."""
    marked, n = re.subn(r"^(- .+)$", rf"\1 {word}", text, count=1, flags=re.M)
    return marked if n else f"{text.rstrip()}\n\n{word}\n"


def measure_latency(
    project_root: Path,
    deck: str,
    n: int = 10,
    make_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Seconds from saving a one-line edit of a deck to the new HTML being served, and to the new
    PDF on disk, for n edits with a watcher running on project_root (which it edits, then restores)."""
    source = project_root / "slides_src" / f"{deck}.md"
    pdf = project_root / "build" / "slides" / f"{deck}.pdf"
    original = source.read_text(encoding="utf-8")
    cmd = [sys.executable, "-u", "-m", "lecturemedia.watch", "--port", "0", "--", *make_args]
    html_s: list[float] = []
    pdf_s: list[float] = []
    make_html: list[float] = []
    with running(cmd, project_root, env) as preview:
        events = preview.events()
        events.next("built", timeout=600)  # the first build brings build/ up to date
        try:
            for i in range(n):
                word = f"latency{i}x"
                events.drain()
                before = pdf.stat().st_mtime_ns if pdf.exists() else 0
                start = time.perf_counter()
                source.write_text(mark_line(original, word), encoding="utf-8")
                html_s.append(_until_served(preview, events, deck, word, start))
                pdf_s.append(_until_changed(pdf, before, start))
                make_html.append(events.next("built", timeout=120)["html"])
        finally:
            source.write_text(original, encoding="utf-8")
            events.next("built", timeout=120)
            events.close()
    return {
        "html_median": statistics.median(html_s),
        "pdf_median": statistics.median(pdf_s),
        "make_html_median": statistics.median(make_html),
        "html": html_s,
        "pdf": pdf_s,
    }


def _until_served(preview: Preview, events: EventStream, deck: str, word: str, start: float) -> float:
    while True:
        events.next("reload", timeout=120, where=lambda d: deck in d["decks"])
        if word.encode() in preview.get(f"{deck}.html"):
            return time.perf_counter() - start


def _until_changed(path: Path, before: int, start: float, timeout: float = 120) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_mtime_ns != before:
            return time.perf_counter() - start
        time.sleep(0.005)
    raise TimeoutError(f"{path} did not change within {timeout} s")


if __name__ == "__main__":
    sys.exit(main())
