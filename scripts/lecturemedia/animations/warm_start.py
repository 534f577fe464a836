"""Run a computation or a scene in a process that has PyTorch and Manim imported already.

    python -m lecturemedia.animations.warm_start MODULE [ARGS...]

is `python -m MODULE ARGS...` (make's rules for traces and videos, and a scene's parts, run
through it), with the imports done: importing PyTorch and Manim is 1.5 to 2 s of every such
process, more than a test-quality scene takes to draw. A server (warm_server) imports them once
and forks a child for each request; the child takes this process's working folder,
environment, umask, sys.path and standard streams, imports the engine afresh, runs MODULE as
`__main__` and ends with its exit status, which this process then ends with. Ctrl-C or a
signal to this process reaches the child; this process killed, the child is killed too.

One server serves one account's builds with one interpreter (any project folder): its socket is
in a folder of that account's alone (0700, checked), named after the interpreter, its
installed packages and the environment variables read while they are imported (the
number of threads, say), so a child runs as a fresh process would. The first request finds
no server: it starts one and runs here, cold. The server ends after IDLE_SECONDS without a
request, or at the next request after the installed packages change.

LECTURE_WARM=0 in the environment: every run is cold, here, and no server is started.
"""

from __future__ import annotations

import array
import contextlib
import hashlib
import json
import os
import runpy
import signal
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .. import paths

SWITCH = "LECTURE_WARM"  # "0": run here, start no server
IDLE_SECONDS = 600
PRELOADED = ("torch", "manim")
# Environment variables that the preloaded libraries read while they are imported (OpenMP's
# threads, PyTorch's and Manim's settings, the locale, the user's configuration folders):
# a server serves only requests that have the values it was started with.
IMPORT_TIME_VARIABLES = ("HOME", "LANG", "LC_ALL", "LC_CTYPE", "PYTHONHASHSEED", "PYTHONWARNINGS")
IMPORT_TIME_PREFIXES = ("OMP_", "MKL_", "OPENBLAS_", "GOTO", "KMP_", "TORCH", "PYTORCH", "MANIM", "XDG_")
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
SOCKET_PATH_BYTES = 107
MESSAGE_BYTES = 1 << 20  # a request (its environment and sys.path) fits in one packet


def site_packages() -> Path:
    """Where the venv's packages are installed: a pip install changes its time."""
    import sysconfig

    return Path(sysconfig.get_paths()["purelib"])


def import_time_environment(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k in IMPORT_TIME_VARIABLES or k.startswith(IMPORT_TIME_PREFIXES)}


def server_key(env: dict[str, str]) -> str:
    """The server for this interpreter and these import-time variables."""
    key = {"python": sys.executable, "prefix": sys.prefix, "env": import_time_environment(env)}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def private_folder() -> Path | None:
    """This account's folder for the servers' sockets, made 0700 if missing; None if it is not
    this account's alone (whoever can reach a socket there has code run as us)."""
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    folder = Path(base) / f"lecturemedia-{os.getuid()}"
    with contextlib.suppress(OSError):  # there already, or its parent missing (checked below)
        folder.mkdir(mode=0o700)
    try:
        info = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        print(
            f"warning: {folder} is not a folder of this account's alone (owner {info.st_uid}, mode "
            f"{stat.S_IMODE(info.st_mode):o}): computations and scenes start cold; remove it, or set TMPDIR "
            "to a folder of your own",
            file=sys.stderr,
        )
        return None
    return folder


def socket_path(folder: Path, env: dict[str, str]) -> Path:
    return folder / f"warm-{server_key(env)}.sock"


def run(module: str, args: Sequence[str]) -> None:
    """Run `python -m module args` warm if a server answers, else here (starting a server)."""
    env = dict(os.environ)
    folder = private_folder() if env.get(SWITCH) != "0" else None
    # AF_UNIX takes a path of 107 bytes at most: a longer TMPDIR runs every run cold
    if folder is not None and len(os.fsencode(address := socket_path(folder, env))) <= SOCKET_PATH_BYTES:
        status = _ask(address, module, args, env)
        if status is not None:
            _exit_as(status)
        _start_server(address)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def _ask(address: Path, module: str, args: Sequence[str], env: dict[str, str]) -> int | None:
    """The child's wait status (os.waitstatus_to_exitcode's), or None if no server took the run."""
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        conn.connect(str(address))
    except OSError:
        return None
    request = {
        "module": module,
        "args": list(args),
        "cwd": str(Path.cwd()),
        "env": env,
        "path": sys.path,
        "umask": paths.UMASK,
        "dont_write_bytecode": sys.dont_write_bytecode,  # PYTHONDONTWRITEBYTECODE, -B
    }
    with conn:
        try:
            fds = array.array("i", [0, 1, 2])
            conn.sendmsg([json.dumps(request).encode()], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
            reply = conn.recv(64).decode()
        except OSError:
            return None
        if not reply.startswith("pid "):
            return None  # "cold": the server is ending; run here
        child = int(reply.split()[1])
        forwarded = {sig: signal.signal(sig, lambda sig, _: _forward(child, sig)) for sig in FORWARDED}
        try:
            reply = conn.recv(64).decode()
        except OSError:
            reply = ""
        finally:
            for sig, handler in forwarded.items():
                signal.signal(sig, handler)
    if not reply.startswith("exit "):
        log = address.with_suffix(".log")
        print(f"error: the warm start server ended during `python -m {module}`; its log: {log}", file=sys.stderr)
        return 1
    return int(reply.split()[1])


def die_with_parent() -> None:
    """In a run's process (Linux): end when the process that started it ends (a killed make, a
    lost Dask worker, the warm start server), rather than render on for nobody."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _forward(child: int, sig: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(child, sig)


def _exit_as(code: int) -> None:
    """End as the child ended: its exit code, or killed by its signal."""
    sys.stdout.flush()
    sys.stderr.flush()
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code if code >= 0 else 128 - code)


def _start_server(address: Path) -> None:
    """A server for the next runs, outliving this one: none of our files (make waits for a pipe's
    last writer), a session of its own (no Ctrl-C of ours reaches it), and of our environment
    only what its imports read (its children get each run's own)."""
    env = import_time_environment(dict(os.environ))
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent.parent)  # this engine's
    for name in ("PATH", "LD_LIBRARY_PATH"):
        if name in os.environ:
            env[name] = os.environ[name]
    with contextlib.suppress(OSError), address.with_suffix(".log").open("ab") as log:
        subprocess.Popen(
            [sys.executable, "-m", "lecturemedia.animations.warm_server", str(address)],
            cwd=address.parent, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            close_fds=True, start_new_session=True,
        )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if argv else 2)
    run(argv[0], argv[1:])


if __name__ == "__main__":
    main()
