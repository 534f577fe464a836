"""The course's computations equal the seed computations they port: autograd's gradients are
the analytic ones, SGD is the seed notebook's loop for the learning rates in course.yaml,
and the 2-layer net is the Sesión 3 lab notebook's run. Parameters come from course.yaml;
the traces checked are the ones `make` built (`course_built`)."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import nbformat
import pytest
from conftest import REPO, engine_at
from lecturemedia.animations import computation, parameters, traces
from lecturemedia.project_copy import Project
from nbclient import NotebookClient

LAB = REPO / "labs" / "sesion3_red_desde_cero.ipynb"


def course_params(name: str) -> Any:
    with engine_at(REPO):
        return parameters.load(REPO / "course.yaml")[name]


def module(name: str) -> Any:
    if not (REPO / "computations" / f"{name}.py").exists():
        pytest.skip(f"the course has no computations/{name}.py")
    with engine_at(REPO):
        return computation.load(name).module


def built_trace(project: Project, name: str) -> Any:
    with engine_at(project.root):
        return traces.load(name).data


def compute(name: str, **params: Any) -> Any:
    """Run the course's computation in this process with course.yaml's parameters, some changed."""
    with engine_at(REPO):
        comp = computation.load(name)
        merged = comp.parameters.model_validate({**course_params(name).model_dump(), **params})
        return comp.run(merged)


# ------------------------------------------------------------------ autograd_graph: d = a·b + a


def check_autograd(data: Any, a: float, b: float) -> None:
    values = {f.name: f for f in data.forward}
    assert values["d"].value == pytest.approx(a * b + a)
    assert values["a"].grad == pytest.approx(b + 1)
    assert values["b"].grad == pytest.approx(a)
    leaf_a = next(leaf for leaf in data.leaves if leaf.leaf == "a")
    assert sorted((p.via, p.grad) for p in leaf_a.paths) == [("AddBackward0", 1.0), ("MulBackward0", pytest.approx(b))]
    assert sum(p.grad for p in leaf_a.paths) == pytest.approx(leaf_a.total) == pytest.approx(b + 1)


def test_autograd_gradients_are_the_analytic_ones(course_built: Project) -> None:
    module("autograd_graph")
    params = course_params("autograd_graph")
    check_autograd(built_trace(course_built, "autograd_graph"), params.a, params.b)
    a, b = params.a - 3.5, params.b / 4 + 0.5  # and for other values than the course's
    check_autograd(compute("autograd_graph", a=a, b=b), a, b)


def test_the_autograd_graph_is_pytorchs_own(course_built: Project) -> None:
    module("autograd_graph")
    data = built_trace(course_built, "autograd_graph")
    kinds = {n.id: n.kind for n in data.nodes}
    assert sorted(kinds.values()) == ["AccumulateGrad", "AccumulateGrad", "AddBackward0", "MulBackward0"]
    edges = {(kinds[e.source], kinds[e.target]) for e in data.edges}
    assert edges == {
        ("AddBackward0", "MulBackward0"),
        ("AddBackward0", "AccumulateGrad"),
        ("MulBackward0", "AccumulateGrad"),
    }
    acc_a = next(n.id for n in data.nodes if n.tensor == "a")
    assert sum(e.target == acc_a for e in data.edges) == 2  # `a` is reached along two paths
    assert data.backward_order[0] == next(n.id for n in data.nodes if n.kind == "AddBackward0")


# ------------------------------------------------------------------ sgd_x2: SGD on x²


def seed_loop(x0: float, lr: float, steps: int) -> tuple[list[float], list[float]]:
    """The course notebook's own loop (seed 004), in Python floats."""
    current_x = x0
    history_x, history_y = [current_x], [current_x**2]
    for _ in range(steps):
        gradient = 2 * current_x
        current_x = current_x - lr * gradient
        history_x.append(current_x)
        history_y.append(current_x**2)
    return history_x, history_y


def test_sgd_equals_the_seed_loop_for_the_learning_rates_in_course_yaml(course_built: Project) -> None:
    sgd = module("sgd_x2")
    params = course_params("sgd_x2")
    data = built_trace(course_built, "sgd_x2")
    assert [r.lr for r in data.runs] == list(params.learning_rates)
    for run in data.runs:
        assert (run.history_x, run.history_y) == seed_loop(params.x0, run.lr, params.steps)
        assert run.grads == [2 * x for x in run.history_x[:-1]]
        for x_t, x_next in zip(run.history_x, run.history_x[1:], strict=False):
            assert x_next == pytest.approx(x_t * (1 - 2 * run.lr), rel=1e-12, abs=1e-300)
        assert run.regime == sgd.regime(run.history_x)


