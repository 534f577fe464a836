"""The warm start server: PyTorch and Manim imported once, a forked child for each run.

    python -m lecturemedia.animations.warm_server SOCKET

Started by warm_start (which says what a run gets) when a run finds no server at SOCKET. One
server per socket (a lock beside it). It is single-threaded, as fork needs, and serves runs
side by side: make's jobs, a scene's parts. Of the engine it keeps nothing: a child imports
lecturemedia afresh from the asking process's sys.path, so an edit of the engine, a scene or a
computation is read by the next run. It ends after warm_start.IDLE_SECONDS without a run, when
its socket is removed, on SIGTERM, or at a request after the installed packages (or this
server's own code) changed: that request, and the runs after it, start cold, and the next
server imports the new packages.
"""

from __future__ import annotations

import array
import atexit
import contextlib
import fcntl
import importlib
import io
import json
import os
import runpy
import selectors
import signal
import socket
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from .warm_start import IDLE_SECONDS, MESSAGE_BYTES, PRELOADED, die_with_parent, site_packages

REQUEST_TIMEOUT = 2.0  # seconds a client has to send its request once connected
ENGINE_PACKAGE = "lecturemedia"


def _stamp() -> list[int]:
    """What the imports depend on: the installed packages' folder, and this server's code."""
    here = Path(__file__).parent
    return [p.stat().st_mtime_ns for p in (site_packages(), here / "warm_start.py", here / "warm_server.py")]


class Server:
    def __init__(self, address: Path) -> None:
        self.address = address
        self.jobs: dict[int, socket.socket] = {}  # child pid -> the connection of the run it serves
        self.accepting = True
        self.last_run = time.monotonic()
        self.selector = selectors.DefaultSelector()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.wake_read, self.wake_write = socket.socketpair()
        self.stamp = _stamp()
        self.inode = 0

    def serve(self) -> None:
        self.wake_read.setblocking(False)
        self.wake_write.setblocking(False)
        signal.set_wakeup_fd(self.wake_write.fileno())
        signal.signal(signal.SIGCHLD, lambda *_: None)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, lambda *_: self.stop())
        self.address.unlink(missing_ok=True)
        umask = os.umask(0o177)  # the socket is 0600 from its first moment
        try:
            self.listener.bind(str(self.address))
        finally:
            os.umask(umask)
        self.inode = self.address.stat().st_ino
        self.listener.listen(64)
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.selector.register(self.wake_read, selectors.EVENT_READ)
        try:
            while self.accepting or self.jobs:
                if self.accepting and not self.jobs and time.monotonic() - self.last_run > IDLE_SECONDS:
                    self.stop()
                if self.accepting and not self._still_ours():
                    self.stop()
                for key, _ in self.selector.select(timeout=1.0):
                    if key.fileobj is self.listener:
                        self._accept()
                    elif key.fileobj is self.wake_read:
                        with contextlib.suppress(OSError):
                            self.wake_read.recv(4096)
                    else:
                        self._client_gone(key.fileobj)  # type: ignore[arg-type]
                self._reap()
        finally:
            if self._still_ours():
                self.address.unlink(missing_ok=True)

    def stop(self) -> None:
        """Take no more runs; end when the running ones have."""
        if self.accepting:
            self.accepting = False
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(self.listener)
            self.listener.close()
            if self._still_ours():
                self.address.unlink(missing_ok=True)

    def _still_ours(self) -> bool:
        try:
            return self.address.stat().st_ino == self.inode
        except OSError:
            return False

    def _accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        self.last_run = time.monotonic()
        fds: list[int] = []
        try:
            conn.settimeout(REQUEST_TIMEOUT)
            message, ancillary, _, _ = conn.recvmsg(MESSAGE_BYTES, socket.CMSG_SPACE(3 * array.array("i").itemsize))
            for level, kind, data in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds += array.array("i", data[: len(data) - len(data) % 4]).tolist()
            request = json.loads(message)
            wanted = str(request["module"])
            if len(fds) != 3 or not wanted.startswith(ENGINE_PACKAGE + "."):
                raise ValueError("a run of the engine's, with its three standard streams")
        except (OSError, ValueError, KeyError, TypeError):
            self._close(conn, fds)
            return
        if _stamp() != self.stamp:
            self.stop()
        if not self.accepting:
            with contextlib.suppress(OSError):
                conn.send(b"cold")
            self._close(conn, fds)
            return
        pid = os.fork()
        if pid == 0:
            self._child(request, fds, conn)
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)  # as the child does: a signal forwarded at once finds its group
        for fd in fds:
            os.close(fd)
        self.jobs[pid] = conn
        _log(f"run {pid}: python -m {wanted} {' '.join(map(str, request['args']))} in {request['cwd']}")
        try:
            conn.settimeout(None)
            conn.send(b"pid %d" % pid)
            self.selector.register(conn, selectors.EVENT_READ)
        except OSError:
            self._client_gone(conn)

    def _client_gone(self, conn: socket.socket) -> None:
        """The asking process ended (killed: it sends nothing else): so does its run, children and all."""
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(conn)
        for pid, job in self.jobs.items():
            if job is conn:
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)

    def _reap(self) -> None:
        while self.jobs:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.jobs.pop(pid, None)
            if conn is None:
                continue
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(conn)
            code = os.waitstatus_to_exitcode(status)
            _log(f"run {pid}: exit {code}")
            with contextlib.suppress(OSError):
                conn.send(b"exit %d" % code)
            conn.close()

    @staticmethod
    def _close(conn: socket.socket, fds: list[int]) -> None:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        conn.close()

    def _child(self, request: dict[str, Any], fds: list[int], conn: socket.socket) -> None:
        """The run, in the forked child, as a fresh `python -m MODULE ARGS` would do it; never returns."""
        code = 1
        try:
            signal.set_wakeup_fd(-1)
            for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            os.setpgid(0, 0)
            die_with_parent()
            for other in (self.listener, self.wake_read, self.wake_write, conn, *self.jobs.values()):
                other.close()
            self.selector.close()
            for number, fd in enumerate(fds):
                os.dup2(fd, number)
            for fd in fds:
                if fd > 2:
                    os.close(fd)
            os.chdir(request["cwd"])
            os.umask(int(request["umask"]))
            os.environ.clear()
            os.environ.update(request["env"])
            sys.path[:] = request["path"]
            sys.dont_write_bytecode = bool(request["dont_write_bytecode"])
            for name in [m for m in sys.modules if m == ENGINE_PACKAGE or m.startswith(ENGINE_PACKAGE + ".")]:
                del sys.modules[name]
            _standard_streams()
            code = _run_module(str(request["module"]), [str(a) for a in request["args"]])
        except BaseException:
            traceback.print_exc()
        finally:
            with contextlib.suppress(BaseException):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)


