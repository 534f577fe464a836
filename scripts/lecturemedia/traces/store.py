"""Write traces byte-for-byte reproducibly, and read them back validated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .. import paths
from ..errors import UserError
from .schema import SCHEMA_VERSION, TRACE_MODELS

REGENERATE = "run `make traces` to regenerate it"


def trace_path(name: str) -> Path:
    return paths.TRACES_DIR / f"{name}.json"


def dumps(trace: Any) -> str:
    """Canonical JSON: same trace, same bytes."""
    return json.dumps(trace.model_dump(mode="json"), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def write(trace: Any, path: Path | None = None, only_if_changed: bool = False) -> Path:
    path = path or trace_path(trace.trace)
    paths.write_atomic(path, dumps(trace), only_if_changed=only_if_changed)
    return path


def load(name: str, path: Path | None = None, expected_params: dict[str, Any] | None = None) -> Any:
    """The validated trace, or a UserError naming the file, the field and `make traces`.

    expected_params defaults to the trace's current parameters from build/config/, so a
    trace made with other parameters than course.yaml's is reported as out of date.
    """
    if name not in TRACE_MODELS:
        raise UserError(f"unknown trace {name!r}; the traces are: {', '.join(TRACE_MODELS)}")
    path = path or trace_path(name)
    shown = paths.rel(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{shown} is missing; {REGENERATE}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{shown} is not valid JSON (truncated?): {exc}; {REGENERATE}") from None
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if version != SCHEMA_VERSION:
        raise UserError(
            f"{shown}: field schema_version is {version!r}, this code reads version {SCHEMA_VERSION}; {REGENERATE}"
        )
    try:
        trace = TRACE_MODELS[name].model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise UserError(f"{shown}: field {field}: {err['msg']}; {REGENERATE}") from None
    if expected_params is None:
        config = paths.CONFIG_DIR / f"trace-{name}.json"
        if config.exists():
            expected_params = json.loads(config.read_text(encoding="utf-8"))
    if expected_params is not None and _jsonable(expected_params) != _jsonable(trace.provenance.params):
        raise UserError(f"{shown} is out of date: course.yaml changed traces.{name} since it was made; {REGENERATE}")
    return trace


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value))
