"""Engine: traces on the fixture course. A trace is exactly what its computation wrote, or
it is made again; a computation that fails, returns what it does not declare, or NaN
leaves no trace; editing a computation re-runs that one only; `make new-animation`."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE, VIDEOS, engine_at, logged_error, page_texts, squash, stderr_tail
from lecturemedia import outputs
from lecturemedia.animations import computation, traces
from lecturemedia.errors import UserError
from lecturemedia.numbers import num
from lecturemedia.project_copy import Project

TRACE = "build/traces/descent.json"


def quoted_end(project: Project) -> str:
    """alpha's `end at w = …` as the current trace has it."""
    data = json.loads(project.path(TRACE).read_text(encoding="utf-8"))["data"]
    return f"end at w = {num(data['history_w'][-1], 3)}"


def alpha_text(project: Project) -> str:
    return squash("".join(page_texts(project.path("build/slides/alpha.pdf"))))


def hand_edit_number(text: str) -> str:
    raw = json.loads(text)
    raw["data"]["history_w"][-1] += 4
    return traces.dumps(raw)  # the build's own format: only the number differs


def other_format(text: str) -> str:
    raw = json.loads(text)
    raw["format"] = 1
    return traces.dumps(raw)


DAMAGE = {
    "truncated": lambda text: text[: len(text) // 2],
    "not JSON": lambda text: "<html>Not Found</html>\n",
    "a number edited by hand": hand_edit_number,
    "another format": other_format,
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_trace_is_made_again_by_the_next_make(fixture_rebuilt: Project, damage: str) -> None:
    good = fixture_rebuilt.path(TRACE).read_text(encoding="utf-8")
    fixture_rebuilt.edit(TRACE, DAMAGE[damage])
    out = fixture_rebuilt.make("all")
    assert "Traceback" not in out.stderr
    assert fixture_rebuilt.path(TRACE).read_text(encoding="utf-8") == good
    # the same numbers again: what was made from them stands (the video is not rendered again)
    assert re.findall(r"(?m)^\s+\w+\s+(build/\S+)", out.stdout) == [TRACE]
    assert quoted_end(fixture_rebuilt) in alpha_text(fixture_rebuilt)
    assert fixture_rebuilt.make("all").stdout == ""  # and then it is up to date


def test_a_deleted_trace_is_made_again_and_what_reads_it_stands(fixture_rebuilt: Project) -> None:
    good = fixture_rebuilt.path(TRACE).read_bytes()
    fixture_rebuilt.path(TRACE).unlink()
    assert fixture_rebuilt.changed_by_make("all", pattern="build/{slides,videos,pptx}/**/*") == set()
    assert fixture_rebuilt.path(TRACE).read_bytes() == good


def insert_after(project: Project, rel: str, anchor: str, code: str) -> int:
    """Insert `code` (indented like `anchor`'s line) after the first line containing anchor; its line number."""
    lines = project.path(rel).read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if anchor in line)
    indent = re.match(r"\s*", lines[at]).group(0)
    lines.insert(at + 1, indent + code)
    project.path(rel).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return at + 2


def no_trace_left(project: Project) -> bool:
    digests = project.path("build/.digests/build/traces/descent.json.sha256")
    return not project.path(TRACE).exists() and not digests.exists()


def test_a_computation_that_raises_names_its_line_and_leaves_no_trace(fixture_rebuilt: Project) -> None:
    line = insert_after(fixture_rebuilt, "computations/descent.py", "history_w.append(w.item())", "1 / 0")
    out = fixture_rebuilt.make("all", check=False)
    assert out.returncode != 0
    err = stderr_tail(out.stderr)
    assert err[0] == f"error: computations/descent.py:{line}: ZeroDivisionError: division by zero"
    assert "ZeroDivisionError" in logged_error(fixture_rebuilt, out.stderr)
    assert len(err) <= 4 and "Traceback" not in out.stderr
    assert no_trace_left(fixture_rebuilt)


def test_a_failed_computation_leaves_nothing_made_from_its_old_trace(fixture_rebuilt: Project) -> None:
    """The deck quoting the trace, the video drawing it and its copies go; the rest stays."""
    insert_after(fixture_rebuilt, "computations/descent.py", "history_w.append(w.item())", "1 / 0")
    assert fixture_rebuilt.make("all", check=False).returncode != 0
    gone = [
        "build/md/alpha.md",
        "build/slides/alpha.pdf",
        "build/handouts/alpha.pdf",
        "build/html/alpha.html",
        "build/videos/test/descent.mp4",
        "build/slides/videos/descent.mp4",
        "build/html/videos/descent.vtt",
    ]
    assert [p for p in gone if fixture_rebuilt.path(p).exists()] == []
    assert fixture_rebuilt.path("build/slides/beta.pdf").exists()  # it reads no trace


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s.replace("return Result(", "return dict(").replace("grads=grads,", ""), "grads"),
        (lambda s: s.replace("return Result(", "return dict(").replace("target=params.target", "target='x'"), "target"),
    ],
    ids=["a field missing", "a field of the wrong type"],
)
def test_a_result_that_does_not_match_result_names_the_field_and_leaves_no_trace(
    fixture_rebuilt: Project, change: object, field: str
) -> None:
    fixture_rebuilt.edit("computations/descent.py", change)  # type: ignore[arg-type]
    out = fixture_rebuilt.make("traces", check=False)
    assert out.returncode != 0
    err = "\n".join(stderr_tail(out.stderr))
    assert err.startswith("error: computations/descent.py") and f"field {field}" in err
    assert "Traceback" not in err
    assert no_trace_left(fixture_rebuilt)


