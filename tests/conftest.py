"""Shared helpers: the repository layout, a fixture-annotation reader and a writer of small trees."""
from __future__ import annotations

import io
import re
import textwrap
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"

def markdown_table(path: Path, heading: str) -> list:
    """The rows of the first table under `## heading` in a Markdown file, as lists of cells (backticks dropped)."""
    text = Path(path).read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip().strip("|").split("|") for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip().strip("`") for cell in row] for row in rows[1:] if not set(row[0].strip()) <= {"-"}]


_EXPECT = re.compile(r"#\s*(todo-expect|expect|ok)\s*:\s*(.*)$")


def read_annotations(path: Path):
    """(expected {(line, vendor, kind)}, ok lines, todo {(line, vendor, kind)}) from `# expect:` comments.

    Notebook fixtures are not annotated this way; .py only.
    """
    expected, ok_lines, todo = set(), set(), set()
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        match = _EXPECT.search(token.string)
        if not match:
            continue
        tag, body = match.groups()
        line = token.start[0]
        if tag == "ok":
            ok_lines.add(line)
            continue
        for item in filter(None, (part.strip() for part in body.split(","))):
            vendor, _, kind = item.partition(":")
            target = expected if tag == "expect" else todo
            target.add((line, vendor.strip(), kind.strip().split()[0] if kind.strip() else ""))
    return expected, ok_lines, todo


@pytest.fixture(scope="session")
def catalogue():
    from riskscan.ruleset import load_catalogue

    return load_catalogue()


def write_tree(root: Path, files: dict) -> Path:
    """Writes {relative path: source (dedented)} under root: a small repository for one test."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root
