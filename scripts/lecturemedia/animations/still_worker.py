"""A warm still maker: Manim imported once, each still in a fork.

    python -m lecturemedia.animations.still_worker [--idle SECONDS]

Importing Manim is half of a still's time. The worker imports it, then listens on
build/.still.sock; `make still` (lecturemedia.animations.still_command) asks it first and makes the still
itself when no worker answers. Each request is served by a forked child with the asking
process's environment, so a scene's module, its traces and Manim's configuration are read
afresh every time and a scene that fails takes nothing down with it. The worker is
single-threaded, as fork needs; one worker serves a folder (build/.still.lock); an edit of
the engine itself makes it start again.

Two ways it runs: `make watch STILLS=1` starts one that lives as long as the watcher; and a
`make still` that found no worker leaves one behind (`--idle`), which ends after IDLE_SECONDS
without a request, or as soon as build/ is removed (`make clean`). LECTURE_STILL_WORKER=0
in the environment: no worker is left behind.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from .. import paths

SOCKET = paths.BUILD / ".still.sock"
LOCK = paths.BUILD / ".still.lock"
HERE = "LECTURE_STILL_HERE"  # set in the worker's children: make the still here, ask no one
REQUEST_TIMEOUT = 2.0  # seconds a client has to send its request (a stuck one holds up the next)
IDLE_SECONDS = 900  # a worker left behind by `make still` ends after this long without a request
LEFT_BEHIND = "LECTURE_STILL_WORKER"  # "0": `make still` leaves no worker behind
LOG = paths.BUILD / "logs" / "still-worker.log"
STOP = {signal.SIGINT, signal.SIGTERM}


def _address() -> str:
    """The socket's path; relative to the project when the absolute one is longer than AF_UNIX takes."""
    path = str(SOCKET)
    return os.path.relpath(path) if len(path.encode()) > 100 else path


def ask(args: Sequence[str]) -> int | None:
    """Have the worker run `python -m lecturemedia.animations.still ARGS`: its exit status, or None if
    no worker answers."""
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(_address())
    except OSError:
        return None
    try:
        with conn, conn.makefile("rb") as replies:
            conn.sendall(json.dumps({"args": list(args), "env": dict(os.environ)}).encode() + b"\n")
            return _relay(replies)
    except OSError:
        return None  # the worker went away: make the still here


def _relay(replies: IO[bytes]) -> int | None:
    """Copy the child's output to ours (stdout and stderr framed apart); its exit status."""
    for line in replies:
        kind, _, value = line.rstrip(b"\n").partition(b" ")
        if kind == b"exit":
            return int(value)
        if kind == b"retry":
            return None
        if kind in (b"out", b"err"):
            data = replies.read(int(value))
            stream = sys.stdout if kind == b"out" else sys.stderr
            stream.write(data.decode(errors="replace"))
            stream.flush()
    return None  # no status: the worker was stopped meanwhile


def leave_behind() -> None:
    """Start a worker that outlives this `make still` (unless LECTURE_STILL_WORKER=0): the next still is warm.

    It gets none of our files (make waits for a pipe's last writer; fd 9 is make's lock) and a
    session of its own, so neither make nor a terminal's Ctrl-C waits for it or reaches it."""
    if os.environ.get(LEFT_BEHIND) == "0":
        return
    with contextlib.suppress(OSError):
        LOG.parent.mkdir(parents=True, exist_ok=True)
        with LOG.open("ab") as log:
            subprocess.Popen(
                [sys.executable, "-m", "lecturemedia.animations.still_worker", "--idle", str(IDLE_SECONDS)],
                cwd=paths.ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                close_fds=True, start_new_session=True,
            )  # fmt: skip


