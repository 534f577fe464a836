"""Descent: the point goes down the parabola, step by step (trace descent).

A scene reads its trace with trace("descent"); it never recomputes. Preview it with
`make videos` (or `make still NAME=descent` for one frame); place it in a deck with
<< video("descent") >>.
"""

from __future__ import annotations

from lecturemedia.animations.scene import TraceScene, trace
from lecturemedia.numbers import num  # numbers as the decks write them
from manim import BLUE_C, DOWN, LEFT, ORANGE, RIGHT, UP, Axes, Create, Dot, FadeIn, Text, Transform, VGroup


class Descent(TraceScene):
    def construct(self) -> None:
        data = trace("descent").data
        ws, losses = data.history_w, data.losses
        reach = max(abs(w) for w in ws) + 1
        top = max(losses) * 1.2 or 1
        axes = Axes(x_range=[-reach, reach, 1], y_range=[0, top, top / 4], x_length=6, y_length=3.6, tips=False)
        curve = axes.plot(lambda w: (w - data.target) ** 2, color=BLUE_C)
        VGroup(axes, curve).shift(LEFT * 0.5 + UP * 0.3)  # the bottom of the picture is for the captions
        title = Text(data.function, font_size=30).to_edge(UP)
        dot = Dot(axes.c2p(ws[0], losses[0]), color=ORANGE)
        step = Text(f"paso 0, w = {num(ws[0], 3)}", font_size=24).next_to(axes, DOWN)
        self.say("Descenso de gradiente: cada paso baja por la parábola")
        self.play(FadeIn(title), Create(axes), Create(curve))
        self.play(FadeIn(dot), FadeIn(step))
        for t in range(1, len(ws)):
            new_step = Text(f"paso {t}, w = {num(ws[t], 3)}", font_size=24).move_to(step)
            self.play(dot.animate.move_to(axes.c2p(ws[t], losses[t])), Transform(step, new_step), run_time=0.4)
        final = Text(f"pérdida final {num(losses[-1], 4)}", font_size=26, color=ORANGE).next_to(step, RIGHT)
        self.play(FadeIn(final))
        self.wait(1)

