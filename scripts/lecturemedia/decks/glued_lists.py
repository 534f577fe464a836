"""Lists written right under a line of text, which pandoc's Markdown reads as that paragraph.

Pandoc starts a list only after a blank line, unless the reader has the extension
`+lists_without_preceding_blankline`: "Ejemplos comunes:" followed by "- ReLU" lines
becomes one paragraph, "Ejemplos comunes: - ReLU - Sigmoid", and nothing says so. When
the option is off, the deck step warns at the first such line.

Only bullets (`-`, `*`, `+`) and numbers (`1.`, `1)`, `#.`) count: a wrapped line of prose
that begins "(c)" or "a)" is prose more often than a list.
"""

from __future__ import annotations

import re

from . import markdown_code

EXTENSION = "lists_without_preceding_blankline"
LIST_ITEM = re.compile(r"^[ \t]{0,3}(?:[-*+]|\d{1,9}[.)]|#\.)[ \t]+\S")
RULE = re.compile(r"^[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
QUOTE = re.compile(r"^(?:[ \t]{0,3}>[ \t]?)+")
# Lines that are blocks of their own: after them a list needs no blank line.
BLOCK = re.compile(r"^[ \t]{0,3}(?:#{1,6}(?:[ \t]|$)|:::|\||\\(?:begin|end)\{|[=-]+[ \t]*$)")
TEMPLATE_ONLY = re.compile(r"^[ \t]*(?:<%.*%>|<#.*#>)[ \t]*$")  # gone once rendered (trim_blocks)


def enabled(extensions: str) -> bool:
    """Whether a reader such as `markdown+lists_without_preceding_blankline` has the extension on."""
    state = False
    for sign, name in re.findall(r"([+-])([a-z_]+)", extensions):
        if name == EXTENSION:
            state = sign == "+"
    return state


def lines_after_text(text: str) -> list[int]:
    """The (1-based) lines of `text` where a list starts right under a line of text, outside code."""
    front = markdown_code.FRONT_MATTER.match(text)
    skipped = text[: front.end()].count("\n") if front else 0
    lines = text[front.end() if front else 0 :].splitlines()
    code = markdown_code.block_lines(lines)
    found = []
    paragraph: str | None = None  # "text" or "list": what the current paragraph began as
    after_blank = True
    for index, raw in enumerate(lines):
        if TEMPLATE_ONLY.match(raw):
            continue
        line = QUOTE.sub("", raw)
        if index in code or RULE.match(line) or BLOCK.match(line):
            paragraph, after_blank = None, True
            continue
        if not line.strip():
            after_blank = True
            continue
        if LIST_ITEM.match(line):
            if paragraph == "text" and not after_blank:
                found.append(skipped + index + 1)
            paragraph = "list"
        elif after_blank:
            indented = len(line) - len(line.lstrip(" \t")) >= 2
            paragraph = "list" if paragraph == "list" and indented else "text"
        after_blank = False
    return found
