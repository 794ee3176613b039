"""Parser budgets: refuse, before parsing, a file that would crash libcst, exhaust memory or keep it busy for minutes.

libcst's native parser recurses once per nesting level and has no depth limit of its own:
5,000 nested brackets or a 20,000-term chain overflow its stack and kill the process (nothing
to catch), and its time grows with the square of an expression's depth (a chain of 500
subscripts takes 0.1 s, one of 5,000 a minute). Both parsers hold the whole tree in memory,
about 650 bytes (ast) and 2 KB (libcst) per token, so a 50 MB module of dense code needs 8 GB
for the stdlib tree alone.

Nesting is estimated from tokens read with regular expressions, inside f-string holes too: libcst
parses a hole as code, so a string is not one token. When the stdlib parser has read the same
bytes (the usual case), its tree says where the statements are and only statements of at least
MAX_NESTING bytes are read: every level of nesting takes at least one byte, so a shorter
statement cannot reach the limit. The work estimate (the sum of the depths of all nodes, which
libcst's time follows) comes from the walk that numbers the stdlib tree for positions.
"""
from __future__ import annotations

import ast
import re
from itertools import accumulate
from typing import Optional

# CPython's tokenizer refuses more than 200 open brackets (MAXLEVEL): such a file runs nowhere.
MAX_BRACKETS = 200
# riskscan's libcst visitors stop with RecursionError at about 350 levels, so a deeper
# expression cannot be analysed anyway; 500 leaves headroom and costs libcst under a second.
MAX_NESTING = 500
# About 6 MB of dense code (the default size limit is 5 MB): at most ~1 GB for the stdlib tree
# and ~3 GB for libcst's. A token takes at least one byte, so smaller files are never counted.
MAX_TOKENS = 1_500_000
# The sum of all nodes' depths. libcst spends up to 0.6 us per unit on deep chains (measured on
# subscripts, its slowest case), so this bounds a file to about 12 s; ordinary code has under
# 0.7 units a byte, so a 5 MB module of it stays below 4,000,000.
MAX_WORK = 20_000_000

# Where a string or comment starts; where it ends is found with bytes.find, because a regular
# expression that walks a 50 MB literal keeps a backtracking entry per escape (gigabytes).
# A prefix counts only where a name cannot continue into it (`if"x"` is `if` and a plain string).
_OPENER = re.compile(rb"#|(?:(?<!\w)([rRbBuUfFtT]{1,3})|)('''|\"\"\"|'|\")")
_SINGLE_END = {b"'": re.compile(rb"['\n]"), b'"': re.compile(rb'["\n]')}
_WORD_OR_SYMBOL = re.compile(rb"\w+|[^\w\s]")
_CODE_TOKEN = re.compile(rb"""
    (?P<skip>\\\r?\n)
  | (?P<open>[(\[{])
  | (?P<close>[)\]}])
  | (?P<newline>\n)
  | (?P<sep>[,;])
  | (?P<colon>:(?!=))
  | (?P<lambda>\blambda\b)
  | (?P<op>\*\*|//|<<|>>|:=|->|[-+*/%@&|^~.]|\b(?:and|or|not|if|for|await|yield)\b)
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*|\d[\w.]*)
""", re.VERBOSE)
# In an f-string's text: a hole, a brace, an escape, the closing quote (a line end closes a
# single-quoted string that was never closed).
_FORMATTED_STOPS = {quote: re.compile(rb"[{}\\]|" + re.escape(quote) + (rb"|\n" if len(quote) == 1 else b""))
                    for quote in (b"'", b'"', b"'''", b'"""')}
# In a format spec: a nested hole, the hole's end, or the string's end (a spec cannot hold its quote).
_SPEC_STOPS = {quote: re.compile(rb"[{}]|" + re.escape(quote) + (rb"|\n" if len(quote) == 1 else b""))
               for quote in (b"'", b'"', b"'''", b'"""')}
_CHUNK = 1 << 20
_LINE_END = re.compile(rb"\r\n?|\n")  # the stdlib parser's line ends
_CODING = re.compile(rb"\A(?:[^\n]*\n)?[ \t\f]*#[^\n]*?coding[:=][ \t]*([-\w.]+)")


# ---------------------------------------------------------------------- strings and comments
def _segments(data: bytes, pos: int = 0, size: Optional[int] = None):
    """(kind, start, end) over data[pos:size]: "code" between strings and comments, and each "str"."""
    size = len(data) if size is None else size
    while pos < size:
        match = _OPENER.search(data, pos, size)
        if match is None:
            yield "code", pos, size
            return
        yield "code", pos, match.start()
        if match.group() == b"#":
            newline = data.find(b"\n", match.end(), size)
            pos = size if newline < 0 else newline  # the newline still ends the statement
            continue
        pos = _string_end(data, match.end(), match.group(2), size)
        yield "str", match.start(), pos


def _string_end(data: bytes, pos: int, quote: bytes, size: int) -> int:
    """Index just past the string whose body starts at `pos` (`size` if unterminated)."""
    while True:
        if len(quote) == 3:
            found = data.find(quote, pos, size)
        else:
            hit = _SINGLE_END[quote].search(data, pos, size)
            found = hit.start() if hit else -1
        if found < 0:
            return size
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


