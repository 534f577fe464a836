"""La red de 2 capas aprende a separar dos nubes (traza two_layer_net).

Left: the data and the model's class-1 probability over the trace's grid, with the 0.5
boundary, epoch by epoch. Right: the mean loss per epoch drawn in step, the epoch
counter and the accuracy.
"""

from __future__ import annotations

from typing import Any

import contourpy
import numpy as np
from common import CLASS_COLORS, FLOOR, GRAD, TraceScene, label, nice_step, num, trace
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    WHITE,
    Axes,
    Create,
    Dot,
    FadeIn,
    ImageMobject,
    Line,
    ManimColor,
    Transform,
    VGroup,
    VMobject,
    Write,
    config,
)

BACKGROUND = np.array([0, 0, 0], dtype=float)
REGION_STRENGTH = 0.55  # how strongly a region takes its class colour
# Drawing order: the region, the axes and the points below everything else. Manim redraws
# on every frame what is animated and all that is drawn after it (Transform's filler points
# included, at z = 0), so this keeps the 400 points in the still layer, drawn once.
REGION_Z, PLANE_Z, POINTS_Z = -3, -2, -1


def region_image(prob: list[list[float]]) -> np.ndarray:
    """RGBA pixels: each grid cell mixes the two class colours by its probability."""
    p = np.array(prob)[::-1, :, None]  # top row first, as images are stored
    c0, c1 = (np.array(ManimColor(c).to_rgb()) * 255 for c in CLASS_COLORS)
    mixed = (1 - p) * c0 + p * c1
    rgb = REGION_STRENGTH * mixed + (1 - REGION_STRENGTH) * BACKGROUND
    alpha = np.full((*rgb.shape[:2], 1), 255.0)
    return np.concatenate([rgb, alpha], axis=2).astype(np.uint8)


def boundary(axes: Axes, grid: Any, prob: list[list[float]]) -> VGroup:
    """The p = 0.5 contour, in the axes' coordinates."""
    xs = np.linspace(grid.x_min, grid.x_max, grid.nx)
    ys = np.linspace(grid.y_min, grid.y_max, grid.ny)
    lines = contourpy.contour_generator(xs, ys, np.array(prob)).lines(0.5)
    group = VGroup()
    for line in lines:
        if len(line) > 1:
            curve = VMobject(stroke_color=WHITE, stroke_width=3)
            curve.set_points_as_corners([axes.c2p(x, y) for x, y in line])
            group.add(curve)
    return group


