"""course.yaml: one loader, errors with the line; the course facts, written for the decks.

    course:   the course facts every deck takes as pandoc metadata (a deck may override them)
    traces:   per computation (computations/<name>.py), its parameters: kept here as written,
              with their lines; lecturemedia.animations.parameters validates them
    site:     what `make site` publishes: `lectures`, the decks in the course's order
    render:   where videos render: `scheduler: tcp://host:8786` sends their parts to a Dask
              cluster (LECTURE_SCHEDULER overrides it; see animations/render_cluster.py)

Unknown keys anywhere are errors naming the line and the keys that are known. Each part is
written to build/config/ only when its content changes, so editing the year rebuilds the
decks and no trace, and editing a learning rate rebuilds one trace and what reads it.

    python -m lecturemedia.config split    (course.yaml -> build/config/course.json)
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import console, outputs, paths
from .errors import UserError, friendly_main

TOP_LEVEL = ("course", "traces", "site", "render")
READER_EXTENSION = re.compile(r"[+-][a-z_]+")  # as decks/pandoc.py reads them (it does not import pydantic)


class CourseFacts(BaseModel):
    """Pandoc metadata shared by every deck. Any of it may be overridden in a deck's front matter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    course: str | None = None  # the course's name (archives are named after it)
    author: str | list[str] | None = None
    institute: str | None = None
    date: str | None = None
    lang: str | None = None
    theme: str | None = None
    colortheme: str | None = None
    fonttheme: str | None = None
    innertheme: str | None = None
    outertheme: str | None = None
    aspectratio: int | None = None
    fontsize: str | None = None
    classoption: str | list[str] | None = None
    navigation: str | None = None
    logo: str | None = None
    titlegraphic: str | None = None
    question_title: str | None = None  # the title of a discussion-question block ("Pregunta")
    video_link_text: str | None = None  # the link under a video's poster ("Abrir el vídeo" in Spanish)
    # How the course's decks are written, as pandoc reads them (bare pandoc takes these on its
    # command line): the heading level that makes a frame, the Markdown extensions.
    slide_level: int | None = Field(None, ge=0, le=6)
    reader_extensions: str | list[str] | None = None

    @field_validator("reader_extensions")
    @classmethod
    def _extensions(cls, value: str | list[str] | None) -> str | list[str] | None:
        text = " ".join(value) if isinstance(value, list) else value or ""
        for part in text.replace(",", " ").split():
            if not READER_EXTENSION.fullmatch(part):
                raise ValueError(f"{part!r} should look like +lists_without_preceding_blankline")
        return value


class SiteFacts(BaseModel):
    """The course site (make site): the lectures in the course's order; decks not named follow by file name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lectures: list[str] = []


class RenderSettings(BaseModel):
    """Where the videos render: here (nothing set) or on the Dask scheduler at `scheduler`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scheduler: str | None = None

    @field_validator("scheduler")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"(tcp|tls)://[^\s/:]+:\d+", value):
            raise ValueError(f"{value!r} should be a Dask scheduler's address, like tcp://lab-01:8786")
        return value


class LinedDict(dict[str, Any]):
    """A YAML mapping that remembers the line of each key."""

    lines: dict[str, int]
    line: int


class _Loader(yaml.SafeLoader):
    """Safe YAML, keys with their lines, dates left as the text written (2025-09-15)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LinedDict:
    result = LinedDict()
    result.lines = {}
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in result:
            raise yaml.MarkedYAMLError(problem=f"the key {key!r} is given twice", problem_mark=key_node.start_mark)
        result[str(key)] = loader.construct_object(value_node, deep=True)
        result.lines[str(key)] = line
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


@dataclass(frozen=True)
class Config:
    course: CourseFacts
    traces: LinedDict  # computation name -> its parameters as written (a LinedDict each, or None)
    has_course: bool = True  # whether course.yaml has a `course:` section (`course: {}` is one: none on purpose)
    site: SiteFacts = field(default_factory=SiteFacts)
    site_line: int | None = None  # the line of site.lectures, for an error naming a deck that is not there
    render: RenderSettings = field(default_factory=RenderSettings)


def at_line(path: Path, line: int | None) -> str:
    return f"{paths.rel(path)}:{line}" if line else paths.rel(path)


def line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest key of `loc` that the YAML has."""
    line = getattr(data, "line", None)
    for key in loc:
        if isinstance(data, LinedDict) and str(key) in data:
            line = data.lines[str(key)]
            data = data[str(key)]
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            break
    return line


