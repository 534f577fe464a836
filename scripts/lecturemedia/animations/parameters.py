"""The `traces:` section of course.yaml: each computation's parameters, validated by its `Parameters`.

    python -m lecturemedia.animations.parameters split    (-> build/config/trace-<name>.json, environment.json)

A name under `traces:` with no computations/<name>.py, an unknown key or a value out of its
bounds is an error naming the line. Each part is rewritten only when it changes, so editing
one learning rate re-runs one computation; environment.json records the torch version the
traces depend on.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import ValidationError

from .. import config, paths
from ..errors import UserError, friendly_main
from . import computation
from .traces import torch_version


def load(path: Path = paths.CONFIG_FILE) -> dict[str, computation.Params]:
    """Every computation's parameters, from course.yaml (defaults where it names none)."""
    raw_traces = config.load(path).traces
    known = computation.names()
    for name in raw_traces:
        if name not in known:
            where = config.at_line(path, raw_traces.lines.get(name))
            raise UserError(
                f"{where}: traces.{name}: there is no computations/{name}.py; "
                f"the computations are: {', '.join(known) or '(none)'}"
            )
    params: dict[str, computation.Params] = {}
    for name in known:
        model = computation.load(name).parameters
        raw = raw_traces.get(name) or {}
        try:
            params[name] = model.model_validate(raw)
        except ValidationError as exc:
            raise config.validation_error(path, f"traces.{name}", raw, exc, list(model.model_fields)) from None
    return params


def split(path: Path, out_dir: Path) -> None:
    """trace-<name>.json and environment.json under out_dir, each only if changed."""
    params = load(path)
    parts = {"environment.json": {"torch": torch_version()}}
    parts |= {f"trace-{name}.json": value.model_dump(mode="json") for name, value in params.items()}
    config.write_parts(out_dir, parts)
    for stale in out_dir.glob("trace-*.json"):
        if stale.stem.removeprefix("trace-") not in params:
            stale.unlink()


@friendly_main
def main() -> None:
    if sys.argv[1:] != ["split"]:
        raise SystemExit("usage: python -m lecturemedia.animations.parameters split")
    split(paths.CONFIG_FILE, paths.CONFIG_DIR)


if __name__ == "__main__":
    main()
