"""Where a libcst node starts: read from the stdlib parse tree of the same source, or from libcst.

libcst's PositionProvider learns positions by generating the code of the whole module again,
which cost more than the extraction walk itself. The stdlib tree, parsed anyway for the call
graph, carries a position on every node, and the n-th call (name, string, import...) in source
order in one tree is the n-th in the other. Every answer is checked against the node it is
for (the callee's name, the identifier, the kind of string) and the counts of the two trees
must agree at the end; when they do not, the module is walked again with libcst's own
positions. A mismatch costs time, never a wrong line.
"""
from __future__ import annotations

import ast
from operator import attrgetter
from typing import Optional

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ..structure import CHILD_FIELDS
from .walk import ALIAS, ATTRIBUTE, CALL, COMPARE, NAME, STATEMENT, STRING, SUBSCRIPT

_AST_KIND = {
    ast.Call: CALL, ast.Name: NAME, ast.Attribute: ATTRIBUTE, ast.Subscript: SUBSCRIPT, ast.Compare: COMPARE,
    ast.Import: STATEMENT, ast.ImportFrom: STATEMENT, ast.alias: ALIAS,
}


_FORMATTED = (ast.JoinedStr, getattr(ast, "TemplateStr", ast.JoinedStr))
_HOLES = (ast.FormattedValue, getattr(ast, "Interpolation", ast.FormattedValue))


class PositionMismatch(Exception):
    """The two trees disagree about a node: positions must come from libcst for this module."""


class LibcstPositions:
    """libcst's own positions: exact for any node, at the price of a code-generation pass."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._ranges = None

    def of(self, node: cst.CSTNode, number: Optional[tuple]) -> tuple:
        if self._ranges is None:
            self._ranges = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        start = self._ranges[node].start
        return start.line, start.column

    def agrees(self, counts: list) -> bool:
        return True


class StdlibTables:
    """The stdlib tree's nodes of each numbered kind in source order, and the tree's nesting work
    (the sum of its nodes' depths, which budget.MAX_WORK bounds): one walk of the tree serves the
    parser budget before libcst runs and the positions after it."""

    __slots__ = ("tables", "work")

    def __init__(self, tree: ast.Module) -> None:
        self.tables, self.work = _numbered(tree)


class StdlibPositions(LibcstPositions):
    """Positions by matching numbered libcst nodes to the stdlib nodes of the same kind;
    `tree` is the stdlib tree of the same source, or its StdlibTables."""

    def __init__(self, module: cst.Module, tree, lines: list) -> None:
        super().__init__(module)
        self.lines = lines
        self.tables = (tree if isinstance(tree, StdlibTables) else StdlibTables(tree)).tables

    def of(self, node: cst.CSTNode, number: Optional[tuple]) -> tuple:
        if number is None:  # a node kind that is not numbered (a number, an operation): ask libcst
            return super().of(node, None)
        kind, index = number
        table = self.tables[kind]
        if index >= len(table):
            raise PositionMismatch(node)
        twin = table[index]
        if _signature(twin) != _cst_signature(node):
            raise PositionMismatch(node)
        return twin.lineno, self._column(twin.lineno, twin.col_offset)

    def agrees(self, counts: list) -> bool:
        return all(count == len(table) for count, table in zip(counts, self.tables))

    def _column(self, line: int, offset: int) -> int:
        """The stdlib counts UTF-8 bytes, libcst (and every report) characters."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return offset if text.isascii() else len(text.encode("utf-8")[:offset].decode("utf-8", "ignore"))


def _numbered(tree: ast.Module) -> tuple:
    """(tables, work): the stdlib nodes of each numbered kind in source order, and the sum of the
    depths of all nodes. Breadth first, one level at a time, so that a level's depth is counted
    once; a stable sort by start then puts each table in source order with an enclosing node
    (met a level earlier) before the nodes it starts with."""
    tables: list = [[] for _ in range(8)]
    strings = tables[STRING]
    work, depth, level = 0, 0, [tree]
    while level:
        work += depth * len(level)
        below: list = []
        extend, append = below.extend, below.append
        for node in level:
            kind = type(node)
            if kind in _FORMATTED:
                strings.append(node)
                extend(_holes(node))
                continue
            if kind is ast.Constant:
                if isinstance(node.value, (str, bytes)):
                    strings.append(node)
                continue
            number = _AST_KIND.get(kind)
            if number is not None:
                tables[number].append(node)
            for name in CHILD_FIELDS[kind]:
                value = getattr(node, name, None)
                if type(value) is list:
                    extend(value)
                elif isinstance(value, ast.AST):
                    append(value)
        level, depth = below, depth + 1
    for table in tables:
        table.sort(key=_START)
    return tables, work


_START = attrgetter("lineno", "col_offset")


def _holes(node) -> list:
    """The expressions inside an f-string or t-string (its text parts and format specs are not
    strings of their own)."""
    found = []
    for value in node.values:
        if isinstance(value, _HOLES):
            found.append(value.value)
            if value.format_spec is not None:
                found += _holes(value.format_spec)
    return found


def _signature(node) -> object:
    kind = type(node)
    if kind is ast.Call:
        return _tail(node.func)
    if kind is ast.Name:
        return node.id
    if kind is ast.Attribute:
        return node.attr
    if kind is ast.Subscript:
        return _tail(node.value)
    if kind is ast.Compare:
        return len(node.ops)
    if kind in _FORMATTED:
        return "f" if kind is ast.JoinedStr else "t"
    if kind is ast.Constant:
        return "b" if isinstance(node.value, bytes) else "s"
    if kind is ast.alias:
        return node.name
    return kind.__name__


def _tail(node) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _cst_signature(node: cst.CSTNode) -> object:
    kind = type(node)
    if kind is cst.Call:
        return _cst_tail(node.func)
    if kind is cst.Name:
        return node.value
    if kind is cst.Attribute:
        return node.attr.value
    if kind is cst.Subscript:
        return _cst_tail(node.value)
    if kind is cst.Comparison:
        return len(node.comparisons)
    if kind in (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString):
        return _string_kind(node)
    if kind.__name__ == "TemplatedString":
        return "t"
    if kind is cst.ImportAlias:
        return cst.helpers.get_full_name_for_node(node.name)
    if kind is cst.ImportStar:
        return "*"
    return kind.__name__


def _cst_tail(node) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _string_kind(node) -> str:
    if isinstance(node, cst.ConcatenatedString):
        kinds = {_string_kind(node.left), _string_kind(node.right)}
        return "f" if "f" in kinds else kinds.pop()
    if isinstance(node, cst.FormattedString):
        return "f"
    return "b" if "b" in node.prefix.lower() else "s"
