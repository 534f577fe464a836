"""The code regions templating leaves alone are the code pandoc sees: checked against
pandoc's own parse of the decks we did not write (tests/corpus/), and on small cases."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from lecturemedia.decks.markdown_code import regions

CORPUS = Path(__file__).parent / "corpus"
DECKS = sorted(json.loads((CORPUS / "expected.json").read_text(encoding="utf-8")))


def code_regions(text: str) -> list[str]:
    return [text[a:b] for a, b in regions(text)]


def pandoc_code(text: str) -> list[tuple[str, str]]:
    """(kind, text) of every Code and CodeBlock in pandoc's parse."""
    out = subprocess.run(["pandoc", "-f", "markdown", "-t", "json"], input=text, capture_output=True, text=True)
    found: list[tuple[str, str]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("t") in ("Code", "CodeBlock"):
                found.append((node["t"], node["c"][1]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(out.stdout))
    return found


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("deck", DECKS)
def test_every_code_pandoc_sees_is_left_alone(deck: str) -> None:
    text = (CORPUS / f"{deck}.md").read_text(encoding="utf-8")
    protected = squash("".join(code_regions(text)))
    for kind, code in pandoc_code(text):
        assert squash(code) in protected, (kind, code[:80])


@pytest.mark.parametrize("deck", DECKS)
def test_what_is_left_alone_is_code(deck: str) -> None:
    text = (CORPUS / f"{deck}.md").read_text(encoding="utf-8")
    code = squash("".join(c for _, c in pandoc_code(text)))
    for region in code_regions(text):
        body = squash(re.sub(r"^\s*(`{3,}|~{3,}).*$", "", region, flags=re.M).strip("`"))
        assert body in code, region[:80]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a `x << y` b\n", ["`x << y`"]),
        ("```cpp\nstd::cout << x;\n```\n", ["```cpp", "std::cout << x;", "```"]),
        ("text\n\n    code << 1\n", ["    code << 1"]),
        ("- item\n\n    continuation << x >>\n", []),  # a list's paragraph, not code
        ("- item\n\n        code in a list\n", ["        code in a list"]),
        ("~~~\nunclosed <<\n", ["~~~", "unclosed <<"]),
        ("``a ` b``\n", ["``a ` b``"]),
        ("one `span\nover lines` two\n", ["`span\nover lines`"]),
        ("no `span\n\nacross paragraphs` here\n", []),
    ],
)
def test_regions(text: str, expected: list[str]) -> None:
    assert code_regions(text) == expected
