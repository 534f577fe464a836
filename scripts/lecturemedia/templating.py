"""Render a deck (a Jinja template) to the Markdown pandoc reads, and scan its dependencies.

Delimiters are `<< expr >>`, `<% statement %>` and `<# comment #>`, so that LaTeX
(`{#1}`, `{%`), Python (`{{`) and Markdown pass through untouched.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from . import paths
from .errors import UserError

MACROS = "macros.md"
DELIMITERS = {
    "variable_start_string": "<<",
    "variable_end_string": ">>",
    "block_start_string": "<%",
    "block_end_string": "%>",
    "comment_start_string": "<#",
    "comment_end_string": "#>",
}
DELIMITER_HINT = 'write a literal `<<` as `<< "<<" >>`, or wrap the text in `<% raw %>…<% endraw %>`'


def num(value: float, digits: int = 2) -> str:
    """A number as a slide quotes it: at most `digits` decimals, no trailing zeros."""
    text = f"{float(value):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def make_env(src_dir: Path = paths.SLIDES_SRC) -> SandboxedEnvironment:
    """The one Jinja environment decks render in: sandboxed, strict, our delimiters."""
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(src_dir / "templates"), str(src_dir)]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        **DELIMITERS,
    )
    env.filters["num"] = num
    return env


# ---------------------------------------------------------------- dependency scan


@dataclass
class Dependencies:
    """What a deck reads besides its own file."""

    templates: set[str] = field(default_factory=set)
    traces: set[str] = field(default_factory=set)
    videos: dict[str, str] = field(default_factory=dict)  # name -> where it is placed (file:line)


def _walk_calls(ast: nodes.Template, source_name: str) -> Iterator[tuple[str, str, int]]:
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Call)):
        if isinstance(node, nodes.Getattr) and _is_name(node.node, "traces"):
            yield "trace", node.attr, node.lineno
        elif isinstance(node, nodes.Getitem) and _is_name(node.node, "traces"):
            if not isinstance(node.arg, nodes.Const):
                raise UserError(
                    f'{source_name}:{node.lineno}: name the trace literally, as traces.sgd_x2 or traces["sgd_x2"]'
                )
            yield "trace", str(node.arg.value), node.lineno
        elif isinstance(node, nodes.Call) and _is_name(node.node, "video"):
            if not node.args or not isinstance(node.args[0], nodes.Const):
                raise UserError(f'{source_name}:{node.lineno}: name the video literally, as video("sgd_x2")')
            yield "video", str(node.args[0].value), node.lineno


def _is_name(node: nodes.Node, name: str) -> bool:
    return isinstance(node, nodes.Name) and node.name == name


def scan(deck: str, env: SandboxedEnvironment | None = None) -> Dependencies:
    """Find, without rendering, the templates, traces and videos a deck uses."""
    env = env or make_env()
    deps = Dependencies()
    todo = [f"{deck}.md", MACROS]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        source, filename = _source(env, name)
        if name != f"{deck}.md":
            deps.templates.add(filename)
        try:
            ast = env.parse(source, name=name, filename=filename)
        except jinja2.TemplateSyntaxError as exc:
            raise _syntax_error(exc) from None
        shown = paths.rel(Path(filename))
        for kind, value, line in _walk_calls(ast, shown):
            if kind == "trace":
                deps.traces.add(value)
            else:
                deps.videos.setdefault(value, f"{shown}:{line}")
        todo.extend(t for t in meta.find_referenced_templates(ast) if t)
    return deps


def _source(env: SandboxedEnvironment, name: str) -> tuple[str, str]:
    assert env.loader is not None
    try:
        source, filename, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        raise UserError(f"template {name!r} not found in slides_src/ or slides_src/templates/") from None
    return source, filename or name


# ---------------------------------------------------------------- rendering


def _syntax_error(exc: jinja2.TemplateSyntaxError) -> UserError:
    where = paths.rel(Path(exc.filename)) if exc.filename else exc.name or "template"
    return UserError(f"{where}:{exc.lineno}: template syntax error: {exc.message} ({DELIMITER_HINT})")


def _template_location(tb: Any) -> str | None:
    """file:line of the innermost template frame in a traceback (Jinja maps them)."""
    location = None
    for frame in traceback.extract_tb(tb):
        filename = frame.filename
        if filename.endswith(".md") and Path(filename).exists():
            location = f"{paths.rel(Path(filename))}:{frame.lineno}"
    return location


def render(
    deck: str,
    context: dict[str, Any],
    env: SandboxedEnvironment | None = None,
) -> str:
    """The deck's Markdown, with errors turned into `deck:line: what to do`."""
    env = env or make_env()
    try:
        macros = env.get_template(MACROS).make_module(context)
        full = {**context, **{k: getattr(macros, k) for k in dir(macros) if not k.startswith("_")}}
        return env.get_template(f"{deck}.md").render(full)
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax_error(exc) from None
    except jinja2.TemplateNotFound as exc:
        raise UserError(f"template {exc.name!r} not found in slides_src/templates/") from None
    except jinja2.UndefinedError as exc:
        where = _template_location(exc.__traceback__) or f"slides_src/{deck}.md"
        known = ", ".join(sorted(k for k in context if not k.startswith("_")))
        raise UserError(f"{where}: {exc.message}; defined here: {known}") from None
    except jinja2.exceptions.SecurityError as exc:
        where = _template_location(exc.__traceback__) or f"slides_src/{deck}.md"
        raise UserError(f"{where}: not allowed in a deck: {exc}") from None
    except UserError as exc:
        where = _template_location(exc.__traceback__)
        raise UserError(f"{where}: {exc}" if where else str(exc)) from None


VIDEO_NAME = re.compile(r"^[a-z0-9_]+$")


def video_placer(known: Callable[[], list[str]]) -> Callable[..., str]:
    """The `video(name, caption=..., width=...)` function decks call."""

    def video(name: str, caption: str = "", width: str = "") -> str:
        names = known()
        if not VIDEO_NAME.match(str(name)) or name not in names:
            raise UserError(
                f"unknown video {name!r}; the videos are: {', '.join(names) or '(none)'} (one per scenes/<name>.py)"
            )
        attrs = f'.animation poster="videos/{name}.png"'
        if width:
            if not re.fullmatch(r"[0-9.]+(%|cm|mm|in|em|px)?", str(width)):
                raise UserError(f"video {name!r}: width {width!r} should look like 80% or 6cm")
            attrs += f' width="{width}"'
        return f"![{caption}](videos/{name}.mp4){{{attrs}}}"

    return video


# Paths a deck names: Markdown images and links, and LaTeX's file-reading commands.
PATH_PATTERNS = (
    re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)"),
    re.compile(r"\\(?:includegraphics|input|include|movie|lstinputlisting)(?:\[[^\]]*\])?(?:\{[^}]*\})?\{([^}]+)\}"),
)


def paths_leaving(text: str, base: Path, root: Path) -> list[str]:
    """The local paths named in `text` that resolve outside `root` (read relative to `base`)."""
    found = []
    for pattern in PATH_PATTERNS:
        for match in pattern.finditer(text):
            target = match.group(1)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # a URL or an anchor, not a file
            resolved = (base / target).resolve()
            if not resolved.is_relative_to(root.resolve()):
                found.append(target)
    return found
