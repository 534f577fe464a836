"""The MLPy Sesión 3 notebook's 2-layer net (2 -> h -> 2, ReLU), trained by hand-written SGD.

The steps follow the notebook's cells top to bottom, so the random stream (data, weights,
the DataLoader's shuffles) is drawn in the same order and every number equals what a
student sees. The one change is the notebook's fix: the weights are made leaves
(`.requires_grad_()` after scaling), which draws the same random numbers.

PyTorch is imported inside the functions that use it: decks and scenes import this file
for the types of its trace, and should not wait for PyTorch to load.
"""

from __future__ import annotations

from typing import Any

from lecturemedia.animations.computation import Field, Params, Record

D_IN, D_OUT = 2, 2
GRID_MARGIN = 1.0
PROB_DIGITS = 4
PRINTED_EPOCHS = (1, 5, 10, 20, 30)  # the epochs the notebook prints


class Parameters(Params):
    seed: int = 0
    n: int = Field(400, ge=4)
    batch_size: int = Field(32, ge=1)
    hidden: int = Field(16, ge=1)
    init_scale: float = 0.1
    lr: float = Field(0.1, gt=0)
    epochs: int = Field(30, ge=1)
    grid_size: tuple[int, int] = (48, 32)  # decision-boundary grid (columns, rows)


class NetParams(Record):
    W1: list[list[float]]
    b1: list[float]
    W2: list[list[float]]
    b2: list[float]


class Grid(Record):
    x_min: float
    x_max: float
    y_min: float
    y_max: float
    nx: int
    ny: int


class Snapshot(Record):
    """The model after an epoch (epoch 0: before the training loop)."""

    epoch: int
    accuracy: float
    params: NetParams
    prob_class1: list[list[float]]  # ny rows of nx values over the grid, bottom row first


class PrintedLine(Record):
    epoch: int
    loss: float
    accuracy: float


class Result(Record):
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


def cross_entropy_manual(logits: Any, y: Any) -> Any:
    """The notebook's section 8: log_softmax + negative log-likelihood, by hand."""
    import torch

    log_probs = logits - logits.logsumexp(dim=1, keepdim=True)
    nll = -log_probs[torch.arange(y.shape[0]), y]
    return nll.mean()


class Net:
    """The notebook's explicit parameters and forward(); no nn.Module."""

    def __init__(self, hidden: int, init_scale: float) -> None:
        import torch

        self.W1 = (init_scale * torch.randn(D_IN, hidden)).requires_grad_()
        self.b1 = torch.zeros(hidden, requires_grad=True)
        self.W2 = (init_scale * torch.randn(hidden, D_OUT)).requires_grad_()
        self.b2 = torch.zeros(D_OUT, requires_grad=True)

    @property
    def params(self) -> tuple[Any, ...]:
        return (self.W1, self.b1, self.W2, self.b2)

    def forward(self, X: Any) -> Any:
        import torch

        h1 = torch.relu(X @ self.W1 + self.b1)
        return h1 @ self.W2 + self.b2

    def zero_grads(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.grad.zero_()

    def sgd_step(self, xb: Any, yb: Any, lr: float) -> float:
        import torch
        import torch.nn.functional as F  # noqa: N812 (the notebook's name)

        self.zero_grads()
        loss = F.cross_entropy(self.forward(xb), yb)
        loss.backward()
        with torch.no_grad():
            for p in self.params:
                assert p.grad is not None
                p -= lr * p.grad
        return loss.item()

    def accuracy(self, X: Any, y: Any) -> float:
        import torch

        with torch.no_grad():
            return (self.forward(X).argmax(dim=1) == y).float().mean().item()

    def snapshot(self) -> NetParams:
        return NetParams(W1=self.W1.tolist(), b1=self.b1.tolist(), W2=self.W2.tolist(), b2=self.b2.tolist())


def make_data(n: int) -> tuple[Any, Any]:
    """The notebook's two Gaussian blobs at (-2, 0) and (2, 0)."""
    import torch

    x0 = torch.randn(n // 2, 2) + torch.tensor([-2.0, 0.0])
    x1 = torch.randn(n // 2, 2) + torch.tensor([2.0, 0.0])
    X = torch.cat([x0, x1], dim=0)
    y = torch.cat([torch.zeros(n // 2), torch.ones(n // 2)]).long()
    return X, y


def make_grid(X: Any, nx: int, ny: int) -> tuple[Grid, Any]:
    import torch

    lo = (X.min(dim=0).values - GRID_MARGIN).tolist()
    hi = (X.max(dim=0).values + GRID_MARGIN).tolist()
    grid = Grid(
        x_min=round(lo[0], 2), x_max=round(hi[0], 2), y_min=round(lo[1], 2), y_max=round(hi[1], 2), nx=nx, ny=ny
    )
    xs = torch.linspace(grid.x_min, grid.x_max, nx)
    ys = torch.linspace(grid.y_min, grid.y_max, ny)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return grid, torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)


def prob_class1(net: Net, points: Any, grid: Grid) -> list[list[float]]:
    import torch

    with torch.no_grad():
        prob = torch.softmax(net.forward(points), dim=1)[:, 1].reshape(grid.ny, grid.nx)
    return [[round(v, PROB_DIGITS) for v in row] for row in prob.tolist()]


def compute(params: Parameters) -> Result:
    import torch
    from torch.utils.data import DataLoader, TensorDataset

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

    return Result(
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
    )
