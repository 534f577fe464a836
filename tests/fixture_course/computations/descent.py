"""Descent: what PyTorch computes for the animation `descent`.

Three things make a computation: its Parameters (values from course.yaml, traces.descent),
its Result (what the trace records) and compute(). Import torch inside compute(): decks
and scenes import this file for the Result's fields, and should not wait for PyTorch.
"""

from __future__ import annotations

from lecturemedia.animations.computation import Field, Params, Record


class Parameters(Params):
    w0: float = 4.0  # where gradient descent starts
    target: float = 1.0  # the minimum of f(w) = (w - target)²
    lr: float = Field(0.2, gt=0, le=1)
    steps: int = Field(12, ge=1, le=200)


class Result(Record):
    function: str
    target: float
    history_w: list[float]  # w_0 … w_steps
    losses: list[float]  # f(w_t), one per w
    grads: list[float]  # f'(w_t) from autograd, one per step


def compute(params: Parameters) -> Result:
    import torch

    w = torch.tensor(params.w0, dtype=torch.float64, requires_grad=True)
    history_w, losses, grads = [], [], []
    for _ in range(params.steps):
        loss = (w - params.target) ** 2
        loss.backward()
        history_w.append(w.item())
        losses.append(loss.item())
        grads.append(w.grad.item())
        with torch.no_grad():
            w -= params.lr * w.grad
        w.grad.zero_()
    history_w.append(w.item())
    losses.append((w.item() - params.target) ** 2)
    return Result(
        function=f"f(w) = (w - {params.target:g})²",
        target=params.target,
        history_w=history_w,
        losses=losses,
        grads=grads,
    )
