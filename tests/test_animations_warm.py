"""Computations and scenes run warm (animations/warm_start.py): in a child forked from a server
that has PyTorch and Manim imported. A warm run makes what a cold one makes, byte for byte; it
ends with the process that asked for it, Ctrl-C and kill alike; the server's socket is this
account's alone, and a folder other accounts can reach is not used."""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import RENDER, VIDEOS
from lecturemedia.animations import warm_start
from lecturemedia.project_copy import OUTER_VARIABLES, Project

WARM = [sys.executable, "-m", "lecturemedia.animations.warm_start"]

ENDED_BY = {signal.SIGINT: 130, signal.SIGKILL: -signal.SIGKILL}  # the engine's exit on Ctrl-C; killed
Served = tuple[Project, dict[str, str], Path]


def _wait_for(found: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not found():
        assert time.monotonic() < deadline, f"no {what} after {seconds} s"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.fixture
def served(tmp_path: Path, fixture_rebuilt: Project) -> Iterator[Served]:
    """A built copy of the fixture course, and a warm start server of this test's own (its
    folder under tmp_path, so the runs here go to it alone), up; stopped after."""
    runtime = Path(tempfile.mkdtemp(prefix="lm-"))  # a socket's path is 107 bytes at most: tmp_path's is long
    env = {k: v for k, v in os.environ.items() if k not in OUTER_VARIABLES}
    env.update(fixture_rebuilt.env, XDG_RUNTIME_DIR=str(runtime))
    env.pop("LECTURE_WARM", None)
    address = warm_start.socket_path(runtime / f"lecturemedia-{os.getuid()}", env)
    address.parent.mkdir(mode=0o700)
    log = address.with_suffix(".log")
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "lecturemedia.animations.warm_server", str(address)],
            env=env, stdout=out, stderr=out, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_for(lambda: address.exists() or server.poll() is not None, "socket")
        assert server.poll() is None, log.read_text()
        assert stat.S_IMODE(address.stat().st_mode) == 0o600  # this account's alone
        yield fixture_rebuilt, env, log
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(runtime)


def test_a_warm_run_makes_what_a_cold_one_makes(served: Served) -> None:
    project, env, log = served
    made: dict[str, dict[str, bytes]] = {}
    outputs = ["build/traces/descent.json", *(f"{VIDEOS}/descent{s}" for s in (".mp4", ".png", "-end.png", ".srt"))]
    for how in ("0", "1"):
        for output in outputs:
            project.path(output).unlink()
        for command in (
            [*WARM, "lecturemedia.animations.compute", "descent"],
            [*RENDER, "descent", "--quality", "test"],
        ):
            done = subprocess.run(command, cwd=project.root, env={**env, "LECTURE_WARM": how}, capture_output=True)
            assert done.returncode == 0, done.stderr.decode()
        made[how] = {output: project.path(output).read_bytes() for output in outputs}
    assert made["1"] == made["0"]
    served_runs = log.read_text()
    assert "python -m lecturemedia.animations.compute descent in" in served_runs  # warm indeed
    assert "python -m lecturemedia.animations.video descent --quality test in" in served_runs


def test_a_warm_run_ends_with_the_process_that_asked_for_it(served: Served) -> None:
    project, env, log = served
    project.edit(
        "computations/descent.py",
        lambda s: s.replace("    import torch\n", "    import time\n\n    import torch\n\n    time.sleep(600)\n", 1),
    )
    for runs, sig in enumerate((signal.SIGINT, signal.SIGKILL), start=1):
        asker = subprocess.Popen(
            [*WARM, "lecturemedia.animations.compute", "descent"],
            cwd=project.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        child = _served_run(asker, log, runs)
        assert _alive(child)
        time.sleep(0.5)  # into the computation
        asker.send_signal(sig)
        asker.communicate(timeout=60)
        assert asker.returncode == ENDED_BY[sig]  # as a cold run ends
        _wait_for(lambda: not _alive(child), f"end of the run after {sig.name}", seconds=10)  # noqa: B023


def _served_run(asker: subprocess.Popen[bytes], log: Path, count: int) -> int:
    """The pid of the server's child for the count-th run of the test, once it has started."""
    runs: list[str] = []

    def started() -> bool:
        assert asker.poll() is None, asker.communicate()[1].decode()
        runs[:] = re.findall(r"run (\d+): python -m lecturemedia.animations.compute", log.read_text())
        return len(runs) == count

    _wait_for(started, "warm run")
    return int(runs[-1])


def test_a_socket_folder_other_accounts_can_reach_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    folder = tmp_path / f"lecturemedia-{os.getuid()}"
    assert warm_start.private_folder() == folder  # made, 0700
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    folder.chmod(0o755)
    assert warm_start.private_folder() is None
    assert f"{folder} is not a folder of this account's alone" in capsys.readouterr().err
