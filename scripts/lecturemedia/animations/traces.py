"""Trace files: what a computation wrote, byte for byte, read back validated.

A trace is build/traces/<name>.json:

    {"trace": name, "format": 2,
     "provenance": {"computation": "computations/<name>.py", "params": {...}, "torch_version": "..."},
     "data": {... the computation's Result ...}}

The same inputs give the same bytes. Reading one checks, before any number is used, that
the file is exactly what the build wrote (its digest), that it was made with the current
course.yaml parameters and torch, and that its data is what the computation declares.
Reading never imports PyTorch.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from .. import outputs, paths
from ..errors import UserError
from . import computation

FORMAT = 2
LOADED: set[str] = set()  # the traces this process read (a render records them for Make)
REMAKE = "run `make` (or `make traces`) to make it again"


class Provenance(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    computation: str
    params: dict[str, Any]
    torch_version: str


class Trace:
    """A trace as decks and scenes see it: `.data` (the computation's Result), `.provenance`."""

    def __init__(self, name: str, provenance: Provenance, data: Any) -> None:
        self.name = name
        self.provenance = provenance
        self.data = data

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        raise AttributeError(f"trace {self.name!r} has {attr!r}? No: a trace has .data and .provenance")


def torch_version() -> str:
    """torch's installed version, from the name of its .dist-info folder: importlib.metadata
    would cost every deck and scene that reads a trace a twentieth of a second."""
    for folder in sys.path:
        for info in Path(folder or ".").glob("torch-*.dist-info"):
            return info.name.removeprefix("torch-").removesuffix(".dist-info")
    return "(not installed)"


def trace_path(name: str) -> Path:
    return paths.TRACES_DIR / f"{name}.json"


def envelope(name: str, params: BaseModel, data: BaseModel) -> dict[str, Any]:
    return {
        "trace": name,
        "format": FORMAT,
        "provenance": {
            "computation": f"computations/{name}.py",
            "params": params.model_dump(mode="json"),
            "torch_version": torch_version(),
        },
        "data": data.model_dump(mode="json"),
    }


def dumps(content: dict[str, Any]) -> str:
    """Canonical JSON: the same trace, the same bytes. NaN and infinity are refused."""
    return json.dumps(content, ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False) + "\n"


def non_finite(value: Any, where: str = "") -> str | None:
    """The path of the first NaN or infinity in a JSON-able value, if any."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return where or "(top level)"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = non_finite(item, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


def write(name: str, params: BaseModel, data: BaseModel, path: Path | None = None) -> bool:
    """Write the trace if its bytes changed (so what reads it rebuilds only then)."""
    return outputs.publish(path or trace_path(name), dumps(envelope(name, params, data)), only_if_changed=True)


def expected_params(name: str) -> dict[str, Any] | None:
    config = paths.CONFIG_DIR / f"trace-{name}.json"
    if config.exists():
        return json.loads(config.read_text(encoding="utf-8"))
    return None


def load(name: str, path: Path | None = None, params: dict[str, Any] | None = None) -> Trace:
    """The validated trace, or a UserError naming the file, what is wrong, and the fix."""
    path = path or trace_path(name)
    shown = paths.rel(path)
    LOADED.add(name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{shown} is missing; {REMAKE}") from None
    except UnicodeDecodeError:
        raise UserError(f"{shown} is not text (damaged?); {REMAKE}") from None
    if outputs.intact(path) is False:
        raise UserError(f"{shown} was changed after the build wrote it; {REMAKE}")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{shown} is not valid JSON (truncated?): {exc}; {REMAKE}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        found = raw.get("format") if isinstance(raw, dict) else None
        raise UserError(f"{shown}: trace format {found!r}, this build reads format {FORMAT}; {REMAKE}")
    if raw.get("trace") != name:
        raise UserError(f"{shown}: holds the trace {raw.get('trace')!r}, not {name!r}; {REMAKE}")
    try:
        provenance = Provenance.model_validate(raw.get("provenance"))
    except ValidationError as exc:
        raise UserError(f"{shown}: provenance: {_first_error(exc)}; {REMAKE}") from None
    wanted = params if params is not None else expected_params(name)
    if wanted is not None and wanted != provenance.params:
        raise UserError(f"{shown} is out of date: course.yaml changed traces.{name} since it was made; {REMAKE}")
    if provenance.torch_version != torch_version():
        raise UserError(
            f"{shown} was made with torch {provenance.torch_version}, this is torch {torch_version()}; {REMAKE}"
        )
    result = computation.load(name).result
    try:
        data = result.model_validate(raw.get("data"))
    except ValidationError as exc:
        raise UserError(f"{shown}: {_first_error(exc, 'data')}; {REMAKE}") from None
    return Trace(name, provenance, data)


def _first_error(exc: ValidationError, prefix: str = "") -> str:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "") or "(top level)"
    return f"field {field}: {err['msg']}"
