"""Where the code is in a Pandoc-Markdown text: fenced and indented blocks, inline spans.

Templating must leave code exactly as written (`std::cout << x`, `1 << 4`), so the
renderer hides these regions from Jinja and puts them back afterwards.
"""

from __future__ import annotations

import re

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
LIST_ITEM = re.compile(r"^[ \t]{0,3}([-*+]|\d+[.)]|#\.|\(?[a-zA-Z]\)|[ivxIVX]+[.)])[ \t]+\S")
INLINE = re.compile(r"(?<!`)(?P<ticks>`+)(?!`)(?P<body>.+?)(?<!`)(?P=ticks)(?!`)", re.S)


def _indent(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" "))


def block_lines(lines: list[str]) -> set[int]:
    """Indexes of the lines that belong to code blocks (fences included)."""
    code: set[int] = set()
    in_list = False
    previous_blank = True
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        if fence and (fence["fence"][0] == "~" or "`" not in fence["info"]):
            char, length = fence["fence"][0], len(fence["fence"])
            closing = re.compile(rf"^[ \t]*{re.escape(char)}{{{length},}}[ \t]*$")
            j = i + 1
            while j < len(lines) and not closing.match(lines[j]):
                j += 1
            code.update(range(i, min(j, len(lines) - 1) + 1))
            i, previous_blank = j + 1, False
            continue
        blank = not line.strip()
        if not blank:
            if LIST_ITEM.match(line):
                in_list = True
            elif _indent(line) == 0 and previous_blank:
                in_list = False
            needed = 8 if in_list else 4
            if previous_blank and _indent(line) >= needed:
                j = i
                while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) >= needed):
                    j += 1
                while j > i and not lines[j - 1].strip():
                    j -= 1  # trailing blank lines are not part of the block
                code.update(range(i, j))
                i, previous_blank = j, False
                continue
        previous_blank = blank
        i += 1
    return code


FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def regions(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of every code region, in order (none in the front matter)."""
    front = FRONT_MATTER.match(text)
    skip = front.end() if front else 0
    return [(start + skip, end + skip) for start, end in _regions(text[skip:])]


def _regions(text: str) -> list[tuple[int, int]]:
    lines = text.splitlines(keepends=True)
    code = block_lines([line.rstrip("\r\n") for line in lines])
    found: list[tuple[int, int]] = []
    offset = 0
    prose_start: int | None = None
    prose_chunks: list[tuple[int, int]] = []
    for index, line in enumerate(lines):
        if index in code:
            if prose_start is not None:
                prose_chunks.append((prose_start, offset))
                prose_start = None
            found.append((offset, offset + len(line.rstrip("\r\n"))))
        elif prose_start is None:
            prose_start = offset
        offset += len(line)
    if prose_start is not None:
        prose_chunks.append((prose_start, offset))
    for start, end in prose_chunks:
        # an inline span stays within a paragraph: split the prose at blank lines
        for para in re.finditer(r"(?:[^\n]|\n(?![ \t]*\n))+", text[start:end]):
            base = start + para.start()
            for m in INLINE.finditer(para.group()):
                found.append((base + m.start(), base + m.end()))
    return sorted(found)
