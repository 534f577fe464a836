"""Engine, the ground: the number format, course.yaml (one loader, lines, unknown keys), fast and with no make."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE, REPO, engine_at
from lecturemedia import config, outputs, paths
from lecturemedia.animations import parameters
from lecturemedia.errors import UserError
from lecturemedia.numbers import num

DATA = Path(__file__).parent / "data"
DECK = ["# Nuevo", "", "\\begin{center}", "\\comandoinexistente{x}", "\\end{center}", "El cardinal ℵ no está."]


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (2.0, 2, "2"),
        (0.028753778, 4, "0.0288"),
        (99.0000, 1, "99"),
        (-0.0001, 2, "0"),
        (55.72562, 3, "55.726"),
        (-0.5381, 3, "\u22120.538"),  # a true minus sign, as the PDF's math sets it, never a hyphen
        (-3.0, 2, "\u22123"),
    ],
)
def test_num_writes_a_number_as_a_slide_quotes_it(value: float, digits: int, expected: str) -> None:
    assert num(value, digits) == expected


# ------------------------------------------------------------------ course.yaml


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    """A project folder with the fixture course's computations, for course.yaml to name."""
    shutil.copytree(FIXTURE / "computations", tmp_path / "computations")
    return tmp_path


def load_yaml(folder: Path, text: str) -> config.Config:
    (folder / "course.yaml").write_text(text, encoding="utf-8")
    with engine_at(folder):
        parameters.load(folder / "course.yaml")  # the traces: section, validated by each computation
        return config.load(folder / "course.yaml")


def test_the_fixture_course_yaml_loads() -> None:
    with engine_at(FIXTURE):
        loaded = config.load(FIXTURE / "course.yaml")
    assert loaded.course.author and set(loaded.traces) == {"descent"}


def test_an_unknown_section_names_its_line_and_the_sections(course_dir: Path) -> None:
    with pytest.raises(UserError) as err:
        load_yaml(course_dir, "course:\n  author: X\n\ntrace:\n  descent: {}\n")
    assert str(err.value) == "course.yaml:4: unknown section 'trace'; the sections are: course, traces, site, render"


def test_the_render_scheduler_is_read_and_a_wrong_one_named_with_its_line(course_dir: Path) -> None:
    loaded = load_yaml(course_dir, "course: {}\nrender:\n  scheduler: tcp://lab-01:8786\n")
    assert loaded.render.scheduler == "tcp://lab-01:8786"
    assert load_yaml(course_dir, "course: {}\n").render.scheduler is None
    with pytest.raises(UserError) as err:
        load_yaml(course_dir, "course: {}\nrender:\n  scheduler: lab-01\n")
    assert str(err.value).startswith("course.yaml:3: render.scheduler: ")
    assert "'lab-01' should be a Dask scheduler's address, like tcp://lab-01:8786" in str(err.value)


def test_an_unknown_course_key_names_its_line_and_the_keys(course_dir: Path) -> None:
    with pytest.raises(UserError) as err:
        load_yaml(course_dir, "course:\n  author: X\n  autor: Y\n")
    message = str(err.value)
    assert message.startswith("course.yaml:3: unknown key course.autor; the keys of course are: ")
    assert "author" in message and "date" in message


def test_an_unknown_trace_key_names_its_line_and_the_parameters(course_dir: Path) -> None:
    with pytest.raises(UserError) as err:
        load_yaml(course_dir, "course: {author: X}\ntraces:\n  descent:\n    lr: 0.1\n    step: 3\n")
    assert str(err.value) == (
        "course.yaml:5: unknown key traces.descent.step; the keys of traces.descent are: w0, target, lr, steps"
    )


def test_a_trace_with_no_computation_names_the_computations(course_dir: Path) -> None:
    with pytest.raises(UserError, match=r"course\.yaml:3: traces\.descnt: there is no computations/descnt\.py; "):
        load_yaml(course_dir, "course: {}\ntraces:\n  descnt: {}\n")


