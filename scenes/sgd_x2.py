"""SGD en f(x) = x²: un punto por tasa de aprendizaje, paso a paso (traza sgd_x2).

The runs play side by side, in step. Each panel's axes fit its own run, so a divergent
run stays on screen (its scale is written on its axes) and is marked "diverge".
"""

from __future__ import annotations

import math

from common import BAD, FLOOR, GRAD, VALUE, TraceScene, label, nice_step, num, trace
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Axes,
    Create,
    Dot,
    FadeIn,
    Line,
    MathTex,
    Transform,
    VGroup,
    Write,
)

REGIME_COLORS = {"demasiado lento": VALUE, "adecuado": "#5cb85c", "oscila": GRAD, "diverge": BAD}


class Panel(VGroup):
    """One learning rate: its parabola, its point, its trail."""

    def __init__(self, run: object, width: float, height: float) -> None:
        super().__init__()
        self.run = run
        reach = max(abs(x) for x in run.history_x) * 1.15
        top = reach * reach
        self.axes = Axes(
            x_range=[-reach, reach, nice_step(reach / 2)],
            y_range=[0, top, nice_step(top / 2)],
            x_length=width,
            y_length=height,
            tips=False,
            axis_config={"include_numbers": True, "font_size": 18, "stroke_width": 2},
            y_axis_config={"include_numbers": False},
        )
        self.curve = self.axes.plot(lambda x: x * x, x_range=[-reach, reach], color="#8fa8c8")
        self.eta = MathTex(rf"\eta = {num(run.lr, 3)}", font_size=30)
        self.eta.next_to(self.axes, UP, buff=0.1).align_to(self.axes, LEFT)
        self.x_label = self.x_text(0).next_to(self.eta, RIGHT, buff=0.5)
        self.dot = Dot(self.point(0), color=VALUE, radius=0.07)
        self.reach = reach
        self.add(self.axes, self.curve, self.eta, self.x_label, self.dot)

    def x_text(self, t: int) -> object:
        return label(f"x = {num(self.run.history_x[t])}", 22, VALUE)

    def point(self, t: int) -> object:
        x = self.run.history_x[t]
        return self.axes.c2p(x, x * x)

    def tangent(self, t: int) -> Line:
        x, slope, half = self.run.history_x[t], self.run.grads[t], 0.3 * self.reach
        return Line(
            self.axes.c2p(x - half, x * x - slope * half),
            self.axes.c2p(x + half, x * x + slope * half),
            color=GRAD,
            stroke_width=3,
        )


class SgdX2(TraceScene):
    def construct(self) -> None:
        data = trace("sgd_x2").data
        steps = data.steps
        title = label(f"SGD en f(x) = x², desde x = {num(data.x0)}:  x ← x − η·f′(x)", 30).to_edge(UP, buff=0.25)
        counter = label(f"paso 0/{steps}", 26).next_to(title, DOWN, buff=0.15)
        cols = 2 if len(data.runs) > 1 else 1
        rows = math.ceil(len(data.runs) / cols)
        width, height = (5.4, 1.55) if rows > 1 else (9.0, 3.6)
        panels = [Panel(run, width, height) for run in data.runs]
        grid = VGroup(*panels).arrange_in_grid(rows=rows, cols=cols, buff=(0.9, 0.3))
        room = counter.get_bottom()[1] - 0.25 - FLOOR  # the bottom of the picture is the captions'
        if grid.height > room:
            grid.scale_to_fit_height(room)
        grid.next_to(counter, DOWN, buff=0.25)
        rates = ", ".join(f"η = {num(run.lr, 3)}" for run in data.runs)
        self.say(f"SGD en f(x) = x² desde x = {num(data.x0)}, un panel por tasa de aprendizaje:")
        self.play(Write(title), FadeIn(counter))
        self.play(*[Create(p.axes) for p in panels], run_time=1.0)
        self.wait_to_read()
        self.say(rates)
        self.play(*[Create(p.curve) for p in panels], *[FadeIn(p.eta, p.x_label, p.dot) for p in panels], run_time=1.0)
        self.wait_to_read()

        self.say(f"En cada paso la tangente da f′(x) y x se mueve η·f′(x): {steps} pasos")
        for t in range(steps):
            tangents = [p.tangent(t) for p in panels]
            self.play(
                *[Create(tg) for tg in tangents],
                Transform(counter, label(f"paso {t + 1}/{steps}", 26).move_to(counter)),
                run_time=0.35,
            )
            moves = []
            for p in panels:
                trail = Line(p.point(t), p.point(t + 1), color=VALUE, stroke_width=1.5, stroke_opacity=0.6)
                ghost = Dot(p.point(t), color=VALUE, radius=0.035, fill_opacity=0.5)
                self.add(trail, ghost)
                new_x = p.x_text(t + 1).move_to(p.x_label, aligned_edge=LEFT)
                moves += [p.dot.animate.move_to(p.point(t + 1)), Transform(p.x_label, new_x)]
            self.play(*moves, run_time=0.45)
            self.remove(*tangents)

        verdicts = []
        for p in panels:
            color = REGIME_COLORS[p.run.regime]
            verdict = label(p.run.regime, 28, color).move_to(p.axes.c2p(0, p.axes.y_range[1] * 0.6))
            verdicts.append(verdict)
        regimes = [f"η = {num(p.run.lr, 3)}: {p.run.regime}" for p in panels]
        half = (len(regimes) + 1) // 2  # two lines of captions at most, as players draw them
        self.say("; ".join(regimes[:half]) + (";" if regimes[half:] else ""))
        self.play(*[FadeIn(v, shift=0.2 * DOWN) for v in verdicts[:half]], run_time=0.8)
        self.wait_to_read()
        if regimes[half:]:
            self.say("; ".join(regimes[half:]))
            self.play(*[FadeIn(v, shift=0.2 * DOWN) for v in verdicts[half:]], run_time=0.8)
            self.wait_to_read()
        self.wait(0.5)
