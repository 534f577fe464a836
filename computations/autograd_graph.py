"""d = a·b + a through PyTorch's autograd: forward values, and the backward graph as
PyTorch builds it (walked from d.grad_fn along next_functions), with the gradient every
edge carries and the two paths by which `a` gets its gradient.
"""

from __future__ import annotations

from typing import Any

from lecturemedia.animations.computation import Params, Record


class Parameters(Params):
    a: float = 2.0
    b: float = 3.0


class ForwardValue(Record):
    """A tensor of the forward pass, in evaluation order."""

    name: str  # "a", "b", "a·b", "d"
    value: float
    grad_fn: str | None  # the backward node that produced it (None for a leaf)
    grad: float  # d(output)/d(this tensor), from .grad / retain_grad()


class BackwardNode(Record):
    id: int
    kind: str  # as PyTorch names the class: AddBackward0, MulBackward0, AccumulateGrad
    tensor: str  # the forward tensor it belongs to (for AccumulateGrad: its leaf)


class BackwardEdge(Record):
    """An edge of PyTorch's backward graph (node -> one of its next_functions)."""

    source: int
    target: int
    input_index: int  # which input of `source` this edge is
    grad: float  # the gradient it carries in the backward pass (from a node hook)


class LeafPath(Record):
    via: str  # the node kind the contribution comes from
    grad: float


class LeafGradient(Record):
    leaf: str
    paths: list[LeafPath]  # one per edge that reaches the leaf's AccumulateGrad
    total: float  # their sum, equal to the leaf's .grad


class Result(Record):
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


def compute(params: Parameters) -> Result:
    import torch

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
    return Result(
        expression="d = a·b + a",
        output="d",
        forward=forward,
        nodes=sorted(nodes.values(), key=lambda n: n.id),
        edges=edges,
        backward_order=order,
        leaves=leaves,
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


def walk(root: Any, named: dict[str, Any]) -> tuple[dict[Any, BackwardNode], list[BackwardEdge]]:
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
