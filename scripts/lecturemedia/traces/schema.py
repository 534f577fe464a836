"""What each trace file holds: the one format the generators write and every reader validates.

No torch here: scenes and decks import this to read traces without loading PyTorch.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Literal

from pydantic import BaseModel, ConfigDict

SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provenance(_Model):
    generator: str
    torch_version: str
    seed: int | None
    params: dict[str, object]

    @classmethod
    def of(cls, generator: str, params: BaseModel, seed: int | None = None) -> Provenance:
        """Where a trace comes from: its generator module, torch's version, its parameters."""
        return cls(generator=generator, torch_version=version("torch"), seed=seed, params=params.model_dump())


# ---------------------------------------------------------------- autograd_graph


class ForwardValue(_Model):
    """A tensor of the forward pass, in evaluation order."""

    name: str  # "a", "b", "a·b", "d"
    value: float
    grad_fn: str | None  # the backward node that produced it (None for a leaf)
    grad: float  # d(output)/d(this tensor), from .grad / retain_grad()


class BackwardNode(_Model):
    id: int
    kind: str  # as PyTorch names the class: AddBackward0, MulBackward0, AccumulateGrad
    tensor: str  # the forward tensor it belongs to (for AccumulateGrad: its leaf)


class BackwardEdge(_Model):
    """An edge of PyTorch's backward graph (node -> one of its next_functions)."""

    source: int
    target: int
    input_index: int  # which input of `source` this edge is
    grad: float  # the gradient it carries in the backward pass (from a node hook)


class LeafPath(_Model):
    via: str  # the node kind the contribution comes from
    grad: float


class LeafGradient(_Model):
    leaf: str
    paths: list[LeafPath]  # one per edge that reaches the leaf's AccumulateGrad
    total: float  # their sum, equal to the leaf's .grad


class AutogradGraphData(_Model):
    expression: str
    output: str
    forward: list[ForwardValue]
    nodes: list[BackwardNode]
    edges: list[BackwardEdge]
    backward_order: list[int]  # node ids in the order the engine ran them
    leaves: list[LeafGradient]

    def tensor(self, name: str) -> ForwardValue:
        """The forward tensor called `name` ("a", "b", "a·b", "d")."""
        return next(f for f in self.forward if f.name == name)

    def leaf(self, name: str) -> LeafGradient:
        return next(leaf for leaf in self.leaves if leaf.leaf == name)


# ---------------------------------------------------------------- sgd_x2

Regime = Literal["demasiado lento", "adecuado", "oscila", "diverge"]


class SgdRun(_Model):
    lr: float
    history_x: list[float]  # x_0 … x_steps (the seed's names)
    history_y: list[float]  # f(x_t) = x_t²
    grads: list[float]  # f'(x_t) from autograd, one per step
    regime: Regime


class SgdX2Data(_Model):
    function: str
    x0: float
    steps: int
    runs: list[SgdRun]


# ---------------------------------------------------------------- two_layer_net


class NetParams(_Model):
    W1: list[list[float]]
    b1: list[float]
    W2: list[list[float]]
    b2: list[float]


class Grid(_Model):
    x_min: float
    x_max: float
    y_min: float
    y_max: float
    nx: int
    ny: int


class Snapshot(_Model):
    """The model after an epoch (epoch 0: before the training loop)."""

    epoch: int
    accuracy: float
    params: NetParams
    prob_class1: list[list[float]]  # ny rows of nx values over the grid, bottom row first


class PrintedLine(_Model):
    epoch: int
    loss: float
    accuracy: float


class TwoLayerNetData(_Model):
    X: list[list[float]]
    y: list[int]
    params_initial: NetParams
    warmup_loss: float  # the single SGD step of the notebook's section 5
    step_losses: list[list[float]]  # per epoch, the loss of every mini-batch step
    loss_history: list[float]  # per-epoch mean loss (the notebook's name)
    printed: list[PrintedLine]  # what the notebook prints at epochs 1, 5, 10, 20, 30
    final_loss: float
    final_accuracy: float
    grid: Grid
    snapshots: list[Snapshot]


# ---------------------------------------------------------------- the files


class _Trace(_Model):
    schema_version: Literal[1] = SCHEMA_VERSION
    provenance: Provenance


class AutogradGraphTrace(_Trace):
    trace: Literal["autograd_graph"] = "autograd_graph"
    data: AutogradGraphData


class SgdX2Trace(_Trace):
    trace: Literal["sgd_x2"] = "sgd_x2"
    data: SgdX2Data


class TwoLayerNetTrace(_Trace):
    trace: Literal["two_layer_net"] = "two_layer_net"
    data: TwoLayerNetData


TRACE_MODELS: dict[str, type[_Trace]] = {
    "autograd_graph": AutogradGraphTrace,
    "sgd_x2": SgdX2Trace,
    "two_layer_net": TwoLayerNetTrace,
}
PRINTED_EPOCHS = (1, 5, 10, 20, 30)
