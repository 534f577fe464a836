"""What a course's computation file declares, and how the engine finds and loads one.

A computation is `computations/<name>.py` with three things in it:

    class Parameters(Params):   # typed, with defaults and bounds; values from course.yaml
    class Result(Record):       # what the trace records, typed
    def compute(params: Parameters) -> Result:   # the PyTorch run

Files whose name starts with `_` are helpers, not computations. The engine keeps no list
of computations: it finds them by their files.
"""

from __future__ import annotations

import hashlib
import importlib.util
import keyword
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic import Field as Field  # re-exported: computations declare bounds with it

from .. import paths
from ..errors import UserError

NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Params(BaseModel):
    """Base of a computation's `Parameters`: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Record(BaseModel):
    """Base of what a trace records: strict about its fields, and says which exist."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)  # type: ignore[misc]
        except AttributeError:
            if name.startswith("_"):
                raise
            fields = ", ".join(type(self).model_fields) or "(none)"
            raise AttributeError(f"{type(self).__name__} has no field {name!r}; its fields are: {fields}") from None


def names() -> list[str]:
    """Every computation of the course: computations/<name>.py, helpers (`_*.py`) aside."""
    return paths.computation_names()


def source(name: str) -> Path:
    return paths.COMPUTATIONS / f"{name}.py"


def name_problem(name: str) -> str | None:
    """Why `name` cannot name an animation (its computation, scene, trace and video files), or None.

    A name is a Python module's (the scene and the computation are imported by it) and the stem
    of the files and Make targets made from it, which the PDF and the HTML link to: lowercase
    ASCII letters, digits and _, starting with a letter, and not a Python keyword.
    """
    if NAME.match(name) and not keyword.iskeyword(name):
        return None
    fix = suggested_name(name)
    instead = f", e.g. {fix}" if fix and fix != name else ""
    if keyword.iskeyword(name):
        return (
            f"{name!r} is a Python keyword, which cannot name a module (`import {name}` is a syntax error): "
            f"add a word to it, e.g. {name}_demo"
        )
    if not name.isascii():
        accented = ", ".join(dict.fromkeys(c for c in name if not c.isascii()))
        return (
            f"{name!r} has letters outside ASCII ({accented}): the name becomes file names, Make targets and the "
            "videos' links in the PDF and the HTML, which do not all carry accented letters alike; "
            f"write it without accents{instead}"
        )
    return (
        f"{name!r} cannot name an animation: use lowercase letters, digits and _, starting with a letter "
        f"(it names Python modules and files){instead}"
    )


def suggested_name(name: str) -> str:
    """`name` as a usable name, if one is near: accents dropped, lowercase, other characters as _."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    plain = re.sub(r"[^a-z0-9_]+", "_", plain).strip("_")
    plain = re.sub(r"^[0-9_]+", "", plain)
    return plain if NAME.match(plain) and not keyword.iskeyword(plain) else ""


def check_name(name: str, what: str = "computation") -> None:
    problem = name_problem(name)
    if problem:
        raise UserError(f"{what} name {problem}")


@dataclass(frozen=True)
class Computation:
    name: str
    module: ModuleType
    parameters: type[Params]
    result: type[Record]

    @property
    def path(self) -> Path:
        return source(self.name)

    def run(self, params: Params) -> Any:
        return self.module.compute(params)


_loaded: dict[str, Computation] = {}


def load(name: str) -> Computation:
    """Import computations/<name>.py (without running it) and check what it declares."""
    if name in _loaded:
        return _loaded[name]
    path = source(name)
    if not path.exists():
        known = ", ".join(names()) or "(none)"
        raise UserError(f"no computation {paths.rel(path)}; the computations are: {known}")
    module_name = f"computation_{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # pydantic resolves the models' annotations through it
    helpers = str(paths.COMPUTATIONS)
    sys.dont_write_bytecode = True  # no __pycache__ in the course's folders (see manim_scene.load_scene)
    if helpers not in sys.path:
        sys.path.insert(0, helpers)  # so a computation can import its folder's _helpers
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[module_name]
        raise UserError(located(exc, path, f"cannot import {paths.rel(path)}")) from None
    where = paths.rel(path)
    parameters = getattr(module, "Parameters", None)
    result = getattr(module, "Result", None)
    if not (isinstance(parameters, type) and issubclass(parameters, Params)):
        raise UserError(
            f"{where}: needs `class Parameters(Params)` (from lecturemedia.animations.computation import Params)"
        )
    if not (isinstance(result, type) and issubclass(result, Record)):
        raise UserError(
            f"{where}: needs `class Result(Record)` (from lecturemedia.animations.computation import Record)"
        )
    if not callable(getattr(module, "compute", None)):
        raise UserError(f"{where}: needs `def compute(params: Parameters) -> Result`")
    _loaded[name] = Computation(name, module, parameters, result)
    return _loaded[name]


def digest(name: str) -> str:
    """sha256 of the computation's file: a trace records which version made it."""
    return hashlib.sha256(source(name).read_bytes()).hexdigest()


def located(exc: BaseException, path: Path, fallback: str) -> str:
    """`file:line: Type: message` at the innermost frame of `path` in the traceback."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == path.resolve()]
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename).resolve() == path.resolve():
        return f"{paths.rel(path)}:{exc.lineno}: SyntaxError: {exc.msg}"
    if not frames:
        return f"{fallback}: {type(exc).__name__}: {exc}"
    frame = frames[-1]
    code = f"\n    {frame.line}" if frame.line else ""
    return f"{paths.rel(path)}:{frame.lineno}: {type(exc).__name__}: {exc}{code}"
