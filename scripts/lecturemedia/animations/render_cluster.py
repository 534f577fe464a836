"""Render parts on a Dask distributed cluster: LECTURE_SCHEDULER=tcp://host:port (or course.yaml's
`render: scheduler:`); nothing set, they render on this machine.

Work travels as content and comes back as bytes, so the machines share no file system: a
task carries the scene file, the shared scene code, the traces it reads and course.yaml; on a
worker it writes them into a temporary project, renders its part there in a process of its own
(`python -m lecturemedia.animations.part`) and returns the part's files. A worker that
dies mid-part loses its task to the scheduler, which gives it to another worker (Dask's own
rescheduling; a task that kills RETRIES workers is given up). Workers run the same engine:
a clone of the course with `make setup`, then `dask worker ADDRESS` (see the README).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import paths
from .part import PART_FILES, Part, PartError, part_command, part_environment, plant
from .warm_start import die_with_parent

CONNECT_SECONDS = 5  # how long to wait for the scheduler to answer
RETRIES = 2  # a part that fails on a worker is tried again on another this many times


def scheduler_address() -> str | None:
    """LECTURE_SCHEDULER, else course.yaml's render.scheduler, else None (render here)."""
    address = os.environ.get("LECTURE_SCHEDULER", "").strip()
    if address:
        return address
    from .. import config

    return config.load().render.scheduler if paths.CONFIG_FILE.exists() else None


def _where() -> str:
    if os.environ.get("LECTURE_SCHEDULER", "").strip():
        return "LECTURE_SCHEDULER"
    return f"{paths.rel(paths.CONFIG_FILE)} (render: scheduler:)"


def connect(address: str) -> Any:
    """A client of the scheduler at `address`, or a UserError naming it and what to do."""
    from distributed import Client

    refused = _refused(address)
    if refused:
        raise _unreachable(address, refused)
    try:
        return Client(address, timeout=f"{CONNECT_SECONDS}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise _unreachable(address, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    except Exception as exc:  # something answers there, but not as a Dask scheduler (its bytes read as a huge frame)
        raise _unreachable(address, f"what answers there is not a Dask scheduler ({type(exc).__name__})") from None


def _refused(address: str) -> str | None:
    """Why nothing listens at a tcp:// address, when its host says so at once (the connection is
    refused): Dask's client would try again until CONNECT_SECONDS pass. None otherwise, and Dask
    says what else is wrong."""
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    try:
        protocol, location = parse_address(address)
        host, port = parse_host_port(location)
    except (ValueError, TypeError):
        return None
    if protocol != "tcp":
        return None
    try:
        with socket.create_connection((host, port), timeout=CONNECT_SECONDS):
            return None
    except ConnectionRefusedError as exc:
        return exc.strerror or str(exc)
    except OSError:
        return None


def _unreachable(address: str, reason: str) -> PartError:
    return PartError(
        f"cannot reach the render scheduler at {address} (set by {_where()}): {reason}\n"
        f"  start it on that machine with `.venv/bin/dask scheduler` and workers with "
        f"`.venv/bin/dask worker {address}`,\n"
        "  or unset LECTURE_SCHEDULER (and course.yaml's render: scheduler:) to render on this machine"
    )


def workers(address: str) -> int:
    """The cluster's worker threads: how many parts it renders at once (at least 1)."""
    client = connect(address)
    try:
        return max(1, sum(client.nthreads().values()))
    finally:
        client.close()


def render_remote(
    name: str, quality: str, first: int, last: int | None, content: dict[str, bytes], seeds: dict[str, bytes]
) -> dict[str, bytes]:
    """On a worker: the part rendered from `content` in a temporary project (with the SVGs already
    typeset, `seeds`); its files as bytes."""
    sweep_left_behind()
    with tempfile.TemporaryDirectory(prefix=f"lecture-part-{name}-") as tmp:
        root = Path(tmp)
        plant(content, root)
        out = root / "build" / "part"
        plant(seeds, out / "media")
        done = subprocess.run(
            part_command(name, quality, Part(first, last), out),
            cwd=root,
            env=part_environment(root),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=die_with_parent,
        )
        if done.returncode:
            # a fault of the scene, not of the worker: reported as it is, not retried
            return {"error": (done.stderr.strip() or f"exit {done.returncode}").encode()}
        return {file: (out / file).read_bytes() for file in PART_FILES}


LEFT_BEHIND_HOURS = 6  # a worker killed mid-part leaves its folder: a later task on the machine removes it


def sweep_left_behind() -> None:
    """The temporary projects of parts whose worker was killed, once nothing can be using them."""
    old = time.time() - LEFT_BEHIND_HOURS * 3600
    for folder in Path(tempfile.gettempdir()).glob("lecture-part-*"):
        try:
            if folder.stat().st_mtime < old:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass


def run_parts(
    address: str,
    name: str,
    quality: str,
    content: dict[str, bytes],
    todo: Sequence[tuple[Part, Path]],
    seeds: dict[str, bytes],
) -> None:
    """Each part of `todo` rendered on the cluster; its files written into its folder here."""
    client = connect(address)
    try:
        futures = [
            client.submit(
                render_remote, name, quality, part.first, part.last, content, seeds, retries=RETRIES, pure=False
            )
            for part, _ in todo
        ]
        for (part, folder), future in zip(todo, futures, strict=True):
            try:
                files = future.result()
            except Exception as exc:  # a worker lost RETRIES + 1 times, or the scheduler gone
                raise PartError(
                    f"scenes/{name}.py: part {part.label} could not be rendered on the cluster at {address}: "
                    f"{type(exc).__name__}: {exc}\n  check the workers' logs, or unset LECTURE_SCHEDULER to "
                    "render on this machine"
                ) from None
            if "error" in files:
                raise PartError(files["error"].decode(errors="replace").removeprefix("error: "))
            folder.mkdir(parents=True, exist_ok=True)
            for file in PART_FILES:  # result.json last: a folder with it is complete
                paths.write_atomic(folder / file, files[file])
    finally:
        client.close()


def main() -> None:  # pragma: no cover - a helper for the README's check
    address = scheduler_address() or (sys.argv[1] if len(sys.argv) > 1 else "")
    print(f"{address}: {workers(address)} worker threads")
