"""Engine: a scene rendered in parts (here, and on a Dask cluster of local processes) has the
decoded frames, captions and posters of a whole render. The fixture scene (fixture_parts/clock.py)
draws what depends on time: an updater's dt, a ValueTracker counting the time, run times that
are not whole frames, a frozen last wait."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import RENDER, REPO, shared
from lecturemedia.animations.part import Part
from lecturemedia.animations.render_parts import plan
from PIL import Image

CLOCK = REPO / "tests" / "fixture_parts" / "clock.py"
OUT = "build/videos/test/clock"


# ---- the plan: pure


def test_a_plan_gives_each_worker_about_the_same_video_time() -> None:
    assert plan([1.0] * 12, workers=3, min_seconds=1) == [Part(0, 3), Part(4, 7), Part(8, None)]
    assert plan([2.0, 1, 1, 6, 1, 1], workers=2, min_seconds=1) == [Part(0, 3), Part(4, None)]


def test_a_plan_splits_no_further_than_the_plays_the_workers_and_the_length_allow() -> None:
    assert plan([5.0, 5.0], workers=8, min_seconds=1) == [Part(0, 0), Part(1, None)]
    assert plan([1.0] * 10, workers=1, min_seconds=1) == [Part(0, None)]
    assert plan([1.0] * 10, workers=4, min_seconds=4) == [Part(0, 4), Part(5, None)]  # 10 s: two parts of 4 s+
    assert plan([0.5, 0.5], workers=4, min_seconds=4) == [Part(0, None)]


def test_every_play_is_in_exactly_one_part() -> None:
    durations = [0.7, 3.0, 0.2, 0.2, 9.0, 1.1, 0.4, 2.5, 0.1]
    parts = plan(durations, workers=4, min_seconds=1)
    assert len(parts) == 4 and parts[0].first == 0 and parts[-1].last is None
    for before, after in itertools.pairwise(parts):
        assert before.last is not None and after.first == before.last + 1


# ---- renders


def clock_project(root: Path) -> Path:
    (root / "scenes").mkdir(parents=True)
    shutil.copyfile(CLOCK, root / "scenes" / "clock.py")
    (root / "course.yaml").write_text("course: {}\n", encoding="utf-8")
    return root


def render(root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    variables = {k: v for k, v in os.environ.items() if k not in ("LECTURE_SCHEDULER", "LECTURE_PARTS", "MAKEFLAGS")}
    return subprocess.run(
        [*RENDER, "clock", "--quality", "test"],
        cwd=root,
        env={**variables, **env},
        capture_output=True,
        text=True,
    )


def frames(mp4: Path) -> list[str]:
    """The md5 of each decoded frame (ffmpeg's framemd5), with its time."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(mp4), "-f", "framemd5", "-"], capture_output=True, text=True, check=True
    ).stdout
    return [line for line in out.splitlines() if not line.startswith("#")]


def pixels(png: Path) -> np.ndarray:
    return np.asarray(Image.open(png).convert("RGB"))


@pytest.fixture(scope="session")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clock rendered whole, once per test run."""

    def build(root: Path) -> None:
        done = render(clock_project(root / "p"), LECTURE_PARTS="1")
        assert done.returncode == 0, done.stderr

    return shared(tmp_path_factory, "clock-whole", build) / "p"


def assert_same_render(whole: Path, split: Path) -> None:
    expected = frames(whole / f"{OUT}.mp4")
    assert len(expected) > 50
    assert frames(split / f"{OUT}.mp4") == expected
    assert (split / f"{OUT}.srt").read_text() == (whole / f"{OUT}.srt").read_text()
    assert (split / f"{OUT}.vtt").read_text() == (whole / f"{OUT}.vtt").read_text()
    for poster in (".png", "-end.png"):
        assert np.array_equal(pixels(split / f"{OUT}{poster}"), pixels(whole / f"{OUT}{poster}")), poster


@pytest.mark.slow
@pytest.mark.waits  # on the parts' processes
def test_a_scene_in_three_parts_has_the_frames_captions_and_posters_of_a_whole_render(
    whole: Path, tmp_path: Path
) -> None:
    split = clock_project(tmp_path / "split")
    done = render(split, LECTURE_PARTS="3")
    assert done.returncode == 0, done.stderr
    parts = sorted((split / "build/manim/clock/parts").iterdir())
    assert len(parts) == 3  # it was split
    assert_same_render(whole, split)
    # rendered again, the parts are not: their content has not changed
    made = {p: (p / "result.json").stat().st_mtime_ns for p in parts}
    (split / f"{OUT}.mp4").unlink()
    assert render(split, LECTURE_PARTS="3").returncode == 0
    assert {p: (p / "result.json").stat().st_mtime_ns for p in parts} == made
    assert frames(split / f"{OUT}.mp4") == frames(whole / f"{OUT}.mp4")


@contextlib.contextmanager
def environment_kept() -> Iterator[None]:
    """This process's environment as it was, after the block."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.mark.slow
@pytest.mark.waits(long=True)  # on the cluster's workers, for 10 s
def test_a_render_on_a_dask_cluster_that_loses_a_worker_has_the_frames_of_a_local_render(
    whole: Path, tmp_path: Path
) -> None:
    from distributed import Client, LocalCluster

    split = clock_project(tmp_path / "cluster")
    with (
        environment_kept(),  # a local cluster sets OMP_NUM_THREADS=1 in this process, for the tests after it too
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        pids = client.run(os.getpid)
        started = subprocess.Popen(
            [*RENDER, "clock", "--quality", "test"],
            cwd=split,
            env={**os.environ, "LECTURE_SCHEDULER": cluster.scheduler_address},
            stderr=subprocess.PIPE,
            text=True,
        )
        killed = None
        deadline = time.monotonic() + 120
        while killed is None and started.poll() is None and time.monotonic() < deadline:
            busy = [worker for worker, tasks in client.processing().items() if tasks]
            if busy:
                time.sleep(1.0)  # into the part's render
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed = busy[0]
            time.sleep(0.1)
        _, err = started.communicate(timeout=300)
    assert killed is not None, "no part was seen rendering on a worker"
    assert started.returncode == 0, err
    assert len(list((split / "build/manim/clock/parts").iterdir())) == 2  # a part for each worker thread
    assert_same_render(whole, split)


@pytest.mark.waits  # on the connection's timeout
def test_an_unreachable_scheduler_is_named_with_what_to_do(tmp_path: Path) -> None:
    root = clock_project(tmp_path / "p")
    done = render(root, LECTURE_SCHEDULER="tcp://127.0.0.1:9")
    assert done.returncode == 1
    assert "cannot reach the render scheduler at tcp://127.0.0.1:9 (set by LECTURE_SCHEDULER)" in done.stderr
    assert "dask worker tcp://127.0.0.1:9" in done.stderr and "unset LECTURE_SCHEDULER" in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 4, done.stderr


@pytest.mark.waits  # on the client's handshake
def test_an_address_where_something_else_answers_is_named_not_blamed_on_the_scene(tmp_path: Path) -> None:
    """A web server at the scheduler's address: its bytes are not Dask's, and the error says so."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = listener.accept()
                with conn:
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" * 64)

    threading.Thread(target=answer, daemon=True).start()
    try:
        done = render(clock_project(tmp_path / "p"), LECTURE_SCHEDULER=f"tcp://127.0.0.1:{port}")
    finally:
        listener.close()
    assert done.returncode == 1
    assert f"cannot reach the render scheduler at tcp://127.0.0.1:{port} (set by LECTURE_SCHEDULER)" in done.stderr
    assert "scenes/clock.py" not in done.stderr, done.stderr
