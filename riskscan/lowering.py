"""Newer syntax lowered for an older stdlib parser, so that the structure pass still sees the module.

The structure pass (functions, calls, entry points) reads the stdlib tree, which only knows the
running Python's grammar; libcst knows newer grammar. When only libcst can read a module
(Python 3.12's `type X = ...` and `def f[T]()` on 3.11, a t-string before 3.14), the module's
text is edited where libcst locates the newer syntax, keeping every line where it was:
type parameters are blanked, a type alias becomes the expression `0`, a t-string becomes an
f-string. Any statement the stdlib parser still refuses becomes `0` (a compound one with its
body), the innermost one at the reported line first, until the text parses: a statement is
lost, never the module.
"""
from __future__ import annotations

import ast
import re
import warnings
from typing import Optional

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

_ATTEMPTS = 50  # statements blanked at most before giving up on the module
_LINES = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+\Z")  # Python's line ends, kept (str.splitlines knows more)
_NOTHING = "0"  # the shortest statement: it fits wherever a statement was


def lowered_tree(module: cst.Module, text: str) -> Optional[ast.Module]:
    """The stdlib tree of `text` (the source of `module`) after lowering, or None."""
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    lines = _LINES.findall(text)
    for node, where in positions.items():
        kind = type(node).__name__
        if kind == "TypeParameters":
            _blank(lines, where)
        elif kind == "TypeAlias":
            _blank(lines, where, _NOTHING)
        elif kind == "TemplatedString":
            _retype(lines, where)
    statements = [(where, node) for node, where in positions.items()
                  if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement))]
    for _ in range(_ATTEMPTS):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ast.parse("".join(lines))
        except SyntaxError as exc:
            where = _innermost(statements, exc.lineno or 0)
            if where is None:
                return None
            _blank(lines, where, _NOTHING)
        except (ValueError, RecursionError, MemoryError):
            return None
    return None


def _innermost(statements: list, line: int):
    """The range of the smallest statement that holds `line` (removed from the candidates)."""
    holding = [(w.end.line - w.start.line, w.end.column if w.end.line == w.start.line else 0, i)
               for i, (w, _) in enumerate(statements) if w.start.line <= line <= w.end.line]
    if not holding:
        return None
    index = min(holding)[2]
    return statements.pop(index)[0]


def _blank(lines: list, where, replacement: str = "") -> None:
    """Spaces over the range (line breaks kept, so every line stays where it is), `replacement`
    at its start."""
    start, end = where.start, where.end
    for number in range(start.line, end.line + 1):
        line = lines[number - 1]
        body = line.rstrip("\r\n")
        first = start.column if number == start.line else 0
        last = end.column if number == end.line else len(body)
        lines[number - 1] = body[:first] + " " * (last - first) + body[last:] + line[len(body):]
    if replacement:
        line = lines[start.line - 1]
        lines[start.line - 1] = line[:start.column] + replacement + line[start.column + len(replacement):]


def _retype(lines: list, where) -> None:
    """A t-string read as an f-string: the same holes, so the same calls inside them."""
    line = lines[where.start.line - 1]
    prefix_end = where.start.column
    while prefix_end < len(line) and line[prefix_end] not in "'\"":
        prefix_end += 1
    prefix = line[where.start.column:prefix_end].replace("t", "f").replace("T", "F")
    lines[where.start.line - 1] = line[:where.start.column] + prefix + line[prefix_end:]