@pytest.mark.parametrize(
    ("history", "expected"),
    [([9, 8.5, 8.2], "demasiado lento"), ([9, 3, 0.5], "adecuado"), ([9, -5, 2], "oscila"), ([9, -12, 15], "diverge")],
)
def test_the_regime_is_read_from_the_numbers(history: list[float], expected: str) -> None:
    assert module("sgd_x2").regime(history) == expected


def test_steps_and_rates_are_the_parameters() -> None:
    module("sgd_x2")
    data = compute("sgd_x2", steps=3, learning_rates=[0.3])
    assert [len(data.runs[0].history_x), len(data.runs[0].grads)] == [4, 3]


# ------------------------------------------------------------------ two_layer_net: the Sesión 3 lab


def test_manual_cross_entropy_equals_torchs() -> None:
    import torch
    import torch.nn.functional as F  # noqa: N812 (the notebook's name)

    net = module("two_layer_net")
    torch.manual_seed(1)
    logits, y = torch.randn(32, 2) * 3, torch.randint(0, 2, (32,))
    assert net.cross_entropy_manual(logits, y).item() == pytest.approx(F.cross_entropy(logits, y).item())


def test_the_net_trace_has_the_shape_course_yaml_asks_for(course_built: Project) -> None:
    net = module("two_layer_net")
    params = course_params("two_layer_net")
    data = built_trace(course_built, "two_layer_net")
    assert len(data.X) == len(data.y) == params.n and sorted(set(data.y)) == [0, 1]
    assert len(data.loss_history) == params.epochs and len(data.snapshots) == params.epochs + 1
    assert all(len(steps) == math.ceil(params.n / params.batch_size) for steps in data.step_losses)
    assert [p.epoch for p in data.printed] == [e for e in net.PRINTED_EPOCHS if e <= params.epochs]
    assert len(data.params_initial.W1[0]) == params.hidden
    assert (data.grid.nx, data.grid.ny) == tuple(params.grid_size)
    assert len(data.snapshots[-1].prob_class1) == data.grid.ny
    assert len(data.snapshots[-1].prob_class1[0]) == data.grid.nx
    assert data.final_loss == data.loss_history[-1] and data.final_accuracy == data.snapshots[-1].accuracy


# What the lab notebook writes as literals, and the parameter of traces.two_layer_net each is.
NOTEBOOK_LITERALS = {
    "seed": r"torch\.manual_seed\((\d+)\)",
    "n": r"(?m)^N = (\d+)",
    "batch_size": r"batch_size=(\d+)",
    "hidden": r"(?m)^h = (\d+)",
    "init_scale": r"W1 = \(([\d.]+) \* torch\.randn",
    "lr": r"(?m)^lr = ([\d.]+)",
    "epochs": r"(?m)^epochs = (\d+)",
}


def notebook_values() -> dict[str, float]:
    source = "\n".join(c.source for c in nbformat.read(LAB, as_version=4).cells if c.cell_type == "code")
    found = {}
    for name, pattern in NOTEBOOK_LITERALS.items():
        match = re.search(pattern, source)
        if match:
            found[name] = float(match.group(1))
    return found


def run_lab(extra_code: str) -> str:
    """Run the lab notebook top to bottom plus one cell; return that cell's printed output."""
    nb = nbformat.read(LAB, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(extra_code))
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(LAB.parent)}}).execute()
    return "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")


def test_the_lab_notebook_runs_and_its_loss_history_is_the_traces(course_built: Project) -> None:
    module("two_layer_net")
    if not LAB.exists():
        pytest.skip(f"no {LAB.relative_to(REPO)}")
    params = course_params("two_layer_net")
    written = notebook_values()
    differ = {k: (v, getattr(params, k)) for k, v in written.items() if v != getattr(params, k)}
    missing = set(NOTEBOOK_LITERALS) - set(written)
    if differ or missing:
        pytest.skip(
            "the lab notebook hard-codes its run, and course.yaml's traces.two_layer_net differs from it "
            f"(notebook, course.yaml): {differ}"
            + (f"; not found in the notebook: {sorted(missing)}" if missing else "")
        )
    out = run_lab(
        "import json\nprint(json.dumps({'loss_history': loss_history, 'acc': accuracy(X, y),"
        " 'ce': [ce_torch.item(), ce_manual.item()], 'is_leaf': W1.is_leaf}))"
    )
    result = json.loads(out)
    data = built_trace(course_built, "two_layer_net")
    assert result["loss_history"] == data.loss_history
    assert result["acc"] == data.final_accuracy
    assert result["is_leaf"] is True
    assert result["ce"][0] == pytest.approx(result["ce"][1])
