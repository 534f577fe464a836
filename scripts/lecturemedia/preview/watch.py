"""Live preview: serve build/html/, rebuild through make on every save, reload the open pages.

    python -m lecturemedia.preview.watch [--port 8000] [--stills] [-- MAKE_ARGS...]

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
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from .builder import Builder, end_group
from .pages import Hub, Site
from .server import PreviewServer
from .sources import watch_sources

# ---- the watcher


def start_still_worker(root: Path) -> subprocess.Popen[bytes]:
    """Manim kept imported for `make still` (lecturemedia.animations.still_worker), in its own process group."""
    return subprocess.Popen(
        [sys.executable, "-m", "lecturemedia.animations.still_worker", "--parent", str(os.getpid())],
        cwd=root,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


FATAL = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1)) | (1 << (signal.SIGHUP - 1))


def _caught_signals(pid: int) -> int | None:
    """The signals a process handles (Linux's /proc/PID/status), or None where that cannot be read."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("SigCgt:"):
            return int(line.split()[1], 16)
    return None


def parent_stopping(parent: int, caught_at_start: int | None) -> bool:
    """Whether `make watch` is ending. Make given SIGINT (or SIGHUP) alone, not through a
    terminal's process group, passes it to no child and waits for them: what shows is that it
    stopped handling that signal (it resets it to its default before waiting)."""
    if os.getppid() != parent:
        return True
    if caught_at_start is None:
        return False
    now = _caught_signals(parent)
    return now is None or bool(caught_at_start & ~now & FATAL)


def serve(root: Path, port: int, make_args: Sequence[str], stills: bool = False) -> int:
    """Watch, build and serve until SIGINT or SIGTERM; then stop everything it started."""
    stop = threading.Event()
    parent = os.getppid()  # make watch: when it ends, so does everything here
    caught = _caught_signals(parent)
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
        if parent_stopping(parent, caught):
            break  # `make watch` was stopped by a signal it does not pass on (SIGINT to its PID alone)
    stop.set()  # the watching threads too (they would keep the end waiting for their join's timeout)
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
        prog="python -m lecturemedia.preview.watch",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000), help="0: any free port")
    parser.add_argument("--stills", action="store_true", help="a scene edit refreshes its still, not its video")
    parser.add_argument("make_args", nargs="*", help="passed to every make (after --), e.g. QUALITY=test")
    args = parser.parse_args(argv)
    if shutil.which("make") is None:
        print("error: make is not installed", file=sys.stderr)
        return 1
    return serve(Path.cwd().resolve(), args.port, args.make_args, stills=args.stills)


if __name__ == "__main__":
    sys.exit(main())
