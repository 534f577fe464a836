"""`make videos` with the real Manim, at the test quality (256x144, 5 fps)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from lecturemedia.project_copy import Project
from PIL import Image

SCENES = ["autograd_graph", "sgd_x2", "two_layer_net"]
TEST_SIZE = (256, 144)


@pytest.fixture
def rendered(built: Project) -> Project:
    """The session's built project: `make` rendered every scene at the test quality."""
    return built


@pytest.fixture
def rerendered(rebuilt: Project) -> Project:
    return rebuilt


def video(project: Project, name: str, ext: str = "mp4") -> Path:
    return project.path(f"build/videos/test/{name}.{ext}")


@pytest.mark.parametrize("name", SCENES)
def test_every_scene_renders_a_video_of_the_test_size(rendered: Project, name: str) -> None:
    with av.open(str(video(rendered, name))) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == TEST_SIZE
        assert stream.average_rate == 5
        assert container.duration is not None and 8 < container.duration / av.time_base < 60


@pytest.mark.parametrize("name", SCENES)
def test_every_poster_shows_something(rendered: Project, name: str) -> None:
    poster = np.asarray(Image.open(video(rendered, name, "png")).convert("RGB")).astype(float)
    assert poster.shape[:2] == (TEST_SIZE[1], TEST_SIZE[0])
    assert poster.std() > 20  # not a blank frame
    assert len(np.unique(poster.reshape(-1, 3) // 32, axis=0)) > 10  # several colours


def patch_color(image: np.ndarray, fx: float, fy: float) -> np.ndarray:
    h, w = image.shape[:2]
    x, y = int(fx * w), int(fy * h)
    return image[y - 3 : y + 3, x - 3 : x + 3].reshape(-1, 3).mean(axis=0)


def test_the_net_ends_with_two_coloured_regions_either_side_of_the_boundary(rendered: Project) -> None:
    frame = np.asarray(Image.open(video(rendered, "two_layer_net", "png")).convert("RGB")).astype(float)
    left, right = patch_color(frame, 0.08, 0.30), patch_color(frame, 0.40, 0.30)
    assert left[2] > left[0] + 30  # clase 0: blue
    assert right[0] > right[2] + 30  # clase 1: orange


def test_a_second_make_videos_renders_nothing_and_imports_no_manim(rerendered: Project) -> None:
    before = rerendered.mtimes()
    out = rerendered.make("videos")
    assert "lecturemedia" not in out.stdout  # no Python step ran
    assert rerendered.mtimes() == before


def test_editing_one_scene_rerenders_only_that_scene(rerendered: Project) -> None:
    rerendered.edit("scenes/sgd_x2.py", lambda s: s + "\n# edited\n")
    assert rerendered.changed_by_make("videos", pattern="build/videos/test/*") == {
        "build/videos/test/sgd_x2.mp4",
        "build/videos/test/sgd_x2.png",
    }


def test_a_trace_whose_numbers_change_rerenders_its_scene_only(rerendered: Project) -> None:
    rerendered.edit("course.yaml", lambda s: s.replace("b: 3.0", "b: 4.0"))
    assert rerendered.changed_by_make("videos", pattern="build/videos/test/*") == {
        "build/videos/test/autograd_graph.mp4",
        "build/videos/test/autograd_graph.png",
    }


def render(project: Project, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lecturemedia.video", name, "--quality", "test"],
        cwd=project.root,
        capture_output=True,
        text=True,
    )


def test_a_missing_trace_names_it_and_make_traces(rerendered: Project) -> None:
    rerendered.path("build/traces/sgd_x2.json").unlink()
    out = render(rerendered, "sgd_x2")
    assert out.returncode == 1
    assert out.stderr.strip() == ("error: build/traces/sgd_x2.json is missing; run `make traces` to regenerate it")


def test_an_exception_in_a_scene_names_its_line_and_leaves_no_video(rerendered: Project) -> None:
    lines = rerendered.path("scenes/sgd_x2.py").read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if "data = trace(" in line)
    lines.insert(at + 1, "        steps = 1 / 0")
    rerendered.path("scenes/sgd_x2.py").write_text("\n".join(lines) + "\n")
    out = render(rerendered, "sgd_x2")
    assert out.returncode == 1
    assert f"scenes/sgd_x2.py:{at + 2}: ZeroDivisionError: division by zero" in out.stderr
    assert "full log: build/logs/videos/sgd_x2-test.log" in out.stderr
    assert len(out.stderr.splitlines()) <= 6
    assert not video(rerendered, "sgd_x2").exists() and not video(rerendered, "sgd_x2", "png").exists()


def test_a_latex_failure_shows_the_formula_and_latex_message(rerendered: Project) -> None:
    rerendered.edit(
        "scenes/autograd_graph.py",
        lambda s: s.replace('title = MathTex(r"d = a \\cdot b + a"', 'title = MathTex(r"d = \\frac{a"'),
    )
    out = render(rerendered, "autograd_graph")
    assert out.returncode == 1
    assert "scenes/autograd_graph.py:" in out.stderr and "LaTeX could not typeset a formula" in out.stderr
    assert "d = \\frac{a" in out.stderr
    assert "LaTeX compilation error" in out.stderr
