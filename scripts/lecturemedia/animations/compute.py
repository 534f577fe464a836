"""Run one computation with PyTorch and write its trace.

    python -m lecturemedia.animations.compute NAME

The parameters come from build/config/trace-NAME.json (made from course.yaml). An
exception in the computation is reported at its line; a result that does not match what
the computation declares is reported by field, and no file is written.
"""

from __future__ import annotations

import sys
import time
import traceback

from pydantic import ValidationError

from .. import console, outputs, paths
from ..errors import UserError, friendly_main
from . import computation, traces


def params_for(comp: computation.Computation) -> computation.Params:
    from . import parameters

    wanted = traces.expected_params(comp.name)
    if wanted is None:
        return parameters.load()[comp.name]
    return comp.parameters.model_validate(wanted)


def failed(name: str) -> None:
    """No trace, and nothing made from it, is left for a computation that failed."""
    outputs.remove(traces.trace_path(name))
    outputs.remove_dependents(traces.trace_path(name))


def run(name: str) -> None:
    computation.check_name(name)
    comp = computation.load(name)
    params = params_for(comp)
    where = paths.rel(comp.path)
    log = paths.BUILD / "logs" / "traces" / f"{name}.log"
    start = time.monotonic()
    console.live(f"trace {name}: computing with PyTorch …")
    import torch

    torch.manual_seed(0)  # a computation that draws random numbers without seeding still repeats
    try:
        result = comp.run(params)
    except Exception as exc:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(traceback.format_exc(), encoding="utf-8")
        failed(name)
        message = computation.located(exc, comp.path, f"{where}: compute() failed")
        raise UserError(f"{message}\n  full log: {paths.rel(log)}") from None
    try:
        data = comp.result.model_validate(result.model_dump() if isinstance(result, computation.Record) else result)
    except ValidationError as exc:
        failed(name)
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(the whole result)"
        raise UserError(
            f"{where}: compute() returned what Result does not declare: field {field}: {err['msg']}"
        ) from None
    bad = traces.non_finite(data.model_dump(mode="json"))
    if bad:
        failed(name)
        raise UserError(f"{where}: compute() returned NaN or infinity in field {bad}; a trace holds finite numbers")
    changed = traces.write(name, params, data)
    took = time.monotonic() - start
    if changed:
        console.product(traces.trace_path(name), f"{took:.1f} s")
    else:
        console.product(traces.trace_path(name), f"same numbers, {took:.1f} s", verb="kept")


@friendly_main
def main() -> None:
    names = sys.argv[1:]
    if not names:
        raise SystemExit("usage: python -m lecturemedia.animations.compute NAME...")
    for name in names:
        run(name)


if __name__ == "__main__":
    main()
