"""SGD on f(x) = x² from x0, for several learning rates, gradients from autograd.

Computed in float64 so that the numbers equal the course notebook's loop, which uses
Python floats: current_x = current_x - lr * 2 * current_x.
"""

from __future__ import annotations

import itertools
from typing import Literal

from lecturemedia.animations.computation import Field, Params, Record

SLOW_RATIO = 0.5  # still more than half-way from the minimum after all steps: too slow

Regime = Literal["demasiado lento", "adecuado", "oscila", "diverge"]


class Parameters(Params):
    x0: float = 9.0
    steps: int = Field(10, ge=1, le=1000)
    learning_rates: list[float] = Field(default=[0.01, 0.1, 0.9, 1.1], min_length=1)


class SgdRun(Record):
    lr: float
    history_x: list[float]  # x_0 … x_steps (the seed's names)
    history_y: list[float]  # f(x_t) = x_t²
    grads: list[float]  # f'(x_t) from autograd, one per step
    regime: Regime


class Result(Record):
    function: str
    x0: float
    steps: int
    runs: list[SgdRun]


def regime(history_x: list[float]) -> Regime:
    """Name what the run did, from its numbers: diverge, oscila, demasiado lento, adecuado."""
    first, last = abs(history_x[0]), abs(history_x[-1])
    if last > first:
        return "diverge"
    if any(x0 * x1 < 0 for x0, x1 in itertools.pairwise(history_x)):
        return "oscila"
    if last > SLOW_RATIO * first:
        return "demasiado lento"
    return "adecuado"


def run(x0: float, lr: float, steps: int) -> SgdRun:
    import torch

    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    history_x, history_y, grads = [x.item()], [x.item() ** 2], []
    for _ in range(steps):
        y = x**2
        y.backward()
        assert x.grad is not None
        grads.append(x.grad.item())
        with torch.no_grad():
            x -= lr * x.grad
        x.grad.zero_()
        history_x.append(x.item())
        history_y.append(x.item() ** 2)
    return SgdRun(lr=lr, history_x=history_x, history_y=history_y, grads=grads, regime=regime(history_x))


def compute(params: Parameters) -> Result:
    return Result(
        function="f(x) = x²",
        x0=params.x0,
        steps=params.steps,
        runs=[run(params.x0, lr, params.steps) for lr in params.learning_rates],
    )