def _standard_streams() -> None:
    """sys.stdin, stdout and stderr on the asker's streams, buffered as Python buffers them there."""
    unbuffered = bool(os.environ.get("PYTHONUNBUFFERED"))

    def text(fd: int, write: bool, errors: str) -> io.TextIOWrapper:
        raw = io.FileIO(fd, "w" if write else "r", closefd=False)
        buffered = io.BufferedWriter(raw) if write else io.BufferedReader(raw)
        interactive = os.isatty(fd)
        return io.TextIOWrapper(
            buffered,  # type: ignore[arg-type]
            encoding=sys.__stdout__.encoding if sys.__stdout__ else "utf-8",
            errors=errors,
            line_buffering=write and (interactive or unbuffered),
            write_through=write and unbuffered,
        )

    sys.stdin = sys.__stdin__ = text(0, False, "strict")
    sys.stdout = sys.__stdout__ = text(1, True, "strict")
    sys.stderr = sys.__stderr__ = text(2, True, "backslashreplace")


def _run_module(module: str, args: list[str]) -> int:
    """Run module as __main__, end as Python ends (threads joined, atexit): the exit code."""
    sys.argv = [module, *args]
    code = 0
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except KeyboardInterrupt:
        sys.stderr.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)  # ended by Ctrl-C, as Python ends then
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    with contextlib.suppress(BaseException):
        threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    return code


def main() -> None:
    address = Path(sys.argv[1])
    lock = address.with_suffix(".lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another server has this socket
    os.ftruncate(sys.stderr.fileno(), 0)  # the log (stdout and stderr) is this server's alone
    os.chdir(address.parent)  # no project's manim.cfg is read while Manim is imported
    start = time.monotonic()
    for module in PRELOADED:
        importlib.import_module(module)
    _log(f"server {os.getpid()}: {', '.join(PRELOADED)} imported in {time.monotonic() - start:.1f} s")
    Server(address).serve()
    _log(f"server {os.getpid()}: ended")


def _log(line: str) -> None:
    print(time.strftime("%Y-%m-%d %H:%M:%S"), line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