class TwoLayerNet(TraceScene):
    def construct(self) -> None:
        data = trace("two_layer_net").data
        grid = data.grid
        epochs = len(data.loss_history)

        hidden = len(data.params_initial.b1)
        title = label(f"Red de 2 capas (2 → {hidden} → 2, ReLU): frontera de decisión", 30).to_edge(UP, buff=0.25)
        plane = Axes(
            x_range=[grid.x_min, grid.x_max, 2],
            y_range=[grid.y_min, grid.y_max, 2],
            x_length=6.2,
            y_length=6.2 * (grid.y_max - grid.y_min) / (grid.x_max - grid.x_min),
            tips=False,
            axis_config={"stroke_opacity": 0.4},
        )
        # Between the title and the captions' band (the bottom of the picture), the legend under the plane.
        top, bottom = title.get_bottom()[1] - 0.2, FLOOR + 0.45
        if plane.height > top - bottom:
            plane.scale_to_fit_height(top - bottom)
        plane.to_edge(LEFT, buff=0.4).set_y((top + bottom) / 2).set_z_index(PLANE_Z)

        def image(epoch: int) -> ImageMobject:
            img = ImageMobject(region_image(data.snapshots[epoch].prob_class1))
            img.stretch_to_fit_width(plane.x_length * plane.width / plane.x_length)
            img.stretch_to_fit_height(plane.height)
            return img.move_to(plane).set_z_index(REGION_Z)

        points = VGroup(
            *[
                Dot(plane.c2p(x, y), radius=0.035, color=CLASS_COLORS[c], stroke_width=0.6, stroke_color=WHITE)
                for (x, y), c in zip(data.X, data.y, strict=True)
            ]
        ).set_z_index(POINTS_Z)
        legend = VGroup(label("clase 0", 20, CLASS_COLORS[0]), label("clase 1", 20, CLASS_COLORS[1]))
        legend.arrange(RIGHT, buff=0.4).next_to(plane, DOWN, buff=0.1)

        top_loss = max(data.loss_history) * 1.1
        curve_axes = Axes(
            x_range=[0, epochs, 5],
            y_range=[0, top_loss, nice_step(top_loss / 3)],
            x_length=5.2,
            y_length=2.0,
            tips=False,
            axis_config={"include_numbers": True, "font_size": 18},
        )
        curve_axes.to_edge(RIGHT, buff=0.5)
        x_name = label("época", 20).next_to(curve_axes.x_axis, DOWN, buff=0.35)
        final = label(
            f"época {epochs}: pérdida {num(data.final_loss, 4)}, exactitud {100 * data.final_accuracy:.1f} %", 20, GRAD
        ).next_to(x_name, DOWN, buff=0.2)
        final.set_x(min(final.get_x(), config.frame_width / 2 - 0.3 - final.width / 2))  # inside the picture
        VGroup(curve_axes, x_name, final).shift((FLOOR + 0.15 - final.get_bottom()[1]) * UP)  # above the captions
        y_name = label("pérdida media", 20).next_to(curve_axes, UP, buff=0.1).align_to(curve_axes, LEFT)

        def status(epoch: int) -> VGroup:
            snap = data.snapshots[epoch]
            loss = f"{data.loss_history[epoch - 1]:.4f}" if epoch else "—"
            lines = VGroup(
                label(f"época {epoch}/{epochs}", 28),
                label(f"pérdida {loss}", 24, GRAD),
                label(f"exactitud {100 * snap.accuracy:.1f} %", 24),
            )
            return (
                lines.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
                .next_to(y_name, UP, buff=0.3)
                .align_to(curve_axes, LEFT)
            )

        self.say(f"{len(data.X)} puntos de dos clases;")
        self.play(Write(title))
        self.play(Create(plane), FadeIn(points, lag_ratio=0.002), FadeIn(legend), run_time=1.2)
        self.wait_to_read()
        region = image(0)
        edge = boundary(plane, grid, data.snapshots[0].prob_class1)
        info = status(0)
        self.say("el color de fondo es la probabilidad de la clase 1 según la red")
        self.play(FadeIn(region), Create(edge), FadeIn(info), Create(curve_axes), FadeIn(x_name, y_name), run_time=1.0)
        self.wait_to_read()

        self.say("Época a época, SGD mueve la frontera de decisión y la pérdida media baja")
        for epoch in range(1, epochs + 1):
            # The region is swapped between animations, not animated: it stays, with the
            # points, in the still layer Manim draws once per animation instead of per frame.
            self.remove(region)
            region = image(epoch)
            self.add(region)
            new_edge = boundary(plane, grid, data.snapshots[epoch].prob_class1)
            point = curve_axes.c2p(epoch, data.loss_history[epoch - 1])
            self.remove(info)  # the numbers change at once; only the boundary morphs
            info = status(epoch)
            self.add(info)
            animations = [Transform(edge, new_edge)]
            if epoch > 1:
                previous = curve_axes.c2p(epoch - 1, data.loss_history[epoch - 2])
                animations.append(Create(Line(previous, point, color=GRAD, stroke_width=3)))
            animations.append(FadeIn(Dot(point, radius=0.04, color=GRAD)))
            self.play(*animations, run_time=0.35 if epoch > 3 else 0.7)
        self.wait_to_read()
        self.say(
            f"Tras {epochs} épocas: pérdida {num(data.final_loss, 4)}, exactitud {100 * data.final_accuracy:.1f} %"
        )
        self.play(FadeIn(final))
        self.wait(1.5)
        self.wait_to_read()
