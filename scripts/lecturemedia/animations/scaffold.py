'''`make new-animation NAME=<name>`: the two files of a new animation, and its course.yaml entry.

    computations/<name>.py   what PyTorch computes (parameters, what it records, the run)
    scenes/<name>.py         the Manim scene that draws the trace

Both are a small working example: gradient descent on f(w) = (w - target)², with the
gradient from autograd, drawn as a point going down the parabola beside its loss curve.
'''

from __future__ import annotations

import re
import sys

from .. import paths
from ..errors import UserError, friendly_main
from . import computation
from .manim_scene import scene_class_name

COMPUTATION = '''"""{title}: what PyTorch computes for the animation `{name}`.

Three things make a computation: its Parameters (values from course.yaml, traces.{name}),
its Result (what the trace records) and compute(). Import torch inside compute(): decks
and scenes import this file for the Result's fields, and should not wait for PyTorch.
"""

from __future__ import annotations

from lecturemedia.animations.computation import Field, Params, Record


class Parameters(Params):
    w0: float = 4.0  # where gradient descent starts
    target: float = 1.0  # the minimum of f(w) = (w - target)²
    lr: float = Field(0.2, gt=0, le=1)
    steps: int = Field(12, ge=1, le=200)


class Result(Record):
    function: str
    target: float
    history_w: list[float]  # w_0 … w_steps
    losses: list[float]  # f(w_t), one per w
    grads: list[float]  # f'(w_t) from autograd, one per step


def compute(params: Parameters) -> Result:
    import torch

    w = torch.tensor(params.w0, dtype=torch.float64, requires_grad=True)
    history_w, losses, grads = [], [], []
    for _ in range(params.steps):
        loss = (w - params.target) ** 2
        loss.backward()
        history_w.append(w.item())
        losses.append(loss.item())
        grads.append(w.grad.item())
        with torch.no_grad():
            w -= params.lr * w.grad
        w.grad.zero_()
    history_w.append(w.item())
    losses.append((w.item() - params.target) ** 2)
    return Result(
        function=f"f(w) = (w - {{params.target:g}})²",
        target=params.target,
        history_w=history_w,
        losses=losses,
        grads=grads,
    )
'''

SCENE = '''"""{title}: {what} (trace {name}).

A scene reads its trace with trace("{name}"); it never recomputes. Its title card is the
first sentence of this docstring. Preview it with `make videos` (or `make still NAME={name}`
for one frame); place it in a deck with << video("{name}") >>.
"""

from __future__ import annotations

from lecturemedia.animations.scene import TraceScene, trace
from lecturemedia.numbers import num  # numbers as the decks write them
from manim import BLUE_C, DOWN, LEFT, ORANGE, RIGHT, UP, Axes, Create, Dot, FadeIn, Text, Transform, VGroup


class {cls}(TraceScene):
    def construct(self) -> None:
        data = trace("{name}").data
        ws, losses = data.history_w, data.losses
        reach = max(abs(w) for w in ws) + 1
        top = max(losses) * 1.2 or 1
        axes = Axes(x_range=[-reach, reach, 1], y_range=[0, top, top / 4], x_length=6, y_length=3.6, tips=False)
        curve = axes.plot(lambda w: (w - data.target) ** 2, color=BLUE_C)
        VGroup(axes, curve).shift(LEFT * 0.5 + UP * 0.3)  # the bottom of the picture is for the captions
        title = Text(data.function, font_size=30).to_edge(UP)
        dot = Dot(axes.c2p(ws[0], losses[0]), color=ORANGE)
        step = Text(f"{step} 0, w = {{num(ws[0], 3)}}", font_size=24).next_to(axes, DOWN)
        self.say("{say_start}")
        self.play(FadeIn(title), Create(axes), Create(curve))
        self.play(FadeIn(dot), FadeIn(step))
        for t in range(1, len(ws)):
            new_step = Text(f"{step} {{t}}, w = {{num(ws[t], 3)}}", font_size=24).move_to(step)
            self.play(dot.animate.move_to(axes.c2p(ws[t], losses[t])), Transform(step, new_step), run_time=0.4)
        self.say(f"{say_end} {{num(losses[-1], 4)}}")
        final = Text(f"{final} {{num(losses[-1], 4)}}", font_size=26, color=ORANGE).next_to(step, RIGHT)
        self.play(FadeIn(final))
        self.wait_to_read()  # until the caption has been up long enough to be read
'''

# The example's words, in the course's language (course.yaml, course.lang); English otherwise.
WORDS = {
    "es": {
        "what": "el punto baja por la parábola, paso a paso",
        "step": "paso",
        "say_start": "Descenso de gradiente: cada paso baja por la parábola",
        "say_end": "Tras los pasos, w llega cerca del mínimo; pérdida final",
        "final": "pérdida final",
    },
    "en": {
        "what": "the point goes down the parabola, step by step",
        "step": "step",
        "say_start": "Gradient descent: each step goes down the parabola",
        "say_end": "After the steps, w is near the minimum; final loss",
        "final": "final loss",
    },
}


def course_language() -> str:
    """The course's language (course.lang in course.yaml, read by its one loader), if WORDS has it."""
    from .. import config

    lang = (config.load().course.lang or "en").split("-")[0].split("_")[0]
    return lang if lang in WORDS else "en"


ENTRY = """  {name}:{pad}# {title}
    w0: 4.0
    target: 1.0
    lr: 0.2
    steps: 12
"""


def check_free(name: str) -> None:
    problem = computation.name_problem(name)
    if problem:
        raise UserError(problem)
    if name == "common":
        raise UserError("'common' is the scenes' shared helpers file; choose another name")
    taken = [paths.rel(p) for p in (computation.source(name), paths.SCENES / f"{name}.py") if p.exists()]
    if taken:
        raise UserError(f"{' and '.join(taken)} already exist: the name {name!r} is taken; choose another")


def add_entry(name: str, title: str) -> None:
    """Add traces.<name> to course.yaml, at the end of the traces section, keeping its comments."""
    text = paths.CONFIG_FILE.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    entry = ENTRY.format(name=name, title=title, pad=" " * max(1, 24 - len(name)))
    start = next((i for i, line in enumerate(lines) if re.match(r"^traces:\s*(#.*)?$", line)), None)
    if start is None:
        text = text.rstrip("\n") + "\n\ntraces:\n" + entry
    else:
        end = start + 1
        while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t#"):
            end += 1
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        text = "".join([*lines[:end], entry, *lines[end:]])
    paths.write_atomic(paths.CONFIG_FILE, text)


@friendly_main
def main() -> None:
    name = (sys.argv[1:] or [""])[0].strip()
    if not name:
        raise UserError("name the animation: make new-animation NAME=<name> (e.g. NAME=sgd_momentum)")
    check_free(name)
    title = name.replace("_", " ").capitalize()
    computation.source(name).parent.mkdir(exist_ok=True)
    paths.write_atomic(computation.source(name), COMPUTATION.format(name=name, title=title))
    paths.write_atomic(
        paths.SCENES / f"{name}.py",
        SCENE.format(name=name, title=title, cls=scene_class_name(name), **WORDS[course_language()]),
    )
    add_entry(name, title)
    print(f"wrote computations/{name}.py, scenes/{name}.py and traces.{name} in course.yaml")
    print(f"next: `make videos` renders build/videos/{name}.mp4; place it in a deck with << video(\"{name}\") >>")


if __name__ == "__main__":
    main()
