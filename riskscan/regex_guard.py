"""Regular expressions from rule folders outside the built-in catalogue: accepted only in a shape
Python's backtracking engine searches in time linear in the text.

A scanned repository can bring its own rule folder (its configuration names it), and its patterns
run over every string literal of every file, up to megabytes each. `^(a+)+$` takes exponential
time on a line of `a`s, and even `a+b` takes quadratic time: 11 seconds on 100,000 `a`s. So a
pattern of a rule file of one's own must:

- hold at most one open-ended repeat (`+`, `*`, `{n,}`, or more than 512) of one character or
  class, and it must end the pattern or the pattern must be anchored (`^…`): then no search
  backtracks through it from more than one place;
- repeat a group only as optional (`(-mini)?`), and have no back-references;
- keep the other repeats short (their choices multiplied at most 4,096).

Key formats (`prefix[A-Za-z0-9]{40,}`) and model names (`^gpt-4o(-mini)?`) have this shape; the
built-in catalogue is reviewed code and is not held to it.
"""
from __future__ import annotations

import re
from typing import Optional

try:  # Python 3.11+
    from re import _constants as C, _parser as parser
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as C
    import sre_parse as parser

_LONG = 512
_MAX_CHOICES = 4096
_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT} | ({C.POSSESSIVE_REPEAT} if hasattr(C, "POSSESSIVE_REPEAT") else set())
_ANCHORS = {C.AT_BEGINNING, C.AT_BEGINNING_STRING}


class _Shape:
    def __init__(self):
        self.long, self.choices, self.problem = [], 1, None


def rule_file_problems(data: dict) -> list:
    """(key, message) for each pattern of a vendor rule file from a folder of one's own that may backtrack."""
    models = data.get("models") if isinstance(data.get("models"), dict) else {}
    named = [(f"secrets[{i}].pattern", s.get("pattern")) for i, s in enumerate(data.get("secrets") or ()) if isinstance(s, dict)]
    named += [(f"models.patterns[{i}]", p) for i, p in enumerate(models.get("patterns") or ())]
    found = [(key, untrusted_pattern_problem(pattern)) for key, pattern in named if isinstance(pattern, str)]
    return [(key, f"the pattern is refused: {problem}") for key, problem in found if problem]


def untrusted_pattern_problem(pattern: str) -> Optional[str]:
    """Why `pattern` may take more than linear time to search, or None when it cannot."""
    try:
        parsed = parser.parse(pattern)
        items, empty = list(parsed), parsed.getwidth()[0] == 0
    except (re.error, RecursionError, OverflowError, IndexError):
        return None  # not a valid pattern at all: the schema says so
    if empty:
        return "it can match empty text (it would match every string)"
    shape = _Shape()
    _walk(items, shape, top=True)
    if shape.problem:
        return shape.problem
    if shape.choices > _MAX_CHOICES:
        return "its repeats and alternatives allow too many ways to match (keep bounded repeats short)"
    if len(shape.long) > 1:
        return "more than one open-ended repeat (+, *, {n,}) can take polynomial time; keep one, at the end"
    anchored = bool(items) and items[0][0] is C.AT and items[0][1] in _ANCHORS
    if shape.long and not anchored and shape.long[0] is not items[-1]:
        return "an open-ended repeat (+, *, {n,}) must end the pattern, or the pattern must start with ^"
    return None


def _walk(items, shape: _Shape, top: bool = False) -> None:
    for item in items:
        op, value = item
        if op in _REPEATS:
            _repeat(item, shape, top)
        elif op is C.BRANCH:
            shape.choices *= max(1, len(value[1]))
            for branch in value[1]:
                _walk(branch, shape)
        elif op is C.SUBPATTERN:
            _walk(value[-1], shape)
        elif op in (C.ASSERT, C.ASSERT_NOT):
            _walk(value[1], shape)
        elif op in (C.GROUPREF, C.GROUPREF_EXISTS):
            shape.problem = shape.problem or "back-references and conditional groups are not allowed in a rule file of your own"


def _repeat(item, shape: _Shape, top: bool) -> None:
    low, high, body = item[1]
    open_ended = high is C.MAXREPEAT or high > _LONG
    if body.getwidth() != (1, 1):  # a repeated group
        if high > 1:
            shape.problem = shape.problem or "a repeated group ((…)+, (…)*, (…){n}) can take exponential time; repeat single characters"
        shape.choices *= 2
        _walk(body, shape)
        return
    if open_ended:
        shape.long.append(item if top else None)
    else:
        shape.choices *= high - low + 1
