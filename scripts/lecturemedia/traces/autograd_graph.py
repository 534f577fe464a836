"""d = a·b + a through PyTorch's autograd: forward values, and the backward graph as
PyTorch builds it (walked from d.grad_fn), with the gradient every edge carries.
"""

from __future__ import annotations

from typing import Any

import torch

from .params import AutogradGraphParams
from .schema import (
    AutogradGraphData,
    AutogradGraphTrace,
    BackwardEdge,
    BackwardNode,
    ForwardValue,
    LeafGradient,
    LeafPath,
    Provenance,
)


def compute(params: AutogradGraphParams) -> AutogradGraphTrace:
    a = torch.tensor(params.a, requires_grad=True)
    b = torch.tensor(params.b, requires_grad=True)
    ab = a * b
    d = ab + a
    ab.retain_grad()
    d.retain_grad()
    named = {"a": a, "b": b, "a·b": ab, "d": d}  # in evaluation order

    nodes, edges = walk(d.grad_fn, named)
    ids = {key: n.id for key, n in nodes.items()}
    order: list[int] = []
    edge_grads: dict[tuple[int, int], float] = {}
    for key, node in _node_objects(d.grad_fn).items():

        def hook(grad_inputs: Any, _grad_outputs: Any, key: Any = key) -> None:
            order.append(ids[key])
            for i, g in enumerate(grad_inputs):
                if g is not None:
                    edge_grads[(ids[key], i)] = float(g.item())

        node.register_hook(hook)
    d.backward()

    edges = [e.model_copy(update={"grad": edge_grads[(e.source, e.input_index)]}) for e in edges]
    by_id = {n.id: n for n in nodes.values()}
    leaves = []
    for leaf_name in ("a", "b"):
        acc = next(n for n in nodes.values() if n.kind == "AccumulateGrad" and n.tensor == leaf_name)
        paths = [LeafPath(via=by_id[e.source].kind, grad=e.grad) for e in edges if e.target == acc.id]
        leaves.append(LeafGradient(leaf=leaf_name, paths=paths, total=float(named[leaf_name].grad.item())))

    forward = [
        ForwardValue(
            name=name,
            value=float(t.item()),
            grad_fn=type(t.grad_fn).__name__ if t.grad_fn is not None else None,
            grad=float(t.grad.item()),
        )
        for name, t in named.items()
    ]
    return AutogradGraphTrace(
        provenance=Provenance.of(__name__, params),
        data=AutogradGraphData(
            expression="d = a·b + a",
            output="d",
            forward=forward,
            nodes=sorted(nodes.values(), key=lambda n: n.id),
            edges=edges,
            backward_order=order,
            leaves=leaves,
        ),
    )


def _key(node: Any) -> Any:
    """One key per graph node: an AccumulateGrad is known by its leaf tensor."""
    return ("leaf", id(node.variable)) if hasattr(node, "variable") else ("fn", id(node))


def _node_objects(root: Any) -> dict[Any, Any]:
    found: dict[Any, Any] = {}
    todo = [root]
    while todo:
        node = todo.pop(0)
        if _key(node) in found:
            continue
        found[_key(node)] = node
        todo.extend(nxt for nxt, _ in node.next_functions if nxt is not None)
    return found


def walk(root: Any, named: dict[str, torch.Tensor]) -> tuple[dict[Any, BackwardNode], list[BackwardEdge]]:
    """Breadth-first from the output's grad_fn along next_functions; ids in discovery order."""
    names_by_fn = {id(t.grad_fn): n for n, t in named.items() if t.grad_fn is not None}
    names_by_leaf = {id(t): n for n, t in named.items() if t.grad_fn is None}
    objects = _node_objects(root)
    nodes: dict[Any, BackwardNode] = {}
    for i, (key, obj) in enumerate(objects.items()):
        kind = type(obj).__name__
        tensor = names_by_leaf[id(obj.variable)] if hasattr(obj, "variable") else names_by_fn[id(obj)]
        nodes[key] = BackwardNode(id=i, kind=kind, tensor=tensor)
    edges = [
        BackwardEdge(source=nodes[key].id, target=nodes[_key(nxt)].id, input_index=i, grad=0.0)
        for key, obj in objects.items()
        for i, (nxt, _) in enumerate(obj.next_functions)
        if nxt is not None
    ]
    return nodes, edges