def validation_error(path: Path, section: str, raw: Any, exc: ValidationError, known: list[str]) -> UserError:
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    field = ".".join(str(p) for p in (section, *loc))
    where = at_line(path, line_of(raw, loc))
    if err["type"] == "extra_forbidden":
        return UserError(f"{where}: unknown key {field}; the keys of {section} are: {', '.join(known)}")
    return UserError(f"{where}: {field}: {err['msg']}")


def load(path: Path = paths.CONFIG_FILE) -> Config:
    """The validated course.yaml."""
    shown = paths.rel(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{shown} is missing: it holds the course facts (restore it: git checkout {shown})") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{shown} is not UTF-8 (byte {exc.start}); save it as UTF-8") from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = at_line(path, mark.line + 1 if mark else None)
        raise UserError(f"{where}: not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{shown}: not valid YAML: {exc}") from None
    if data is None:
        data = LinedDict()
        data.lines, data.line = {}, 1
    if not isinstance(data, LinedDict):
        raise UserError(f"{shown}: should be a mapping with the sections {', '.join(TOP_LEVEL)}")
    for key in data:
        if key not in TOP_LEVEL:
            raise UserError(
                f"{at_line(path, data.lines[key])}: unknown section {key!r}; the sections are: {', '.join(TOP_LEVEL)}"
            )
    course_raw = data.get("course") or {}
    try:
        course = CourseFacts.model_validate(course_raw)
    except ValidationError as exc:
        raise validation_error(path, "course", course_raw, exc, list(CourseFacts.model_fields)) from None
    traces_raw = data.get("traces") or _empty(data.lines.get("traces", data.line))
    if not isinstance(traces_raw, LinedDict):
        where = at_line(path, data.lines.get("traces"))
        raise UserError(f"{where}: traces: should map computation names to parameters")
    has_course = data.get("course") is not None  # `course: {}` says "nothing" on purpose
    site_raw = data.get("site") or {}
    try:
        site = SiteFacts.model_validate(site_raw)
    except ValidationError as exc:
        raise validation_error(path, "site", site_raw, exc, list(SiteFacts.model_fields)) from None
    site_line = line_of(data, ("site", "lectures"))
    render_raw = data.get("render") or {}
    try:
        render = RenderSettings.model_validate(render_raw)
    except ValidationError as exc:
        raise validation_error(path, "render", render_raw, exc, list(RenderSettings.model_fields)) from None
    return Config(
        course=course, traces=traces_raw, has_course=has_course, site=site, site_line=site_line, render=render
    )


def _empty(line: int) -> LinedDict:
    empty = LinedDict()
    empty.lines, empty.line = {}, line
    return empty


def write_json(path: Path, content: Any) -> None:
    """A part of course.yaml as its readers take it, rewritten only when it changes. A part that
    changed but cannot be written (a full disk) goes, with everything made from it: what was made
    from its old values must not pass for the new ones."""
    text = json.dumps(content, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    try:
        paths.write_atomic(path, text, only_if_changed=True)
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            outputs.remove_dependents(path)
        raise


def write_parts(out_dir: Path, parts: dict[str, Any]) -> None:
    """Each part under out_dir (write_json), every one tried even after one failed, so that each
    that changed but could not be written goes; then the first failure is raised."""
    failed: OSError | None = None
    for name, content in parts.items():
        try:
            write_json(out_dir / name, content)
        except OSError as exc:
            failed = failed or exc
    if failed:
        raise failed


def split(path: Path, out_dir: Path) -> None:
    """course.json under out_dir, only if changed."""
    config = load(path)
    if not config.has_course:
        console.warn(
            f"{paths.rel(path)}: no course: section; the decks get no author, date, theme or language "
            "(add one, e.g. `course:` with `author:` and `lang:` under it, or `course: {}` for none)"
        )
    site = config.site.model_dump(mode="json")
    site["line"] = config.site_line
    course = pandoc_metadata(config.course.model_dump(mode="json", exclude_none=True))
    write_parts(out_dir, {"course.json": course, "site.json": site})


def pandoc_metadata(course: dict[str, Any]) -> dict[str, Any]:
    """The course facts as pandoc reads them (question_title -> question-title)."""
    return {k.replace("_", "-"): v for k, v in course.items()}


@friendly_main
def main() -> None:
    if sys.argv[1:] != ["split"]:
        raise SystemExit("usage: python -m lecturemedia.config split")
    split(paths.CONFIG_FILE, paths.CONFIG_DIR)


if __name__ == "__main__":
    main()