def test_nan_in_a_result_is_refused_and_leaves_no_trace(fixture_rebuilt: Project) -> None:
    fixture_rebuilt.edit("computations/descent.py", lambda s: s.replace("grads=grads,", "grads=[float('nan')],"))
    out = fixture_rebuilt.make("traces", check=False)
    assert out.returncode != 0
    assert "computations/descent.py" in out.stderr and "NaN" in out.stderr and "grads.0" in out.stderr
    assert no_trace_left(fixture_rebuilt)


def test_editing_a_computation_reruns_it_only_and_same_numbers_rebuild_nothing(fixture_rebuilt: Project) -> None:
    fixture_rebuilt.make("new-animation", "NAME=second")
    fixture_rebuilt.make("all")
    second = fixture_rebuilt.path("build/traces/second.json").stat().st_mtime_ns
    trace = fixture_rebuilt.path(TRACE).stat().st_mtime_ns
    fixture_rebuilt.edit("computations/descent.py", lambda s: s + "\n# a comment: the same numbers\n")
    out = fixture_rebuilt.make("all")
    assert re.findall(r"(?m)^\s+\w+\s+(build/\S+)", out.stdout) == [TRACE]  # run again, found the same
    assert "same numbers" in out.stdout
    assert fixture_rebuilt.path(TRACE).stat().st_mtime_ns == trace  # so nothing that reads it rebuilt
    assert fixture_rebuilt.path("build/traces/second.json").stat().st_mtime_ns == second


def test_a_trace_from_other_parameters_or_torch_or_hands_is_refused(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE / "computations", tmp_path / "computations")
    with engine_at(tmp_path):
        comp = computation.load("descent")
        params = comp.parameters()
        data = comp.result(function="f", target=1.0, history_w=[2.0, 1.0], losses=[1.0, 0.0], grads=[2.0])
        traces.write("descent", params, data)
        path = tmp_path / "build" / "traces" / "descent.json"
        assert traces.load("descent", params=params.model_dump(mode="json")).data.history_w == [2.0, 1.0]
        other = {**params.model_dump(mode="json"), "lr": 0.5}
        with pytest.raises(UserError, match=r"out of date: course\.yaml changed traces\.descent.*make"):
            traces.load("descent", params=other)
        raw = json.loads(path.read_text())
        raw["provenance"]["torch_version"] = "0.1"
        outputs.publish(path, traces.dumps(raw))  # as if an older torch had made it, digest and all
        with pytest.raises(UserError, match=r"made with torch 0\.1, this is torch .*make"):
            traces.load("descent")
        path.write_text(path.read_text().replace("2.0", "3.0"))
        with pytest.raises(UserError, match=r"descent\.json was changed after the build wrote it; run `make`"):
            traces.load("descent")
        raw = json.loads(path.read_text())
        del raw["data"]["grads"]
        raw["provenance"]["torch_version"] = traces.torch_version()
        outputs.remove(path)  # a trace with no digest kept: its fields are still checked
        path.write_text(traces.dumps(raw))
        with pytest.raises(UserError, match=r"descent\.json: field data\.grads: Field required; run `make`"):
            traces.load("descent")


# ------------------------------------------------------------------ make new-animation


def test_new_animation_writes_both_files_and_its_course_yaml_entry(fixture_rebuilt: Project) -> None:
    out = fixture_rebuilt.make("new-animation", "NAME=extra")
    assert "computations/extra.py" in out.stdout and "scenes/extra.py" in out.stdout
    assert fixture_rebuilt.path("computations/extra.py").is_file() and fixture_rebuilt.path("scenes/extra.py").is_file()
    course = fixture_rebuilt.path("course.yaml").read_text(encoding="utf-8")
    assert re.search(r"(?m)^traces:\n(.*\n)*  extra:", course)
    assert course.startswith((FIXTURE / "course.yaml").read_text(encoding="utf-8").split("traces:")[0])
    made = fixture_rebuilt.make()  # the next plain make renders it
    assert "warning" not in made.stderr  # its captions can be read, and cover none of its drawing
    assert fixture_rebuilt.path(f"{VIDEOS}/extra.mp4").stat().st_size > 0
    assert fixture_rebuilt.path(f"{VIDEOS}/extra.png").stat().st_size > 0


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("descent", "the name 'descent' is taken"),
        ("Bad-name", "'Bad-name' cannot name an animation: use lowercase letters"),
        ("class", "'class' is a Python keyword, which cannot name a module"),
        ("regresión", "'regresión' has letters outside ASCII (ó)"),
        ("", "name the animation: make new-animation NAME=<name>"),
    ],
)
def test_new_animation_refuses_a_taken_or_invalid_name(fixture_rebuilt: Project, name: str, says: str) -> None:
    before = fixture_rebuilt.path("course.yaml").read_bytes()
    out = fixture_rebuilt.make("new-animation", f"NAME={name}", check=False)
    assert out.returncode != 0
    assert says in out.stderr and len(stderr_tail(out.stderr)) == 1
    assert fixture_rebuilt.path("course.yaml").read_bytes() == before