# ---------------------------------------------------------------------- tokens, inside f-strings too
class _Tokens:
    """The token kinds the depth estimate needs, from data[pos:end], f-string holes included.

    libcst (like Python from 3.12) parses a hole (`{expr}`) as code nested inside its string, so
    a hole is reported as a bracket around its tokens ("hole" ... "close"). Inside a hole a quote
    starts a nested string (3.12 rules, which libcst follows; on code older Pythons accept, both
    rules read the same). `self.pos` is where the last call stopped.
    """

    def __init__(self, data: bytes, end: int):
        self.data, self.end, self.pos = data, end, 0

    def code(self, pos: int, in_hole: bool = False):
        """Kinds of the tokens from `pos`: to the end, or in a hole to its `}` or `:` (format spec)."""
        data, end, depth = self.data, self.end, 0
        while pos < end:
            opener = _OPENER.search(data, pos, end)
            stop = opener.start() if opener else end
            for token in _CODE_TOKEN.finditer(data, pos, stop):
                kind = token.lastgroup
                if in_hole:
                    if kind == "open":
                        depth += 1
                    elif kind == "close" or (kind == "colon" and not depth):
                        if not depth:
                            self.pos = token.start()
                            return
                        depth -= 1
                yield kind
            if opener is None:
                break
            if opener.group() == b"#":
                newline = data.find(b"\n", opener.end(), end)
                pos = end if newline < 0 else newline  # the newline still ends the statement
                continue
            yield "str"
            prefix, quote = (opener.group(1) or b"").lower(), opener.group(2)
            if b"f" in prefix or b"t" in prefix:
                yield from self.formatted(opener.end(), quote)
                pos = self.pos
            else:
                pos = _string_end(data, opener.end(), quote, end)
            yield "str_end"
        self.pos = end

    def formatted(self, pos: int, quote: bytes):
        """The holes of the f-string (or t-string) whose text starts at `pos`, to its closing quote."""
        data, end, stops = self.data, self.end, _FORMATTED_STOPS[quote]
        while pos < end:
            hit = stops.search(data, pos, end)
            if hit is None:
                break
            char, pos = hit.group(), hit.end()
            if char == b"\\":
                if data[pos:pos + 2] == b"N{":  # a named character, \N{...}, is no hole
                    close = data.find(b"}", pos, end)
                    pos = end if close < 0 else close + 1
                elif data[pos:pos + 1] != b"{":  # an escaped character (a raw string keeps it, and
                    pos += 1  # it does not end the string either)
            elif char == b"{" and data[pos:pos + 1] == b"{":
                pos += 1  # a literal brace
            elif char == b"{":
                yield from self.hole(pos, quote)
                pos = self.pos
            elif char != b"}":  # the closing quote, or the line end of an unclosed string
                self.pos = pos if char == quote else hit.start()
                return
        self.pos = end

    def hole(self, pos: int, quote: bytes):
        """One hole from just after its `{`: the expression, then a format spec (text with holes of
        its own), to just past the closing `}`."""
        yield "hole"
        yield from self.code(pos, in_hole=True)
        pos, data = self.pos, self.data
        if data[pos:pos + 1] == b":":
            while True:
                stop = _SPEC_STOPS[quote].search(data, pos + 1, self.end)
                if stop is None or stop.group() != b"{":
                    pos = stop.start() if stop else self.end
                    break
                yield from self.hole(stop.end(), quote)
                pos = self.pos - 1
        yield "close"
        self.pos = pos + 1 if data[pos:pos + 1] == b"}" else pos


class _Depth:
    """Running estimate of how deeply libcst will nest: open brackets plus chained operators.

    Each bracket level keeps the length of its current operator chain; a comma, a semicolon or a
    line end outside brackets ends a chain, except between `lambda` and its colon, where commas
    separate parameters and the body still nests inside the lambda. A bracket right after a
    name, bracket or string (a call or subscript) and a string right after a string (implicit
    concatenation) nest in libcst too. Deliberately an over-estimate: it only has to be safe.
    `work` sums the depth at every token, libcst's time (see MAX_WORK).
    """

    def __init__(self):
        self.runs = [0]  # operator chain length per open bracket level
        self.lambdas = [0]  # lambdas per level still waiting for their colon
        self.total = self.brackets = self.deepest = self.work = 0
        self.previous = None

    def feed(self, kind: str) -> None:
        if kind == "str_end":
            self.previous = "str"  # what follows an f-string follows a string, not its last hole
            return
        if kind == "newline":
            if len(self.runs) > 1:
                return  # a line end inside brackets continues the expression
            kind = "sep"
        if kind == "open" and self.previous in ("name", "close", "str"):
            kind = "trailer"
        if kind in ("op", "lambda", "trailer") or (kind == "str" and self.previous == "str"):
            self.runs[-1] += 1
            self.total += 1
        if kind == "lambda":
            self.lambdas[-1] += 1
        elif kind == "colon" and self.lambdas[-1]:
            self.lambdas[-1] -= 1
        elif kind in ("open", "trailer", "hole"):
            self.runs.append(0)
            self.lambdas.append(0)
            self.brackets = max(self.brackets, len(self.runs) - 1)
        elif kind == "close" and len(self.runs) > 1:
            self.total -= self.runs.pop()
            self.lambdas.pop()
        elif kind == "sep" and not self.lambdas[-1]:
            self.total -= self.runs[-1]
            self.runs[-1] = 0
        depth = len(self.runs) - 1 + self.total
        self.deepest = max(self.deepest, depth)
        self.work += depth
        self.previous = kind