def test_a_value_out_of_bounds_names_the_field(course_dir: Path) -> None:
    with pytest.raises(UserError, match=r"course\.yaml:3: traces\.descent\.steps: Input should be greater than"):
        load_yaml(course_dir, "traces:\n  descent:\n    steps: 0\n")


def test_a_yaml_date_is_kept_as_written(course_dir: Path) -> None:
    assert load_yaml(course_dir, "course:\n  date: 2025-09-15\n").course.date == "2025-09-15"


def test_a_syntax_error_has_a_line(course_dir: Path) -> None:
    with pytest.raises(UserError, match=r"course\.yaml:\d+: not valid YAML"):
        load_yaml(course_dir, "course:\n  author: [unclosed\n")


def test_a_key_given_twice_is_an_error(course_dir: Path) -> None:
    with pytest.raises(UserError, match=r"course\.yaml:3: .*'author' is given twice"):
        load_yaml(course_dir, "course:\n  author: X\n  author: Y\n")


def test_a_missing_course_yaml_says_how_to_restore_it(course_dir: Path) -> None:
    with engine_at(course_dir), pytest.raises(UserError, match=r"course\.yaml is missing.*git checkout course\.yaml"):
        config.load(course_dir / "course.yaml")


def test_split_writes_each_part_only_when_it_changes(course_dir: Path) -> None:
    (course_dir / "course.yaml").write_text("course: {author: X, date: '2025'}\n", encoding="utf-8")
    out = course_dir / "build" / "config"
    with engine_at(course_dir):
        config.split(course_dir / "course.yaml", out)
        parameters.split(course_dir / "course.yaml", out)
        assert json.loads((out / "trace-descent.json").read_text())["steps"] >= 1  # the defaults
        stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
        (course_dir / "course.yaml").write_text("course: {author: X, date: '2026'}\n", encoding="utf-8")
        config.split(course_dir / "course.yaml", out)
        parameters.split(course_dir / "course.yaml", out)
    changed = {p.name for p in out.iterdir() if p.stat().st_mtime_ns != stamps[p.name]}
    assert changed == {"course.json"}


# ------------------------------------------------------------------ the engine knows no course


def test_the_engine_names_none_of_the_courses_animations_or_decks() -> None:
    """Not even in an error message's example: the engine is for any course."""
    names = {p.stem for folder in ("scenes", "computations", "slides_src") for p in (REPO / folder).glob("*.py")}
    names |= {p.stem for p in (REPO / "slides_src").glob("*.md")}
    names -= {"common"}
    names = {n for n in names if not n.startswith("_")}
    assert names  # the course has animations and decks to look for
    engine = [*sorted((REPO / "scripts" / "lecturemedia").rglob("*.py")), REPO / "scripts" / "bench.py"]
    engine += [*sorted((REPO / "scripts" / "lecturemedia").rglob("*.lua")), REPO / "Makefile"]
    found = [
        f"{path.relative_to(REPO)}: {name}"
        for path in engine
        for name in sorted(names)
        if name in path.read_text(encoding="utf-8")
    ]
    assert found == []


def test_the_courses_reading_options_reach_every_deck_as_pandoc_names_them(course_dir: Path) -> None:
    text = 'course:\n  slide_level: 1\n  reader_extensions: "+lists_without_preceding_blankline"\n'
    (course_dir / "course.yaml").write_text(text, encoding="utf-8")
    with engine_at(course_dir):
        config.split(course_dir / "course.yaml", course_dir / "build")
    written = json.loads((course_dir / "build" / "course.json").read_text(encoding="utf-8"))
    assert written == {"slide-level": 1, "reader-extensions": "+lists_without_preceding_blankline"}


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('  reader_extensions: "lists; rm -rf"', "course.reader_extensions: Value error, 'lists;' should look like +"),
        ("  slide_level: 9", "course.slide_level: Input should be less than or equal to 6"),
    ],
)
def test_a_bad_reading_option_names_its_line(course_dir: Path, line: str, says: str) -> None:
    with pytest.raises(UserError) as err:
        load_yaml(course_dir, f"course:\n  author: X\n{line}\n")
    assert str(err.value).startswith(f"course.yaml:3: {says}")


