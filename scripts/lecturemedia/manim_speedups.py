"""What makes Manim faster here without changing a pixel: installed around every render and still.

- Each glyph of a Text or MathTex keeps the SVG path (svgelements) it was drawn from, and
  Manim deep-copies it with the glyph on every animation's start: most of a scene's copying.
  The path is read once, when the glyph is made, and never changed, so copies share it.
- The SVGs Manim parsed for the scenes' texts are kept between runs (pickled).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import paths


@contextmanager
def installed() -> Iterator[None]:
    import manim

    share_svg_paths()
    cache = SvgCache(paths.BUILD / "manim" / f"svg-{manim.__version__}-{SvgCache.VERSION}.pickle")
    cache.install()
    try:
        yield
    finally:
        cache.uninstall()
    cache.save()


def share_svg_paths() -> None:
    from manim.mobject.mobject import Mobject
    from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

    def deepcopy_sharing_path(self: Any, memo: dict[int, Any]) -> Any:
        path = self.__dict__.get("path_obj")
        if path is not None:
            memo[id(path)] = path  # deepcopy's memo: "already copied, as itself"
        return Mobject.__deepcopy__(self, memo)

    VMobjectFromSVGPath.__deepcopy__ = deepcopy_sharing_path


def _dumps_without_paths(mob: Any) -> bytes:
    """The parsed SVG pickled without the svgelements path of each glyph: Manim reads it only
    to make the glyph, and it is nine tenths of the bytes to unpickle."""
    glyphs = [m for m in mob.get_family() if getattr(m, "path_obj", None) is not None]
    kept = [m.path_obj for m in glyphs]
    for m in glyphs:
        m.path_obj = None
    try:
        return pickle.dumps(mob, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        for m, path in zip(glyphs, kept, strict=True):
            m.path_obj = path


class SvgCache:
    """The SVGs Manim parsed for the scenes' Text and MathTex, kept between runs (pickled).

    Parsing them is most of a still's time; Manim names each SVG file by a digest of what it
    shows (text, font, size, colour), so the file's name and size say when a parse can be reused.
    """

    LIMIT = 5000  # entries kept
    VERSION = 2  # of what an entry holds

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[tuple[Any, ...], bytes] = {}
        self.added = 0
        try:
            self.entries = pickle.loads(path.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            self.entries = {}

    _original: Any = None

    def install(self) -> None:
        from manim.mobject.svg.svg_mobject import SVGMobject

        original = SVGMobject.init_svg_mobject
        cache = self

        def init_svg_mobject(mob: Any, use_svg_cache: bool) -> Any:
            key = cache.key(mob)
            data = cache.entries.get(key) if key else None
            if data is None:
                original(mob, use_svg_cache)
                if key:
                    cache.entries[key] = _dumps_without_paths(mob)
                    cache.added += 1
                return mob
            parsed = pickle.loads(data)
            mob.add(*parsed.submobjects)
            mob.id_to_vgroup_dict = parsed.id_to_vgroup_dict
            return mob

        self._original = original
        SVGMobject.init_svg_mobject = init_svg_mobject

    def uninstall(self) -> None:
        from manim.mobject.svg.svg_mobject import SVGMobject

        SVGMobject.init_svg_mobject = self._original

    @staticmethod
    def key(mob: Any) -> tuple[Any, ...] | None:
        try:
            path = Path(mob.get_file_path())
            st = path.stat()
        except (OSError, ValueError):
            return None
        return (type(mob).__name__, path.name, st.st_size, repr(mob.svg_default), repr(mob.path_string_config))

    def save(self) -> None:
        if not self.added:
            return
        keep = dict(list(self.entries.items())[-self.LIMIT :])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(keep, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(self.path)
