"""Parser budgets: refuse a file that would exhaust a parser's stack or memory, before it is parsed.

libcst's native parser recurses once per nesting level and has no depth limit of its own:
5,000 nested brackets or a 100,000-term `and` chain overflow its stack and kill the process
(nothing to catch), and a few thousand nested operators cost it seconds and gigabytes. Both
parsers hold the whole tree in memory, about 650 bytes (ast) and 2 KB (libcst) per token, so a
50 MB module of dense code needs 8 GB for the stdlib tree alone. The checks read the bytes with
regular expressions (the stdlib parser may reject newer grammar that libcst then reads).
"""
from __future__ import annotations

import re
from typing import Optional

# CPython's tokenizer refuses more than 200 open brackets (MAXLEVEL): such a file runs nowhere.
MAX_BRACKETS = 200
# riskscan's libcst visitors stop with RecursionError at about 350 levels, so a deeper
# expression cannot be analysed anyway; 500 leaves headroom and costs libcst under a second.
MAX_NESTING = 500
# About 6 MB of dense code (the default size limit is 5 MB): at most ~1 GB for the stdlib tree
# and ~3 GB for libcst's. A token takes at least one byte, so smaller files are never counted.
MAX_TOKENS = 1_500_000

# Where a string or comment starts; where it ends is found with bytes.find, because a regular
# expression that walks a 50 MB literal keeps a backtracking entry per escape (gigabytes).
_OPENER = re.compile(rb"#|[rRbBuUfFtT]{0,3}('''|\"\"\"|'|\")")
_SINGLE_END = {b"'": re.compile(rb"['\n]"), b'"': re.compile(rb'["\n]')}
_WORD_OR_SYMBOL = re.compile(rb"\w+|[^\w\s]")
_CODE_TOKEN = re.compile(rb"""
    (?P<skip>\\\r?\n)
  | (?P<open>[(\[{])
  | (?P<close>[)\]}])
  | (?P<sep>[,;\n])
  | (?P<colon>:(?!=))
  | (?P<lambda>\blambda\b)
  | (?P<op>\*\*|//|<<|>>|:=|->|[-+*/%@&|^~.]|\b(?:and|or|not|if|await|yield)\b)
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*|\d[\w.]*)
""", re.VERBOSE)
_CHUNK = 1 << 20


def _segments(data: bytes):
    """(kind, start, end) over `data`: "code" between strings and comments, and each "str"."""
    pos, size = 0, len(data)
    while pos < size:
        match = _OPENER.search(data, pos)
        if match is None:
            yield "code", pos, size
            return
        yield "code", pos, match.start()
        if match.group() == b"#":
            newline = data.find(b"\n", match.end())
            pos = size if newline < 0 else newline  # the newline still ends the statement
            continue
        pos = _string_end(data, match.end(), match.group(1))
        yield "str", match.start(), pos


def _string_end(data: bytes, pos: int, quote: bytes) -> int:
    """Index just past the string whose body starts at `pos` (the end of data if unterminated)."""
    while True:
        if len(quote) == 3:
            found = data.find(quote, pos)
        else:
            hit = _SINGLE_END[quote].search(data, pos)
            found = hit.start() if hit else -1
        if found < 0:
            return len(data)
        if _escaped(data, found):
            pos = found + 1
            continue
        return found if data[found:found + 1] == b"\n" else found + len(quote)


def _escaped(data: bytes, index: int) -> bool:
    count = 0
    while index - count > 0 and data[index - count - 1] == 0x5C:  # backslash
        count += 1
    return count % 2 == 1


def size_problem(data: bytes) -> Optional[str]:
    """Why `data` holds too many tokens to parse within the memory budget, or None."""
    if len(data) <= MAX_TOKENS:
        return None
    tokens = 0
    for kind, start, end in _segments(data):
        if kind == "str":
            tokens += 1
            continue
        for piece in range(start, end, _CHUNK):  # a count per megabyte, never one huge list
            tokens += len(_WORD_OR_SYMBOL.findall(data, piece, min(end, piece + _CHUNK)))
    if tokens <= MAX_TOKENS:
        return None
    return (f"too large to analyse: {tokens:,} tokens (the limit is {MAX_TOKENS:,}); "
            f"parsing it would take about {tokens * 650 / 1e9:.1f} GB of memory")


class _Depth:
    """Running estimate of how deeply libcst will nest: open brackets plus chained operators.

    Each bracket level keeps the length of its current operator chain; a comma, a semicolon or a
    newline outside brackets ends a chain, except between `lambda` and its colon, where commas
    separate parameters and the body still nests inside the lambda. A bracket right after a
    name, bracket or string (a call or subscript) and a string right after a string (implicit
    concatenation) nest in libcst too. Deliberately an over-estimate: it only has to be safe.
    """

    def __init__(self):
        self.runs = [0]  # operator chain length per open bracket level
        self.lambdas = [0]  # lambdas per level still waiting for their colon
        self.total = self.brackets = self.deepest = 0
        self.previous = None

    def feed(self, kind: str) -> None:
        if kind == "open" and self.previous in ("name", "close", "str"):
            kind = "trailer"
        if kind in ("op", "lambda", "trailer") or (kind == "str" and self.previous == "str"):
            self.runs[-1] += 1
            self.total += 1
        if kind == "lambda":
            self.lambdas[-1] += 1
        elif kind == "colon" and self.lambdas[-1]:
            self.lambdas[-1] -= 1
        elif kind in ("open", "trailer"):
            self.runs.append(0)
            self.lambdas.append(0)
            self.brackets = max(self.brackets, len(self.runs) - 1)
        elif kind == "close" and len(self.runs) > 1:
            self.total -= self.runs.pop()
            self.lambdas.pop()
        elif kind == "sep" and not self.lambdas[-1]:
            self.total -= self.runs[-1]
            self.runs[-1] = 0
        self.deepest = max(self.deepest, len(self.runs) - 1 + self.total)
        self.previous = kind


def nesting_problem(data: bytes) -> Optional[str]:
    """Why `data` is too deeply nested to hand to libcst, or None when it is safe."""
    depth = _Depth()
    for kind, start, end in _segments(data):
        if kind == "str":
            depth.feed("str")
            continue
        for match in _CODE_TOKEN.finditer(data, start, end):
            token = match.lastgroup
            if token == "skip" or (token == "sep" and match.group() == b"\n" and len(depth.runs) > 1):
                continue  # a newline inside brackets continues the expression
            depth.feed(token)
            if depth.brackets > MAX_BRACKETS:
                return f"too deeply nested to parse safely: more than {MAX_BRACKETS} nested brackets (Python itself refuses this)"
            if depth.deepest > MAX_NESTING:
                return f"too deeply nested to parse safely: an expression nests more than {MAX_NESTING} levels deep"
    return None