def serve(idle: float | None = None, parent: int | None = None) -> None:
    """Serve stills until stopped: with idle, until that many seconds pass without a request
    (a worker left behind); with parent, until that process (the watcher) is gone."""
    for sig in STOP:
        signal.signal(sig, lambda *_: sys.exit(0))  # stopped by the watcher: quietly
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    lock = LOCK.open("w")
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError:
            if parent is None:
                return  # a left-behind worker is not needed twice
            if not _alive(parent):
                return
            time.sleep(0.5)  # a watcher's worker waits for a left-behind one to end
    import manim  # noqa: F401  (what the worker is for: imported once)

    from . import scene, still, traces  # noqa: F401

    engine = _engine_stamp()
    SOCKET.unlink(missing_ok=True)
    last_request = time.monotonic()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        _bind_private(server)
        server.listen()
        server.settimeout(1.0)
        ours = SOCKET.stat().st_ino
        try:
            while _still_ours(ours):
                if parent is not None and not _alive(parent):
                    return  # the watcher gone (even killed): the worker goes too
                if idle is not None and time.monotonic() - last_request > idle:
                    return
                if _engine_stamp() != engine:
                    break  # made again with the new engine (below)
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                last_request = time.monotonic()
                with conn:
                    if _engine_stamp() != engine:
                        with contextlib.suppress(OSError):
                            conn.sendall(b"retry\n")
                        break
                    _answer(conn, server)
            else:
                return  # build/ removed, or another worker in a new build/
        finally:
            if _still_ours(ours):
                SOCKET.unlink(missing_ok=True)
    again = [*(["--idle", str(idle)] if idle is not None else []), *(["--parent", str(parent)] if parent else [])]
    # the engine changed: start again
    os.execv(sys.executable, [sys.executable, "-m", "lecturemedia.animations.still_worker", *again])


def _bind_private(server: socket.socket) -> None:
    """Bind the socket readable and writable by this account alone (0600), whatever the umask.

    Whoever can connect has a scene run with the environment it sends: on a shared machine, a
    socket made under umask 0022 (0755) would let any account do that. The mode is set by the
    bind itself (under umask 177), so there is no moment when it is open to others."""
    umask = os.umask(0o177)  # 0600 at once; the worker is single-threaded and forks only after this
    try:
        server.bind(_address())
    finally:
        os.umask(umask)
    SOCKET.chmod(0o600)  # the same, said outright


def _alive(pid: int) -> bool:
    """Whether the process that started this worker still runs as its parent."""
    return os.getppid() == pid


def _still_ours(inode: int) -> bool:
    """Whether the socket is still the one this worker bound (`make clean` removes it)."""
    try:
        return SOCKET.stat().st_ino == inode
    except OSError:
        return False


def _engine_stamp() -> list[int]:
    """The engine's files, and the folder of installed packages (a pip install changes it)."""
    import manim

    site_packages = Path(manim.__file__).parent.parent
    engine = sorted(Path(__file__).parent.parent.rglob("*.py"))  # every stage's modules and the ground's
    return [p.stat().st_mtime_ns for p in [site_packages, *engine]]


def _answer(conn: socket.socket, server: socket.socket) -> None:
    conn.settimeout(REQUEST_TIMEOUT)
    try:
        with conn.makefile("rb") as requests:
            request = json.loads(requests.readline())
        args, env = list(request["args"]), dict(request["env"])
    except (OSError, ValueError, KeyError, TypeError):
        return
    conn.settimeout(None)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP)  # no stop between fork and the child's own handlers
        pid = os.fork()
        if pid == 0:
            _child(args, env, out, err, server)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP)
        _, wait_status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(wait_status)
        with contextlib.suppress(OSError):
            for kind, stream in ((b"out", out), (b"err", err)):
                stream.seek(0)
                data = stream.read()
                if data:
                    conn.sendall(kind + b" %d\n" % len(data) + data)
            conn.sendall(b"exit %d\n" % (code if code >= 0 else 128 - code))


def _child(args: list[str], env: dict[str, str], out: IO[bytes], err: IO[bytes], server: socket.socket) -> None:
    """The still, in the forked child, with the asker's environment; never returns."""
    status = 1
    try:
        server.close()
        for sig in STOP:
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP)
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        os.environ.clear()
        os.environ.update(env)
        os.environ[HERE] = "1"
        from . import still

        sys.argv = ["lecturemedia.animations.still", *args]
        try:
            still.main()
            status = 0
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(status)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m lecturemedia.animations.still_worker", description=__doc__)
    parser.add_argument("--idle", type=float, default=None, help="end after so many seconds without a request")
    parser.add_argument("--parent", type=int, default=None, help="end when this process (the watcher) ends")
    args = parser.parse_args(argv)
    serve(args.idle, args.parent)


if __name__ == "__main__":
    main()
