"""The PyTorch traces: true to the analytic answers, the seed's code and the lab notebook."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
import torch
import torch.nn.functional as F  # noqa: N812 (the notebook's name)
from conftest import REPO
from lecturemedia.errors import UserError
from lecturemedia.project_copy import Project
from lecturemedia.traces import autograd_graph, sgd_x2, store, two_layer_net
from lecturemedia.traces.params import AutogradGraphParams, SgdX2Params, TwoLayerNetParams
from nbclient import NotebookClient

LAB = REPO / "labs" / "sesion3_red_desde_cero.ipynb"


@pytest.fixture(scope="module")
def net_trace() -> two_layer_net.TwoLayerNetTrace:
    return two_layer_net.compute(TwoLayerNetParams())


# ------------------------------------------------------------------ autograd graph


@pytest.mark.parametrize(("a", "b"), [(2.0, 3.0), (-1.5, 0.25)])
def test_autograd_gradients_are_the_analytic_ones(a: float, b: float) -> None:
    data = autograd_graph.compute(AutogradGraphParams(a=a, b=b)).data
    values = {f.name: f for f in data.forward}
    assert values["d"].value == a * b + a
    assert values["a"].grad == b + 1
    assert values["b"].grad == a
    leaf_a = next(leaf for leaf in data.leaves if leaf.leaf == "a")
    assert sorted((p.via, p.grad) for p in leaf_a.paths) == [("AddBackward0", 1.0), ("MulBackward0", b)]
    assert sum(p.grad for p in leaf_a.paths) == leaf_a.total == b + 1


def test_autograd_graph_is_pytorchs_own() -> None:
    data = autograd_graph.compute(AutogradGraphParams()).data
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


# ------------------------------------------------------------------ SGD on x²


def seed_loop(lr: float, steps: int) -> tuple[list[float], list[float]]:
    """The course notebook's own loop (seed 004), in Python floats."""
    current_x = 9.0
    history_x, history_y = [current_x], [current_x**2]
    for _ in range(steps):
        gradient = 2 * current_x
        current_x = current_x - lr * gradient
        history_x.append(current_x)
        history_y.append(current_x**2)
    return history_x, history_y


def test_sgd_equals_the_seed_loop_and_the_closed_form() -> None:
    data = sgd_x2.compute(SgdX2Params()).data
    assert [r.lr for r in data.runs] == [0.01, 0.1, 0.9, 1.1]
    for run in data.runs:
        assert (run.history_x, run.history_y) == seed_loop(run.lr, 10)
        assert run.grads == [2 * x for x in run.history_x[:-1]]
        for x_t, x_next in zip(run.history_x, run.history_x[1:], strict=False):
            assert x_next == pytest.approx(x_t * (1 - 2 * run.lr), rel=1e-12)
    assert [r.regime for r in data.runs] == ["demasiado lento", "adecuado", "oscila", "diverge"]


@pytest.mark.parametrize(
    ("history", "expected"),
    [([9, 8.5, 8.2], "demasiado lento"), ([9, 3, 0.5], "adecuado"), ([9, -5, 2], "oscila"), ([9, -12, 15], "diverge")],
)
def test_regime_is_read_from_the_numbers(history: list[float], expected: str) -> None:
    assert sgd_x2.regime(history) == expected


def test_steps_are_configurable() -> None:
    run = sgd_x2.compute(SgdX2Params(steps=3, learning_rates=[0.3])).data.runs[0]
    assert len(run.history_x) == 4 and len(run.grads) == 3


# ------------------------------------------------------------------ the 2-layer net


def test_manual_cross_entropy_equals_torchs(net_trace: two_layer_net.TwoLayerNetTrace) -> None:
    torch.manual_seed(1)
    logits, y = torch.randn(32, 2) * 3, torch.randint(0, 2, (32,))
    assert two_layer_net.cross_entropy_manual(logits, y).item() == pytest.approx(F.cross_entropy(logits, y).item())


def test_net_trace_holds_the_notebooks_run(net_trace: two_layer_net.TwoLayerNetTrace) -> None:
    data = net_trace.data
    assert len(data.X) == 400 and sorted(set(data.y)) == [0, 1]
    assert len(data.loss_history) == 30 and len(data.snapshots) == 31
    assert all(len(steps) == 13 for steps in data.step_losses)  # ceil(400 / 32) mini-batches
    assert [p.epoch for p in data.printed] == [1, 5, 10, 20, 30]
    assert data.loss_history[-1] < data.loss_history[0] and data.final_accuracy > 0.95
    assert (
        len(data.snapshots[-1].prob_class1) == data.grid.ny and len(data.snapshots[-1].prob_class1[0]) == data.grid.nx
    )


