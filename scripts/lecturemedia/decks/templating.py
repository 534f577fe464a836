"""Render a deck (a Jinja template) to the Markdown pandoc reads, and scan its dependencies.

Delimiters are `<< expr >>`, `<% statement %>` and `<# comment #>`, so that LaTeX
(`{#1}`, `{%`), Python (`{{`) and Markdown pass through untouched.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from .. import console, paths
from ..errors import UserError
from ..numbers import num
from . import markdown_code

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
CODE_OPEN, CODE_CLOSE = "\ue000", "\ue001"  # private-use characters: no deck contains them
CODE_TOKEN = re.compile(f"{CODE_OPEN}(\\d+){CODE_CLOSE}")
TEXT_LT = "\ue002"  # a `<<` that is text (it does not close on its line), until rendered
BLANK_LINE = re.compile(r"\n[ \t]*(?:\n|$)")
_warned: set[str] = set()


def decode(raw: bytes, shown: str, warn: bool = False) -> str:
    """A deck's text: UTF-8, or else Windows-1252/Latin-1 (common from Windows editors), said once."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        if warn and shown not in _warned:
            _warned.add(shown)
            console.warn(
                f"{shown}:{line}: not UTF-8; read as Windows-1252 (Latin-1). Save it as UTF-8 to be sure of its accents"
            )
        return raw.decode("cp1252", errors="replace")


def read_source(path: Path, warn: bool = False) -> str:
    return decode(path.read_bytes(), paths.rel(path), warn)


class _DeckLoader(jinja2.FileSystemLoader):
    """Reads decks and templates whatever their encoding, and hides their code from Jinja.

    Each line of a code region becomes a token that Jinja passes through; `restore`
    puts the code back after rendering. Lines stay where they were, so errors keep their
    line numbers. A `<<` that does not close on its own line is text too (`$c <<0$`).
    """

    def __init__(self, searchpath: list[str]) -> None:
        super().__init__(searchpath)
        self.code: list[str] = []
        self.warn_encoding = False  # the renderer says it; the dependency scan does not

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        for folder in self.searchpath:
            path = Path(folder) / template
            if path.is_file():
                mtime = path.stat().st_mtime
                text = unclosed_as_text(environment, self.protect(read_source(path, self.warn_encoding)))
                return text, str(path), lambda p=path, m=mtime: p.exists() and p.stat().st_mtime == m
        raise jinja2.TemplateNotFound(template)

    def protect(self, text: str) -> str:
        out, last = [], 0
        for start, end in markdown_code.regions(text):
            out.append(text[last:start])
            for piece in re.split(r"(\r?\n)", text[start:end]):
                if piece in ("\n", "\r\n") or not piece:
                    out.append(piece)
                else:
                    self.code.append(piece)
                    out.append(f"{CODE_OPEN}{len(self.code) - 1}{CODE_CLOSE}")
            last = end
        out.append(text[last:])
        return "".join(out)

    def restore(self, text: str) -> str:
        return CODE_TOKEN.sub(lambda m: self.code[int(m.group(1))], text).replace(TEXT_LT, "<<")


def unclosed_as_text(env: jinja2.Environment, text: str) -> str:
    """Each `<<` with no `>>` after it on its line, marked as text: it cannot open an expression.

    One exception: when what follows it up to a `>>` on a later line of its paragraph reads as
    an expression (`<< video("x",` … `) >>`), it is left for the check that refuses an
    expression over lines.
    """
    out, last = [], 0
    for match in re.finditer("<<", text):
        start = match.start()
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        if text.find(">>", start + 2, line_end) >= 0:
            continue
        blank = BLANK_LINE.search(text, line_end)
        closing = text.find(">>", line_end, blank.start() if blank else len(text))
        if closing >= 0 and _is_expression(env, text[start + 2 : closing]):
            continue
        out += [text[last:start], TEXT_LT]
        last = start + 2
    return "".join([*out, text[last:]])


def _is_expression(env: jinja2.Environment, inner: str) -> bool:
    try:
        env.parse(f"{env.variable_start_string}{inner.strip('+-')}{env.variable_end_string}")
    except jinja2.TemplateSyntaxError:
        return False
    return True


