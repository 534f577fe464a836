"""Read course.yaml and split it into one file per consumer under build/config/.

Each part is written only when its content changes, so editing the year rebuilds the
decks but no trace, and editing a learning rate rebuilds one trace and what reads it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from . import paths
from .errors import UserError, friendly_main
from .traces.params import PARAMS


def load(path: Path = paths.CONFIG_FILE) -> dict[str, Any]:
    """The parsed config, with course facts and validated trace parameters."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{paths.rel(path)} is missing: it holds the course facts") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise UserError(f"{paths.rel(path)}{where}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("course"), dict):
        raise UserError(f"{paths.rel(path)}: needs a `course:` section of key: value facts")
    traces = data.get("traces") or {}
    unknown = set(traces) - set(PARAMS)
    if unknown:
        raise UserError(
            f"{paths.rel(path)}: unknown trace {sorted(unknown)[0]!r} under `traces:`; known: {', '.join(PARAMS)}"
        )
    params = {}
    for name, model in PARAMS.items():
        try:
            params[name] = model.model_validate(traces.get(name) or {})
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise UserError(f"{paths.rel(path)}: traces.{name}.{field}: {err['msg']}") from None
    return {"course": data["course"], "traces": params}


def trace_params(name: str) -> Any:
    """The validated parameters of one trace."""
    return load()["traces"][name]


def split(path: Path, out_dir: Path) -> None:
    """Write course.json and trace-<name>.json under out_dir, each only if changed."""
    config = load(path)
    parts = {"course": config["course"]}
    parts.update({f"trace-{k}": v.model_dump() for k, v in config["traces"].items()})
    for part, content in parts.items():
        text = json.dumps(content, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        paths.write_atomic(out_dir / f"{part}.json", text, only_if_changed=True)


@friendly_main
def main() -> None:
    args = sys.argv[1:]
    if len(args) != 2:
        raise SystemExit("usage: python -m lecturemedia.config COURSE_YAML OUT_DIR")
    split(Path(args[0]), Path(args[1]))


if __name__ == "__main__":
    main()