@pytest.mark.parametrize("text", ["traces: {}\n", "# course: commented out\ncourse:\ntraces: {}\n", ""])
def test_a_course_yaml_without_its_course_section_is_said(
    course_dir: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (course_dir / "course.yaml").write_text(text, encoding="utf-8")
    with engine_at(course_dir):
        config.split(course_dir / "course.yaml", course_dir / "build")
    err = capsys.readouterr().err
    assert "warning: course.yaml: no course: section; the decks get no author, date, theme or language" in err


def test_an_empty_course_section_on_purpose_is_not_a_warning(
    course_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (course_dir / "course.yaml").write_text("course: {}\n", encoding="utf-8")
    with engine_at(course_dir):
        config.split(course_dir / "course.yaml", course_dir / "build")
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("again", "keeps_its_time"), [("same", True), ("other", False)])
def test_a_product_that_went_comes_back_with_its_time_only_with_its_bytes(
    tmp_path: Path, again: str, keeps_its_time: bool
) -> None:
    """What was made from a trace stays current when the trace is made again with its bytes."""
    with engine_at(tmp_path):
        trace = tmp_path / "build" / "traces" / "t.json"
        outputs.publish(trace, "same", only_if_changed=True)
        old = trace.stat().st_mtime_ns - 10**9
        os.utime(trace, ns=(old, old))
        outputs.intact(trace)  # the build notes the time it sees
        trace.unlink()
        outputs.sweep()
        assert outputs.publish(trace, again, only_if_changed=True)
        assert (trace.stat().st_mtime_ns == old) is keeps_its_time
        assert outputs.intact(trace)


def test_a_part_of_course_yaml_that_cannot_be_written_goes_with_what_was_made_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk as a new learning rate is split out of course.yaml: its old trace, the video
    drawn from it and the deck quoting it must not pass for the new value; the rest stays."""
    build = tmp_path / "build"
    made = {
        "config/trace-a.json": '{\n  "lr": 0.1\n}\n',
        "config/trace-b.json": "{}\n",
        "traces/a.json": "a",
        "traces/b.json": "b",
        "videos/a.mp4": "video",
        "md/quotes_a.md": "md",
        "md/quotes_b.md": "md",
        "slides/quotes_a.pdf": "pdf",
        "slides/quotes_b.pdf": "pdf",
        "deps/videos/a-preview.d": "build/videos/a.mp4: build/traces/a.json\n",
        "deps/quotes_a.d": "build/md/quotes_a.md: build/traces/a.json\n",
        "deps/quotes_b.d": "build/md/quotes_b.md: build/traces/b.json\n",
    }
    for rel, text in made.items():
        (build / rel).parent.mkdir(parents=True, exist_ok=True)
        (build / rel).write_text(text, encoding="utf-8")

    def full_disk(path: Path, data: str, *, only_if_changed: bool = False) -> bool:
        if only_if_changed and path.exists() and path.read_text(encoding="utf-8") == data:
            return False
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    with engine_at(tmp_path):
        monkeypatch.setattr(paths, "write_atomic", full_disk)
        with pytest.raises(OSError):
            config.write_parts(build / "config", {"trace-a.json": {"lr": 0.35}, "trace-b.json": {}})
    left = sorted(str(p.relative_to(build)) for p in build.rglob("*") if p.is_file() and "deps" not in p.parts)
    assert left == ["config/trace-b.json", "md/quotes_b.md", "slides/quotes_b.pdf", "traces/b.json"]