class _Undefined(jinja2.StrictUndefined):
    """A missing name or field: says which fields the object has (a trace's data, say)."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        obj = self._undefined_obj
        fields = getattr(type(obj), "model_fields", None)
        if fields is not None and isinstance(self._undefined_name, str):
            return (
                f"{type(obj).__name__} has no field {self._undefined_name!r}; its fields are: {', '.join(fields)}"
            )
        return super()._undefined_message


MAX_LENGTH = 10_000_000  # characters or items that `*` may make: a deck quotes, it does not fill memory
MAX_BITS = 100_000  # the size of a number `**` may make (about 30,000 digits)


class _DeckSandbox(SandboxedEnvironment):
    """Jinja's sandbox, with `*` and `**` bounded: `10**10**10` or `"x" * 10**11` would run in C,
    where no time limit can stop them, and are refused before they start."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        big = operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1
        if big and right * abs(left).bit_length() > MAX_BITS:
            raise jinja2.exceptions.SecurityError(f"{left} ** {right} is too big a number")
        if operator == "*":
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_BITS:
                raise jinja2.exceptions.SecurityError("the product is too big a number")
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) and len(seq) * times > MAX_LENGTH:
                    raise jinja2.exceptions.SecurityError(f"a text or list of {len(seq) * times} items is too long")
        return super().call_binop(context, operator, left, right)


def make_env(src_dir: Path = paths.SLIDES_SRC) -> SandboxedEnvironment:
    """The one Jinja environment decks render in: sandboxed, strict, our delimiters."""
    env = _DeckSandbox(
        loader=_DeckLoader([str(src_dir / "templates"), str(src_dir)]),
        undefined=_Undefined,
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
    traces: dict[str, str] = field(default_factory=dict)  # name -> where it is first read (file:line)
    videos: dict[str, str] = field(default_factory=dict)  # name -> where it is placed (file:line)


def _walk_calls(ast: nodes.Template, source_name: str) -> Iterator[tuple[str, str, int]]:
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Call)):
        if isinstance(node, nodes.Getattr) and _is_name(node.node, "traces"):
            yield "trace", node.attr, node.lineno
        elif isinstance(node, nodes.Getitem) and _is_name(node.node, "traces"):
            if not isinstance(node.arg, nodes.Const):
                raise UserError(
                    f"{source_name}:{node.lineno}: name the trace literally, "
                    'as traces.my_animation or traces["my_animation"]'
                )
            yield "trace", str(node.arg.value), node.lineno
        elif isinstance(node, nodes.Call) and _is_name(node.node, "video"):
            if not node.args or not isinstance(node.args[0], nodes.Const):
                raise UserError(f'{source_name}:{node.lineno}: name the video literally, as video("my_animation")')
            yield "video", str(node.args[0].value), node.lineno


def check_expressions(env: SandboxedEnvironment, source: str, ast: nodes.Template, shown: str) -> None:
    """Refuse what looks like text caught between `<<` and `>>` rather than a value to quote.

    `std::cout << x` in prose, or `1 << 4, 256 >> 4`, would otherwise be rewritten silently.
    A template expression stays on one line and quotes a value, not a bare number or a tuple.
    """
    opened = 0
    for lineno, kind, _value in env.lex(source):
        if kind == "variable_begin":
            opened = lineno
        elif kind == "variable_end" and lineno != opened:
            raise UserError(
                f"{shown}:{opened}: `<<` here is closed by a `>>` on line {lineno}: if `<<` is text, "
                f"put it in code (`…`) or {DELIMITER_HINT}"
            )
    for output in ast.find_all(nodes.Output):
        for node in output.nodes:
            if isinstance(node, nodes.TemplateData):
                continue
            bare_number = isinstance(node, nodes.Const) and not isinstance(node.value, str)
            if isinstance(node, nodes.Tuple) or bare_number:
                raise UserError(
                    f"{shown}:{node.lineno}: `<< … >>` around a bare number or a list of them looks like "
                    f"text, not a value to quote: put it in code (`…`) or {DELIMITER_HINT}"
                )


def _is_name(node: nodes.Node, name: str) -> bool:
    return isinstance(node, nodes.Name) and node.name == name


def scan(deck: str, env: SandboxedEnvironment | None = None) -> Dependencies:
    """Find, without rendering, the templates, traces and videos a deck uses."""
    env = env or make_env()
    deps = Dependencies()
    todo = [f"{deck}.md", *([MACROS] if has_macros(env) else [])]
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
        check_expressions(env, source, ast, shown)
        for kind, value, line in _walk_calls(ast, shown):
            if kind == "trace":
                deps.traces.setdefault(value, f"{shown}:{line}")
            else:
                deps.videos.setdefault(value, f"{shown}:{line}")
        todo.extend(t for t in meta.find_referenced_templates(ast) if t)
    return deps


def has_macros(env: SandboxedEnvironment) -> bool:
    """Whether the course has shared macros (slides_src/templates/macros.md): they are optional."""
    assert env.loader is not None
    try:
        env.loader.get_source(env, MACROS)
    except jinja2.TemplateNotFound:
        return False
    return True


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