# ---------------------------------------------------------------------- the budget
def nesting_problem(data: bytes, tree=None, work: Optional[int] = None) -> Optional[str]:
    """Why `data` is too deeply nested to hand to libcst, or None when it is safe.

    `tree` is the stdlib parse of the same bytes, when there is one: then only its long
    statements are read, and `work` is the work estimate from that tree.
    """
    regions = _long_statements(tree, data) if tree is not None and _offsets_are_bytes(data) else None
    if regions is None:
        regions, work = [(0, len(data))], None
    counted = 0
    for start, end in regions:
        depth = _Depth()
        for kind in _Tokens(data, end).code(start):
            depth.feed(kind)
            if depth.brackets > MAX_BRACKETS:
                return f"too deeply nested to parse safely: more than {MAX_BRACKETS} nested brackets (Python itself refuses this)"
            if depth.deepest > MAX_NESTING:
                return f"too deeply nested to parse safely: an expression nests more than {MAX_NESTING} levels deep"
        counted += depth.work
    return work_problem(counted if work is None else work)


def work_problem(work: int) -> Optional[str]:
    if work <= MAX_WORK:
        return None
    return (f"too deeply nested to parse in reasonable time: a nesting work of {work:,} "
            f"(the limit is {MAX_WORK:,})")


def _offsets_are_bytes(data: bytes) -> bool:
    """The stdlib tree counts columns in UTF-8 bytes of the decoded text: the file's own bytes
    unless it declares another encoding (PEP 263) and uses it."""
    if data.isascii():
        return True
    declared = _CODING.match(data)
    name = declared.group(1).decode("ascii").lower().replace("_", "-") if declared else "utf-8"
    return name.startswith("utf-8") or name == "utf8"


def _long_statements(tree, data: bytes) -> list:
    """(start, end) bytes of each simple statement, and each compound statement's header
    (decorators to body), that is at least MAX_NESTING bytes long: only those can nest that deep."""
    ends = None  # where each line ends, its line break included; computed if a statement spans lines
    regions = []
    stack = list(tree.body)
    pop, extend, blocks_of = stack.pop, stack.extend, _BLOCKS.get
    while stack:
        node = pop()
        blocks = blocks_of(type(node))
        if blocks is None:  # a simple statement
            first, column, last, last_column = node.lineno, node.col_offset, node.end_lineno, node.end_col_offset
        else:
            for name in blocks:
                extend(getattr(node, name))
            first, column, last, last_column = _header(node, extend)
        if first == last and last_column - column < MAX_NESTING:
            continue  # one short line: no need to know where lines start
        if ends is None:
            ends = [0, 3 if data.startswith(b"\xef\xbb\xbf") else 0]  # the parser counts columns after a BOM
            ends += accumulate(map(len, data.splitlines(True)))  # bytes.splitlines: \r\n, \r, \n, as the parser
        start = ends[first] + column if first < len(ends) else len(data)
        end = ends[last] + last_column if last < len(ends) else len(data)
        if end - start >= MAX_NESTING:
            regions.append((start, end))
    return regions


def _header(node, extend) -> tuple:
    """(line, column, line, column) of a compound statement's header, from its first decorator (or
    keyword) to its first statement; a match's cases are queued as headers of their own."""
    first, column = node.lineno, node.col_offset
    for decorator in getattr(node, "decorator_list", ()):
        first, column = min((first, column), (decorator.lineno, decorator.col_offset))
    if type(node) is not _MATCH:
        body = node.body[0]
        return first, column, body.lineno, body.col_offset
    for case in node.cases:
        extend(case.body)
        extend([_CaseHeader(case)])
    pattern = node.cases[0].pattern
    return first, column, pattern.lineno, pattern.col_offset


class _CaseHeader:
    """A `case` clause has no position of its own: its header runs from its pattern to its body."""

    def __init__(self, case):
        self.lineno, self.col_offset = case.pattern.lineno, case.pattern.col_offset
        self.end_lineno, self.end_col_offset = case.body[0].lineno, case.body[0].col_offset


# Compound statements and the fields that hold their statements (a match holds case clauses).
_MATCH = getattr(ast, "Match", None)
_BLOCKS = {kind: tuple(f for f in ("body", "orelse", "finalbody", "handlers") if f in kind._fields)
           for kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor, ast.While,
                        ast.With, ast.AsyncWith, ast.Try, getattr(ast, "TryStar", ast.Try), ast.ExceptHandler, _MATCH)
           if kind is not None}
