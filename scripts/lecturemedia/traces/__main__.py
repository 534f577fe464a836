"""python -m lecturemedia.traces NAME...: run the computations and write build/traces/NAME.json."""

from __future__ import annotations

import importlib
import json
import sys
import time

from .. import paths
from ..errors import UserError, friendly_main
from . import store
from .params import PARAMS


def params_for(name: str) -> object:
    """The trace's parameters: build/config/trace-NAME.json (from course.yaml), else course.yaml."""
    config = paths.CONFIG_DIR / f"trace-{name}.json"
    if config.exists():
        return PARAMS[name].model_validate(json.loads(config.read_text(encoding="utf-8")))
    from ..config import trace_params

    return trace_params(name)


@friendly_main
def main() -> None:
    names = sys.argv[1:] or list(PARAMS)
    for name in names:
        if name not in PARAMS:
            raise UserError(f"unknown trace {name!r}; the traces are: {', '.join(PARAMS)}")
    for name in names:
        start = time.monotonic()
        print(f"  trace {name}: computing with PyTorch …", flush=True)
        module = importlib.import_module(f"{__package__}.{name}")
        trace = module.compute(params_for(name))
        path = store.write(trace, only_if_changed=True)
        print(f"  trace {name}: {paths.rel(path)} ({time.monotonic() - start:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
