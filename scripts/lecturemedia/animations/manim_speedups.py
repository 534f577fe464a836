"""What makes Manim faster here without changing a pixel: installed around every render and still.

- Each glyph of a Text or MathTex keeps the SVG path (svgelements) it was drawn from, and
  Manim deep-copies it with the glyph on every animation's start: most of a scene's copying.
  The path is read once, when the glyph is made, and never changed, so copies share it.
- The SVGs Manim parsed for the scenes' texts are kept between runs (pickled), found by
  the digest of the SVG file's bytes.
- Where a curve's subpaths begin (every Transform asks, to align its two shapes) is found
  with Manim's own vectorised comparison of the anchors, not one np.allclose per anchor.
- A frame held still (a wait: Manim hands the encoder one picture and a count) is converted
  to the encoder's pixel format once, with the encoder's own conversion, not once per copy.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Any

from .. import paths


@contextmanager
def installed() -> Iterator[None]:
    import manim

    share_svg_paths()
    vectorised_subpaths()
    held_frames_converted_once()
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


def vectorised_subpaths() -> None:
    """VMobject.get_subpaths_from_points through get_subpath_split_indices_from_points, Manim's
    vectorised form of the same test (np.isclose's, NaN and infinities alike): the same subpaths."""
    from manim.mobject.types.vectorized_mobject import VMobject

    original = getattr(VMobject.get_subpaths_from_points, "__wrapped__", VMobject.get_subpaths_from_points)
    if not hasattr(VMobject, "get_subpath_split_indices_from_points"):
        return  # an older Manim: its own loop

    def get_subpaths_from_points(self: Any, points: Any) -> list[Any]:
        if type(self).consider_points_equals is not VMobject.consider_points_equals:
            return original(self, points)  # a subclass with its own idea of equal points
        nppcc = self.n_points_per_cubic_curve
        ranges = self.get_subpath_split_indices_from_points(points)
        return [points[i1:i2] for i1, i2 in ranges.tolist() if i2 - i1 >= nppcc]

    get_subpaths_from_points.__wrapped__ = original  # type: ignore[attr-defined]
    VMobject.get_subpaths_from_points = get_subpaths_from_points


def held_frames_converted_once() -> None:
    """VideoSegmentEncoder.write_frame with the RGBA picture converted to the stream's format
    once for all its repeats, as the codec would convert it (same size, format and threads):
    the encoder then takes the frame as it is, and the packets are the ones it wrote before."""
    import av
    from av.video.reformatter import VideoReformatter
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    original = getattr(VideoSegmentEncoder.write_frame, "__wrapped__", VideoSegmentEncoder.write_frame)

    def write_frame(self: Any, pixels: Any, *, repeat: int = 1) -> None:
        if repeat == 1:
            return original(self, pixels, repeat=1)
        self._validate_frame(pixels, repeat)
        context = self._stream.codec_context
        time_base = Fraction(self.spec.frame_rate.denominator, self.spec.frame_rate.numerator)
        try:
            reformatter = self.__dict__.setdefault("_held_reformatter", VideoReformatter())
            frame = reformatter.reformat(
                av.VideoFrame.from_ndarray(pixels, format="rgba"),
                context.width,
                context.height,
                context.format.name,
                threads=context.thread_count,
            )
            frame.time_base = time_base
            for _ in range(repeat):
                frame.pts = self._next_pts
                self._next_pts += 1
                for packet in self._stream.encode(frame):
                    self._container.mux(packet)
        except BaseException as error:
            raise self._operation_error("encode", error) from error
        return None

    write_frame.__wrapped__ = original  # type: ignore[attr-defined]
    VideoSegmentEncoder.write_frame = write_frame


def _parsed(mob: Any) -> bytes | None:
    """What parsing gave the SVGMobject, pickled: its glyphs (without the svgelements path
    each was drawn from: Manim reads it only to make the glyph, and it is nine tenths of the
    bytes) and its id map. None if it cannot be pickled (a subclass's own attributes, say)."""
    glyphs = [m for m in mob.get_family() if getattr(m, "path_obj", None) is not None]
    kept = [m.path_obj for m in glyphs]
    for m in glyphs:
        m.path_obj = None
    try:
        return pickle.dumps((mob.submobjects, mob.id_to_vgroup_dict), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return None
    finally:
        for m, path in zip(glyphs, kept, strict=True):
            m.path_obj = path


class SvgCache:
    """The SVGs Manim parsed for the scenes' Text and MathTex, kept between runs (pickled).

    Parsing them is most of a still's time. An entry is found by what Manim parsed: the SVG
    file's bytes (their digest) and the options of the parse; the oldest go first when the
    cache outgrows its size. It is written back only when a parse was added.
    """

    VERSION = 3  # of what an entry holds
    MAX_BYTES = 64 * 1024 * 1024

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, bytes] = {}
        self.changed = False
        self._original: Any = None
        try:
            self.entries = pickle.loads(path.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            self.entries = {}

    def install(self) -> None:
        from manim.mobject.svg.svg_mobject import SVGMobject

        original = SVGMobject.init_svg_mobject
        cache = self

        def init_svg_mobject(mob: Any, use_svg_cache: bool) -> Any:
            key = cache.key(mob)
            if key is None:
                original(mob, use_svg_cache)
                return mob
            data = cache.entries.get(key)
            if data is None:
                original(mob, use_svg_cache)
                data = _parsed(mob)
                if data is not None:
                    cache.entries[key] = data
                    cache.changed = True
                return mob
            submobjects, id_map = pickle.loads(data)
            mob.add(*submobjects)
            mob.id_to_vgroup_dict = id_map
            return mob

        self._original = original
        SVGMobject.init_svg_mobject = init_svg_mobject

    def uninstall(self) -> None:
        from manim.mobject.svg.svg_mobject import SVGMobject

        SVGMobject.init_svg_mobject = self._original

    @staticmethod
    def key(mob: Any) -> str | None:
        try:
            svg = Path(mob.get_file_path()).read_bytes()
        except (OSError, ValueError):
            return None
        digest = hashlib.sha256(svg)
        digest.update(repr((type(mob).__name__, mob.svg_default, mob.path_string_config)).encode())
        return digest.hexdigest()

    def save(self) -> None:
        """Write the cache back if a parse was added, without its oldest entries beyond MAX_BYTES."""
        if not self.changed:
            return
        keep: dict[str, bytes] = {}
        size = 0
        for key, data in reversed(self.entries.items()):
            size += len(data)
            if size > self.MAX_BYTES:
                break
            keep[key] = data
        keep = dict(reversed(keep.items()))
        # through a temporary file, removed if the disk is full
        paths.write_atomic(self.path, pickle.dumps(keep, protocol=pickle.HIGHEST_PROTOCOL))
