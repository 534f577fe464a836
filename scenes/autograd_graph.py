"""El grafo de d = a·b + a: valores hacia adelante, gradientes hacia atrás (traza autograd_graph).

The layout is deck 001's TikZ picture: a, b -> ×; × and a -> +; + -> d. The tensor `a`
is drawn twice, once per operation that reads it, as in the deck; PyTorch has a single
AccumulateGrad for it, reached by two edges, and the scene ends by adding the two.
"""

from __future__ import annotations

from common import FLOOR, GRAD, NODE, VALUE, TraceScene, label, num, trace
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Dot,
    FadeIn,
    FadeOut,
    GrowArrow,
    Indicate,
    MathTex,
    MoveAlongPath,
    RoundedRectangle,
    TransformFromCopy,
    VGroup,
    Write,
)

# Where each box stands (deck 001's TikZ picture), in scene units. A leaf is drawn once
# per operation that reads it: "a@MulBackward0" is the `a` that feeds the product.
POSITIONS = {
    "a@MulBackward0": (-5.0, 1.3),
    "b@MulBackward0": (-5.0, -1.0),
    "MulBackward0": (-1.8, 1.3),
    "a@AddBackward0": (-1.8, -1.0),
    "AddBackward0": (1.4, 1.3),
    "d": (4.6, 1.3),
}
SYMBOLS = {
    "a@MulBackward0": "a",
    "a@AddBackward0": "a",
    "b@MulBackward0": "b",
    "MulBackward0": r"\times",
    "AddBackward0": "+",
    "d": "d",
}
WIRES = [
    ("a@MulBackward0", "MulBackward0"),
    ("b@MulBackward0", "MulBackward0"),
    ("MulBackward0", "AddBackward0"),
    ("a@AddBackward0", "AddBackward0"),
    ("AddBackward0", "d"),
]
# Which boxes show each forward tensor's value.
VALUE_BOXES = {
    "a": ("a@MulBackward0", "a@AddBackward0"),
    "b": ("b@MulBackward0",),
    "a·b": ("MulBackward0",),
    "d": ("d",),
}
LOW = ("b@MulBackward0", "a@AddBackward0")  # boxes of the lower row: labels go beside them


def box(key: str) -> VGroup:
    sym = MathTex(SYMBOLS[key], font_size=44)
    frame = RoundedRectangle(corner_radius=0.15, width=0.9, height=0.75, color=NODE).move_to(sym)
    x, y = POSITIONS[key]
    return VGroup(frame, sym).move_to([x, y, 0])


