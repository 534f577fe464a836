"""A scene file as Manim runs it, wherever it runs (a whole render, a part, a still): its
settings, its class, and a failure told as the scene's line.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import traceback
from pathlib import Path
from typing import Any

from .. import paths
from ..errors import UserError

QUALITIES: dict[str, dict[str, Any]] = {
    "preview": {"pixel_width": 854, "pixel_height": 480, "frame_rate": 15},  # Manim's -ql
    "final": {"pixel_width": 1920, "pixel_height": 1080, "frame_rate": 60},  # Manim's -qh
    "test": {"pixel_width": 256, "pixel_height": 144, "frame_rate": 5},  # the test suite's
}

# x264's fastest preset, at Manim's own CRF (23; Manim's preset is x264's default, "medium").
# At 1080p60 encoding is as much work as drawing, and this preset does less than half of it. On these
# scenes (flat colours, text, thin lines) the frames come out nearer the lossless ones
# (a 35 s scene of the course at 1080p60: PSNR 58.9 dB against 51.0, SSIM 0.99985 against 0.99953), in a
# file three times bigger: 1.0 Mbit/s against 0.36. `make bench BENCH=videos` times plain Manim
# with both settings.
ENCODER_OPTIONS = {"preset": "ultrafast", "crf": "23"}
# Manim waits at the end of each play until its movie is encoded (one encoder in flight): with
# two, the next play is drawn while the last is encoded. The same packets; at 1080p about
# 300 MB more memory (a play's queued frames), a tenth less time.
ENCODERS_IN_FLIGHT = 2


# LaTeX reads U+2212, the minus sign numbers.num writes, as the math minus, in MathTex and Tex alike.
TEX_MINUS = r"\DeclareUnicodeCharacter{2212}{\ensuremath{-}}"


def manim_settings(source: Path, quality: str, media_dir: Path, output_file: str) -> dict[str, Any]:
    """Manim's configuration for a scene file, as renders and stills both run it: quiet, uncached,
    with a TeX template that takes the numbers of numbers.num."""
    import manim

    tex_template = manim.config.tex_template.copy()
    tex_template.add_to_preamble(TEX_MINUS)
    return {
        **QUALITIES[quality],
        "tex_template": tex_template,
        "video_encoder_options": ENCODER_OPTIONS,
        "max_inflight_encoders": ENCODERS_IN_FLIGHT,
        "media_dir": str(media_dir),
        "output_file": output_file,
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "WARNING",
        "input_file": str(source),
    }


def scene_class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def load_scene(source: Path, class_name: str) -> Any:
    # No __pycache__ beside the instructor's files: a new entry in scenes/ (or computations/) is
    # also what has every deck's dependencies listed again.
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(source.parent))
    spec = importlib.util.spec_from_file_location(f"scene_{source.stem}", source)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import would: the scene's module can be found by name
    spec.loader.exec_module(module)
    if not hasattr(module, class_name):
        raise UserError(f"{paths.rel(source)}: no scene class {class_name} (the file's name in CamelCase)")
    return getattr(module, class_name)


def scene_location(name: str, exc: BaseException) -> tuple[str, str]:
    """`scenes/x.py:LINE` of the exception (the scene's own line, else a shared helper's), and
    that line of code indented for a message ("" when there is none)."""
    in_scenes = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if Path(f.filename).resolve().parent == paths.SCENES.resolve()
    ]
    frames = [f for f in in_scenes if Path(f.filename).stem == name] or in_scenes
    where = f"{paths.rel(Path(frames[-1].filename))}:{frames[-1].lineno}" if frames else f"scenes/{name}.py"
    code = f"\n    {frames[-1].line}" if frames and frames[-1].line else ""
    return where, code


def explain(name: str, exc: BaseException, messages: list[str], log_path: Path) -> str:
    """One screen at most: where in the scene, what went wrong, and the log's path."""
    where, code = scene_location(name, exc)
    tex_error = next((m for m in messages if m.startswith("LaTeX compilation error")), None)
    if tex_error:
        context = next((m for m in messages if m.startswith("Context of error")), "")
        formula = next((line[3:].strip() for line in context.splitlines() if line.startswith("-> ")), "")
        formula = re.sub(r"\\special\{dvisvgm:raw [^}]*\}", "", formula)  # Manim's own markers
        lines = [
            f"{where}: LaTeX could not typeset a formula of scene {name}{code}",
            f"  formula: {formula}" if formula else "",
            f"  {tex_error.strip()}",
        ]
    elif isinstance(exc, UserError):
        lines = [f"{where}: {exc}"]
    else:
        lines = [f"{where}: {type(exc).__name__}: {exc}{code}"]
    lines.append(f"  full log: {paths.rel(log_path)}")
    return "\n".join(line for line in lines if line)