def run_lab(extra_code: str) -> str:
    """Run the lab notebook top to bottom plus one cell; return that cell's printed output."""
    nb = nbformat.read(LAB, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(extra_code))
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(LAB.parent)}}).execute()
    return "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")


def test_lab_notebook_runs_and_matches_the_trace(net_trace: two_layer_net.TwoLayerNetTrace) -> None:
    out = run_lab(
        "import json\nprint(json.dumps({'loss_history': loss_history, 'acc': accuracy(X, y),"
        " 'ce': [ce_torch.item(), ce_manual.item()], 'is_leaf': W1.is_leaf}))"
    )
    result = json.loads(out)
    assert result["loss_history"] == net_trace.data.loss_history
    assert result["acc"] == net_trace.data.final_accuracy
    assert result["is_leaf"] is True
    assert result["ce"][0] == pytest.approx(result["ce"][1])


# ------------------------------------------------------------------ the files


def test_reruns_are_byte_identical(net_trace: two_layer_net.TwoLayerNetTrace) -> None:
    assert store.dumps(two_layer_net.compute(TwoLayerNetParams())) == store.dumps(net_trace)
    assert store.dumps(sgd_x2.compute(SgdX2Params())) == store.dumps(sgd_x2.compute(SgdX2Params()))


@pytest.fixture
def sgd_file(tmp_path: Path) -> Path:
    return store.write(sgd_x2.compute(SgdX2Params()), tmp_path / "sgd_x2.json")


def test_a_valid_trace_loads(sgd_file: Path) -> None:
    trace = store.load("sgd_x2", sgd_file, expected_params=SgdX2Params().model_dump())
    assert trace.data.runs[1].lr == 0.1


def test_a_truncated_trace_is_rejected(sgd_file: Path) -> None:
    sgd_file.write_text(sgd_file.read_text()[:200])
    with pytest.raises(UserError, match=r"sgd_x2\.json is not valid JSON .*make traces"):
        store.load("sgd_x2", sgd_file)


def test_a_trace_missing_a_field_names_the_field(sgd_file: Path) -> None:
    raw = json.loads(sgd_file.read_text())
    del raw["data"]["runs"][0]["history_x"]
    sgd_file.write_text(json.dumps(raw))
    with pytest.raises(UserError, match=r"sgd_x2\.json: field data\.runs\.0\.history_x: Field required; .*make traces"):
        store.load("sgd_x2", sgd_file)


def test_a_trace_of_an_older_schema_is_rejected(sgd_file: Path) -> None:
    raw = json.loads(sgd_file.read_text())
    raw["schema_version"] = 0
    sgd_file.write_text(json.dumps(raw))
    with pytest.raises(UserError, match=r"field schema_version is 0, this code reads version 1; .*make traces"):
        store.load("sgd_x2", sgd_file)


def test_a_trace_made_with_other_parameters_is_out_of_date(sgd_file: Path) -> None:
    with pytest.raises(UserError, match=r"out of date: course\.yaml changed traces\.sgd_x2"):
        store.load("sgd_x2", sgd_file, expected_params=SgdX2Params(steps=20).model_dump())


def test_a_missing_trace_says_how_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"missing; run `make traces`"):
        store.load("sgd_x2", tmp_path / "sgd_x2.json")


def test_make_traces_regenerates_only_what_changed(fresh: Project) -> None:
    fresh.make("-j2", "traces")
    names = ["autograd_graph", "sgd_x2", "two_layer_net"]
    before = {n: fresh.path(f"build/traces/{n}.json").stat().st_mtime_ns for n in names}
    assert "lecturemedia" not in fresh.make("traces").stdout  # nothing ran
    fresh.edit(
        "course.yaml",
        lambda s: s.replace("learning_rates: [0.01, 0.1, 0.9, 1.1]", "learning_rates: [0.01, 0.1, 0.5, 0.9, 1.1]"),
    )
    fresh.make("traces")
    after = {n: fresh.path(f"build/traces/{n}.json").stat().st_mtime_ns for n in names}
    assert [n for n in names if after[n] != before[n]] == ["sgd_x2"]
    lrs = [0.01, 0.1, 0.5, 0.9, 1.1]
    trace = store.load(
        "sgd_x2", fresh.path("build/traces/sgd_x2.json"), expected_params=SgdX2Params(learning_rates=lrs).model_dump()
    )
    assert [r.lr for r in trace.data.runs] == lrs
