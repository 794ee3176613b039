"""A read-only walk over a libcst tree: the extractor's `visit_*`/`leave_*` methods, in source order.

libcst's own `visit` rebuilds every node it passes (a CSTVisitor is run through the same
machinery as a transformer) and visits every whitespace and punctuation node; on the files
that can touch a vendor that was two thirds of the extraction time. This walk reads fields
instead, skips the ones that only hold layout, and numbers the nodes a finding can point at
so that their positions can be taken from the stdlib parse tree (see positions.py).

The child order of each node type is taken once from libcst itself (see `_fields`), so it stays
right when libcst adds fields.
"""
from __future__ import annotations

import dataclasses
import inspect
import re
from typing import Callable, Optional

import libcst as cst

# Fields that hold layout only (whitespace, brackets, commas, comments) or an operator token.
_LAYOUT_PREFIXES = (
    "whitespace", "lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "comma", "semicolon", "colon",
    "equal", "leading_lines", "lines_after_decorators", "header", "footer", "trailing_whitespace", "newline",
    "first_line", "empty_lines", "last_line", "dot", "operator", "asynchronous", "indent", "star_tok",
)

# Fields whose identifiers are not expressions (an attribute's name, a keyword, a parameter, an
# imported name). The stdlib tree has no Name node for them either, so leaving them out keeps
# the two trees' Name nodes in step; the extractor reads them from the parent node.
_NOT_EXPRESSIONS = {
    cst.Attribute: {"attr"},
    cst.FunctionDef: {"name"},
    cst.ClassDef: {"name"},
    cst.Param: {"name", "star"},
    cst.Arg: {"keyword", "star"},
    cst.ImportFrom: {"module", "relative"},
    cst.ImportAlias: {"name", "asname"},
    cst.ExceptHandler: {"name"},
    cst.NameItem: {"name"},
    cst.MatchAs: {"name"},
    cst.MatchStar: {"name"},
    cst.MatchMapping: {"rest"},
    cst.MatchKeywordElement: {"key"},
}
for _name in ("ExceptStarHandler", "TypeVar", "TypeVarTuple", "ParamSpec"):
    if hasattr(cst, _name):
        _NOT_EXPRESSIONS[getattr(cst, _name)] = {"name"}

# Node kinds numbered for positions, and what each libcst node type counts as.
CALL, NAME, ATTRIBUTE, SUBSCRIPT, COMPARE, STRING, STATEMENT, ALIAS = range(8)
_KIND = {
    cst.Call: CALL, cst.Name: NAME, cst.Attribute: ATTRIBUTE, cst.Subscript: SUBSCRIPT, cst.Comparison: COMPARE,
    cst.SimpleString: STRING, cst.FormattedString: STRING, cst.ConcatenatedString: STRING,
    cst.Import: STATEMENT, cst.ImportFrom: STATEMENT, cst.ImportAlias: ALIAS, cst.ImportStar: ALIAS,
}
if hasattr(cst, "TemplatedString"):  # t-strings (Python 3.14)
    _KIND[cst.TemplatedString] = STRING
_CONSTANT_NAMES = {"True", "False", "None"}  # libcst Names, stdlib Constants

_FIELDS: dict = {}


_VISITED_FIELD = re.compile(r'visit_\w+\(\s*self,\s*"(\w+)"')


def _fields(kind: type) -> tuple:
    """The fields of a node type that can hold expressions and statements, in source order.

    The order is read from the source of libcst's own `_visit_and_replace_children`, which visits
    every field, in the order the code has them. (Observing one visit would miss a field that is
    empty in that node, such as a parameter without a default.) Without the source, the
    dataclass order serves: still complete, only positions then come from libcst (slower).
    """
    try:
        order = _VISITED_FIELD.findall(inspect.getsource(kind._visit_and_replace_children))
    except (OSError, TypeError):  # no source installed: every field, scalars skipped by the walk
        order = [f.name for f in dataclasses.fields(kind)]
    skipped = _NOT_EXPRESSIONS.get(kind, set())
    fields = tuple(f for f in dict.fromkeys(order) if not f.startswith(_LAYOUT_PREFIXES) and f not in skipped)
    _FIELDS[kind] = fields
    return fields


class Walk:
    """One pass over a module calling `visitor.visit_<Type>(node)` before a node's children and
    `visitor.leave_<Type>(node)` after them; a visit that returns False skips the children.

    It fills `numbers` (id(node) -> (kind, n): the node is the n-th of its kind in source order).
    """

    def __init__(self, visitor, numbers: dict) -> None:
        self.visitor = visitor
        self.numbers = numbers
        self.counts = [0] * 8
        self._plans: dict = {}  # node type -> (kind number, visit, leave, fields)

    def run(self, module: cst.Module) -> None:
        self._walk(module, False)

    def _plan(self, kind: type) -> tuple:
        name = kind.__name__
        visit: Optional[Callable] = getattr(self.visitor, f"visit_{name}", None)
        leave: Optional[Callable] = getattr(self.visitor, f"leave_{name}", None)
        fields = _FIELDS.get(kind)
        plan = self._plans[kind] = (_KIND.get(kind), visit, leave, fields if fields is not None else _fields(kind))
        return plan

    def _walk(self, node: cst.CSTNode, in_string: bool) -> None:
        kind = type(node)
        plan = self._plans.get(kind)
        number, visit, leave, fields = plan if plan is not None else self._plan(kind)
        if number is not None and not (in_string and number == STRING):
            if number != NAME or node.value not in _CONSTANT_NAMES:
                self.numbers[id(node)] = (number, self.counts[number])
                self.counts[number] += 1
        if visit is not None and visit(node) is False:
            return
        parts = kind is cst.ConcatenatedString  # its parts are one string to the stdlib parser
        for field in fields:
            # a visited field holds a node, a sequence of nodes, None or MaybeSentinel (libcst's
            # "absent"); testing the type is much cheaper than isinstance against CSTNode, an ABC
            child = getattr(node, field)
            shape = type(child)
            if shape is tuple or shape is list:
                for item in child:
                    self._walk(item, False)
            elif child is not None and shape is not cst.MaybeSentinel and shape is not str and shape is not bool:
                self._walk(child, parts)
        if leave is not None:
            leave(node)
