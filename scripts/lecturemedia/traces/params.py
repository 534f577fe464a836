"""The instructor's parameters of each computation (from course.yaml). No torch here."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AutogradGraphParams(_Params):
    a: float = 2.0
    b: float = 3.0


class SgdX2Params(_Params):
    x0: float = 9.0
    steps: int = Field(10, ge=1, le=1000)
    learning_rates: list[float] = Field(default=[0.01, 0.1, 0.9, 1.1], min_length=1)


class TwoLayerNetParams(_Params):
    seed: int = 0
    n: int = Field(400, ge=4)
    batch_size: int = Field(32, ge=1)
    hidden: int = Field(16, ge=1)
    init_scale: float = 0.1
    lr: float = Field(0.1, gt=0)
    epochs: int = Field(30, ge=1)
    grid_size: tuple[int, int] = (48, 32)


PARAMS: dict[str, type[_Params]] = {
    "autograd_graph": AutogradGraphParams,
    "sgd_x2": SgdX2Params,
    "two_layer_net": TwoLayerNetParams,
}
TRACE_NAMES = tuple(PARAMS)
