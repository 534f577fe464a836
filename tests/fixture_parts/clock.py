"""Reloj: una aguja que gira con el tiempo (the split renders' fixture: a picture that depends on time).

The hand turns by an updater's dt, the numbers count the time through a ValueTracker and read
the scene's clock, the run times are not whole frames; the first plays have no updater (a part
after them plays them in one step) and the last wait, without updaters, is a frozen frame.
"""

from __future__ import annotations

from lecturemedia.animations.scene import TraceScene
from manim import DOWN, ORANGE, ORIGIN, UP, Circle, Create, Line, Text, ValueTracker, always_redraw


class Clock(TraceScene):
    title = "Reloj"

    def construct(self) -> None:
        hand = Line(ORIGIN, UP * 2, color=ORANGE)
        self.play(Create(hand), run_time=0.7)
        hand.add_updater(lambda m, dt: m.rotate(-1.3 * dt, about_point=ORIGIN))
        elapsed = ValueTracker(0)

        def tick(dt: float) -> None:
            elapsed.increment_value(dt)

        self.add_updater(tick)
        label = always_redraw(lambda: Text(f"{elapsed.get_value():.3f} {self.time:.3f}", font_size=30).to_edge(DOWN))
        self.add(label)
        self.say("La aguja gira con el tiempo")
        for i in range(5):
            self.play(Create(Circle(radius=0.4 + 0.3 * i)), run_time=0.7 + 0.3 * i)
            self.wait(0.9)
        self.say("Se para")
        hand.clear_updaters()
        label.clear_updaters()
        self.remove_updater(tick)
        self.wait(1.3)
