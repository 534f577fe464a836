"""A warm still maker for `make watch --stills`: Manim imported once, each still in a fork.

    python -m lecturemedia.still_worker      (started and stopped by the watcher)

Importing Manim is half of a still's time. The worker imports it, then listens on
build/.still.sock; `make still` (lecturemedia.still) asks it first and makes the still
itself when no worker answers. Each request is served by a forked child, so a scene's
module, its traces and Manim's configuration are read afresh every time and a scene that
fails takes nothing down with it. The worker is single-threaded, as fork needs.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import Sequence

from . import paths

SOCKET = paths.BUILD / ".still.sock"
HERE = "LECTURE_STILL_HERE"  # set in the worker's children: make the still here, ask no one


def ask(args: Sequence[str]) -> int | None:
    """Have the worker run `python -m lecturemedia.still ARGS`: its exit status, or None if no worker answers."""
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(str(SOCKET))
    except OSError:
        return None
    with conn, conn.makefile("rb") as replies:
        conn.sendall(json.dumps({"args": list(args)}).encode() + b"\n")
        status = None
        for line in replies:
            if line.startswith(b"\0exit "):
                status = int(line[6:])
                break
            target = sys.stderr if line.startswith((b"error", b"warning")) else sys.stdout
            target.write(line.decode(errors="replace"))
            target.flush()
    return 1 if status is None else status


def serve() -> None:
    import manim  # noqa: F401  (what the worker is for: imported once)

    from . import scene, still, traces  # noqa: F401

    SOCKET.parent.mkdir(parents=True, exist_ok=True)
    SOCKET.unlink(missing_ok=True)
    parent = os.getppid()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: sys.exit(0))  # stopped by the watcher: quietly
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(SOCKET))
        server.listen()
        server.settimeout(1.0)
        try:
            while os.getppid() == parent:  # the watcher gone (even killed): the worker goes too
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                with conn:
                    _answer(conn)
        finally:
            SOCKET.unlink(missing_ok=True)


def _answer(conn: socket.socket) -> None:
    conn.settimeout(None)
    with conn.makefile("rb") as requests:
        try:
            args = json.loads(requests.readline())["args"]
        except (ValueError, KeyError, TypeError):
            return
    pid = os.fork()
    if pid == 0:  # the child: the still, its output into the connection
        status = 1
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        try:
            os.dup2(conn.fileno(), 1)
            os.dup2(conn.fileno(), 2)
            sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
            from . import still

            os.environ[HERE] = "1"
            sys.argv = ["lecturemedia.still", *args]
            status = _exit_status(still.main)
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(status)
    _, wait_status = os.waitpid(pid, 0)
    with contextlib.suppress(OSError):
        conn.sendall(f"\0exit {os.waitstatus_to_exitcode(wait_status)}\n".encode())


def _exit_status(main: object) -> int:
    try:
        main()  # type: ignore[operator]
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    serve()