class AutogradGraph(TraceScene):
    def construct(self) -> None:
        data = trace("autograd_graph").data
        nodes = {n.id: n for n in data.nodes}
        forward = {f.name: f for f in data.forward}

        # The formula top left, the phase top right: the bottom of the picture is the captions'.
        title = MathTex(r"d = a \cdot b + a", font_size=48).to_corner(UP + LEFT)
        boxes = {key: box(key) for key in POSITIONS}
        arrows = [Arrow(boxes[a], boxes[b], buff=0.08, stroke_width=3, color=NODE) for a, b in WIRES]
        self.say(f"El grafo de {data.expression}: cada caja es un tensor o una operación")
        self.play(Write(title))
        self.play(*[FadeIn(b) for b in boxes.values()], run_time=0.8)
        self.play(*[GrowArrow(a) for a in arrows], run_time=0.8)
        self.wait_to_read()

        # ---- forward: each tensor's value, in evaluation order
        values = ", ".join(f"{v.name} = {num(v.value)}" for v in data.forward)
        self.say(f"Forward: PyTorch calcula cada valor en orden: {values}")
        phase = label("Forward: calcular valores", 26, VALUE).to_corner(UP + RIGHT)
        self.play(FadeIn(phase))
        for value in data.forward:
            tags = []
            for key in VALUE_BOXES[value.name]:
                tag = MathTex(num(value.value), font_size=34, color=VALUE)
                tags.append(tag.next_to(boxes[key], LEFT if key in LOW else UP, buff=0.15))
            self.play(*[FadeIn(t, shift=0.2 * UP) for t in tags], run_time=0.6)
        self.wait(0.5)
        self.wait_to_read()

        # ---- backward: the nodes in the order the engine ran them; each edge's gradient
        self.say(f"Backward: la regla de la cadena lleva el gradiente desde {data.output}, nodo por nodo")
        phase2 = label("Backward: propagar gradientes (regla de la cadena)", 26, GRAD).to_corner(UP + RIGHT)
        self.play(FadeOut(phase), FadeIn(phase2))
        seed = MathTex(r"\partial d / \partial d = " + num(forward["d"].grad), font_size=30, color=GRAD)
        self.play(FadeIn(seed.next_to(boxes["d"], DOWN, buff=0.2)))
        received: dict[str, MathTex] = {}
        for node_id in data.backward_order:
            node = nodes[node_id]
            if node.kind == "AccumulateGrad":
                continue
            self.wait_to_read()
            self.say(f"{node.kind} pasa a cada entrada su gradiente local por el que recibe")
            name = label(node.kind, 20, GRAD).next_to(boxes[node.kind], UP, buff=0.6)
            self.play(FadeIn(name), Indicate(boxes[node.kind], color=GRAD), run_time=0.7)
            for edge in (e for e in data.edges if e.source == node_id):
                target = nodes[edge.target]
                key = f"{target.tensor}@{node.kind}" if target.kind == "AccumulateGrad" else target.kind
                path = Arrow(boxes[node.kind].get_center(), boxes[key].get_center(), buff=0.45)
                dot = Dot(color=GRAD).move_to(path.get_start())
                grad = MathTex(num(edge.grad), font_size=34, color=GRAD).next_to(boxes[key], DOWN, buff=0.15)
                self.play(MoveAlongPath(dot, path), run_time=0.7)
                self.play(FadeIn(grad), FadeOut(dot), run_time=0.4)
                received[key] = grad
                if target.kind == "AccumulateGrad":
                    tag = label(f"AccumulateGrad ({target.tensor})", 16, GRAD).next_to(grad, DOWN, buff=0.08)
                    self.play(FadeIn(tag), run_time=0.3)

        # ---- `a` receives gradient along two paths: they add up to a.grad
        leaf_a = next(leaf for leaf in data.leaves if leaf.leaf == "a")
        leaf_b = next(leaf for leaf in data.leaves if leaf.leaf == "b")
        terms: list[str] = []
        for i, p in enumerate(leaf_a.paths):
            terms += ([" + "] if i else []) + [num(p.grad)]
        total_a = MathTex(r"\texttt{a.grad} = ", *terms, " = ", num(leaf_a.total), font_size=40, color=GRAD)
        total_b = MathTex(r"\texttt{b.grad} = " + num(leaf_b.total), font_size=40, color=GRAD)
        # in the lower right, where the graph leaves room, above the captions' band
        totals = VGroup(total_a, total_b).arrange(DOWN, aligned_edge=LEFT, buff=0.35).move_to([4.0, -1.2, 0])
        totals.shift(max(0.0, FLOOR + 0.15 - totals.get_bottom()[1]) * UP)
        paths = " y ".join(f"{num(p.grad)} por {p.via}" for p in leaf_a.paths)
        why = label(f"a llega por dos caminos: {paths}", 20, GRAD).to_corner(UP + RIGHT)
        grads = f"a.grad = {num(leaf_a.total)}, b.grad = {num(leaf_b.total)}"
        self.wait_to_read()
        self.say(f"a recibe gradiente por dos caminos ({paths}):")
        self.play(FadeOut(phase2), FadeIn(why))
        moves = [TransformFromCopy(received[f"a@{p.via}"], total_a[1 + 2 * i]) for i, p in enumerate(leaf_a.paths)]
        self.play(*moves, FadeIn(total_a[0]), run_time=1.2)
        self.play(
            *[
                FadeIn(part)
                for part in total_a[2:]
                if all(part is not total_a[1 + 2 * i] for i in range(len(leaf_a.paths)))
            ],
            run_time=0.6,
        )
        self.wait_to_read()
        self.say(grads)
        self.play(Write(total_b), run_time=0.6)
        self.wait(1.0)
        self.wait_to_read()