TIME_LIMIT_VARIABLE = "LECTURE_TEMPLATE_TIMEOUT"
TIME_LIMIT = 20.0  # seconds: a real deck renders in well under one


class TemplateTimeoutError(Exception):
    """Raised inside the template when its time is up, so that the traceback names its line."""


def time_limit() -> float:
    """The seconds a deck may take to render: LECTURE_TEMPLATE_TIMEOUT, else 20."""
    value = os.environ.get(TIME_LIMIT_VARIABLE, "")
    try:
        return float(value) if value and float(value) > 0 else TIME_LIMIT
    except ValueError:
        raise UserError(f"{TIME_LIMIT_VARIABLE}={value!r} should be a number of seconds, e.g. 60") from None


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise TemplateTimeoutError in this (main) thread after `seconds`, and again every second
    should a template swallow it. Elsewhere (no signals off the main thread), no limit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise TemplateTimeoutError

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def render(
    deck: str,
    context: dict[str, Any],
    env: SandboxedEnvironment | None = None,
) -> str:
    """The deck's Markdown, with errors turned into `deck:line: what to do`."""
    env = env or make_env()
    scan(deck, env)  # refuses stray delimiters before anything is rendered
    assert isinstance(env.loader, _DeckLoader)
    env.loader.warn_encoding = True
    limit = time_limit()
    try:
        with _time_limit(limit):
            full = dict(context)
            if has_macros(env):
                macros = env.get_template(MACROS).make_module(context)
                full.update({k: getattr(macros, k) for k in dir(macros) if not k.startswith("_")})
            rendered = env.get_template(f"{deck}.md").render(full)
        assert isinstance(env.loader, _DeckLoader)
        return env.loader.restore(rendered)
    except TemplateTimeoutError as exc:
        where = _template_location(exc.__traceback__) or f"slides_src/{deck}.md"
        raise UserError(
            f"{where}: the deck took more than {limit:g} s to render, here: a loop too long, or one that does not "
            f"end? Shorten it ({TIME_LIMIT_VARIABLE}=<seconds> allows more time)"
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax_error(exc) from None
    except jinja2.TemplateNotFound as exc:
        raise UserError(f"template {exc.name!r} not found in slides_src/templates/") from None
    except jinja2.UndefinedError as exc:
        where = _template_location(exc.__traceback__) or f"slides_src/{deck}.md"
        message = exc.message or "undefined"
        if message.endswith("is undefined"):  # a name, not a field: say which names there are
            known = ", ".join(sorted(k for k in context if not k.startswith("_")))
            message += f"; defined here: {known}"
        raise UserError(f"{where}: {message}") from None
    except jinja2.exceptions.SecurityError as exc:
        where = _template_location(exc.__traceback__) or f"slides_src/{deck}.md"
        raise UserError(f"{where}: not allowed in a deck: {exc}") from None
    except UserError as exc:
        where = _template_location(exc.__traceback__)
        raise UserError(f"{where}: {exc}" if where else str(exc)) from None
    except Exception as exc:  # whatever else a template raises: the deck line, not a traceback
        where = _template_location(exc.__traceback__) or f"slides_src/{deck}.md"
        what = str(exc).splitlines()[0][:200].rstrip(". ") if str(exc) else ""
        raise UserError(
            f"{where}: the template failed: {type(exc).__name__}{': ' if what else ''}{what}; fix the expression there"
        ) from None


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


IMAGE_PATTERN = PATH_PATTERNS[0]


def without_code(text: str) -> str:
    """The text with its code regions blanked (a path shown in code is no file the deck uses)."""
    out, last = [], 0
    for start, end in markdown_code.regions(text):
        out += [text[last:start], re.sub(r"[^\n]", " ", text[start:end])]
        last = end
    return "".join([*out, text[last:]])


def named_paths(text: str, images_only: bool = False) -> list[str]:
    """The local files a deck names outside its code (not URLs or anchors), in order."""
    text = without_code(text)
    found = []
    for pattern in (IMAGE_PATTERN,) if images_only else PATH_PATTERNS:
        for match in pattern.finditer(text):
            target = match.group(1)
            if images_only and not match.group(0).startswith("!"):
                continue
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue
            found.append(target)
    return found


def paths_leaving(text: str, base: Path, root: Path) -> list[str]:
    """The local paths named in `text` that resolve outside `root` (read relative to `base`)."""
    found = []
    text = without_code(text)
    for pattern in PATH_PATTERNS:
        for match in pattern.finditer(text):
            target = match.group(1)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # a URL or an anchor, not a file
            resolved = (base / target).resolve()
            if not resolved.is_relative_to(root.resolve()):
                found.append(target)
    return found
