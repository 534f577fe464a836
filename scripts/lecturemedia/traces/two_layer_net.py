"""The MLPy Sesión 3 notebook's 2-layer net (2 -> h -> 2, ReLU), trained by hand-written SGD.

The steps follow the notebook's cells top to bottom, so the random stream (data, weights,
the DataLoader's shuffles) is drawn in the same order and every number equals what a
student sees. The one change is the notebook's fix: the weights are made leaves
(`.requires_grad_()` after scaling), which draws the same random numbers.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812 (the notebook's name)
from torch.utils.data import DataLoader, TensorDataset

from .params import TwoLayerNetParams
from .schema import (
    PRINTED_EPOCHS,
    Grid,
    NetParams,
    PrintedLine,
    Provenance,
    Snapshot,
    TwoLayerNetData,
    TwoLayerNetTrace,
)

D_IN, D_OUT = 2, 2
GRID_MARGIN = 1.0
PROB_DIGITS = 4


def cross_entropy_manual(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The notebook's section 8: log_softmax + negative log-likelihood, by hand."""
    log_probs = logits - logits.logsumexp(dim=1, keepdim=True)
    nll = -log_probs[torch.arange(y.shape[0]), y]
    return nll.mean()


class Net:
    """The notebook's explicit parameters and forward(); no nn.Module."""

    def __init__(self, hidden: int, init_scale: float) -> None:
        self.W1 = (init_scale * torch.randn(D_IN, hidden)).requires_grad_()
        self.b1 = torch.zeros(hidden, requires_grad=True)
        self.W2 = (init_scale * torch.randn(hidden, D_OUT)).requires_grad_()
        self.b2 = torch.zeros(D_OUT, requires_grad=True)

    @property
    def params(self) -> tuple[torch.Tensor, ...]:
        return (self.W1, self.b1, self.W2, self.b2)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        h1 = torch.relu(X @ self.W1 + self.b1)
        return h1 @ self.W2 + self.b2

    def zero_grads(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.grad.zero_()

    def sgd_step(self, xb: torch.Tensor, yb: torch.Tensor, lr: float) -> float:
        self.zero_grads()
        loss = F.cross_entropy(self.forward(xb), yb)
        loss.backward()
        with torch.no_grad():
            for p in self.params:
                assert p.grad is not None
                p -= lr * p.grad
        return loss.item()

    def accuracy(self, X: torch.Tensor, y: torch.Tensor) -> float:
        with torch.no_grad():
            return (self.forward(X).argmax(dim=1) == y).float().mean().item()

    def snapshot(self) -> NetParams:
        return NetParams(W1=self.W1.tolist(), b1=self.b1.tolist(), W2=self.W2.tolist(), b2=self.b2.tolist())


def make_data(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The notebook's two Gaussian blobs at (-2, 0) and (2, 0)."""
    x0 = torch.randn(n // 2, 2) + torch.tensor([-2.0, 0.0])
    x1 = torch.randn(n // 2, 2) + torch.tensor([2.0, 0.0])
    X = torch.cat([x0, x1], dim=0)
    y = torch.cat([torch.zeros(n // 2), torch.ones(n // 2)]).long()
    return X, y


def make_grid(X: torch.Tensor, nx: int, ny: int) -> tuple[Grid, torch.Tensor]:
    lo = (X.min(dim=0).values - GRID_MARGIN).tolist()
    hi = (X.max(dim=0).values + GRID_MARGIN).tolist()
    grid = Grid(
        x_min=round(lo[0], 2), x_max=round(hi[0], 2), y_min=round(lo[1], 2), y_max=round(hi[1], 2), nx=nx, ny=ny
    )
    xs = torch.linspace(grid.x_min, grid.x_max, nx)
    ys = torch.linspace(grid.y_min, grid.y_max, ny)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return grid, torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)


def prob_class1(net: Net, points: torch.Tensor, grid: Grid) -> list[list[float]]:
    with torch.no_grad():
        prob = torch.softmax(net.forward(points), dim=1)[:, 1].reshape(grid.ny, grid.nx)
    return [[round(v, PROB_DIGITS) for v in row] for row in prob.tolist()]


def compute(params: TwoLayerNetParams) -> TwoLayerNetTrace:
    torch.manual_seed(params.seed)
    X, y = make_data(params.n)
    train_loader = DataLoader(TensorDataset(X, y), batch_size=params.batch_size, shuffle=True)
    net = Net(params.hidden, params.init_scale)
    params_initial = net.snapshot()

    # Section 5: one SGD step on one mini-batch, before the training loop.
    xb, yb = next(iter(train_loader))
    warmup_loss = net.sgd_step(xb, yb, params.lr)

    grid, points = make_grid(X, *params.grid_size)
    snapshots = [
        Snapshot(
            epoch=0, accuracy=net.accuracy(X, y), params=net.snapshot(), prob_class1=prob_class1(net, points, grid)
        )
    ]
    step_losses: list[list[float]] = []
    loss_history: list[float] = []
    printed: list[PrintedLine] = []
    for epoch in range(1, params.epochs + 1):
        losses = [net.sgd_step(xb, yb, params.lr) for xb, yb in train_loader]
        running = 0.0
        for loss in losses:  # summed as the notebook sums them
            running += loss
        avg_loss = running / len(losses)
        step_losses.append(losses)
        loss_history.append(avg_loss)
        accuracy = net.accuracy(X, y)
        if epoch in PRINTED_EPOCHS:
            printed.append(PrintedLine(epoch=epoch, loss=avg_loss, accuracy=accuracy))
        snapshots.append(
            Snapshot(epoch=epoch, accuracy=accuracy, params=net.snapshot(), prob_class1=prob_class1(net, points, grid))
        )

    return TwoLayerNetTrace(
        provenance=Provenance.of(__name__, params, seed=params.seed),
        data=TwoLayerNetData(
            X=X.tolist(),
            y=y.tolist(),
            params_initial=params_initial,
            warmup_loss=warmup_loss,
            step_losses=step_losses,
            loss_history=loss_history,
            printed=printed,
            final_loss=loss_history[-1],
            final_accuracy=snapshots[-1].accuracy,
            grid=grid,
            snapshots=snapshots,
        ),
    )
