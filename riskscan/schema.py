"""A small declarative validator for rule files: every problem in a file is collected, with its key and line."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Optional


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a data file; printed as `file:line: key: message`."""

    path: str
    line: Optional[int]
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class Field:
    """Base of the schema nodes; `check` returns messages keyed by a dotted path."""

    def __init__(self, required: bool = False):
        self.required = required

    def check(self, value: Any, key: str) -> list:  # pragma: no cover - overridden
        raise NotImplementedError


class Str(Field):
    def __init__(self, required=False, choices=None, pattern=None, allow_empty=True):
        super().__init__(required)
        self.choices, self.pattern, self.allow_empty = choices, pattern, allow_empty

    def check(self, value, key):
        if not isinstance(value, str):
            return [(key, f"expected a string, got {type(value).__name__}")]
        if not value and not self.allow_empty:
            return [(key, "must not be empty")]
        if self.choices and value not in self.choices:
            return [(key, f"{value!r} is not one of {', '.join(self.choices)}")]
        if self.pattern and value and not re.fullmatch(self.pattern, value):
            return [(key, f"{value!r} does not match {self.pattern}")]
        return []


class Regex(Str):
    def check(self, value, key):
        problems = super().check(value, key)
        if problems:
            return problems
        try:
            re.compile(value)
        except re.error as exc:
            return [(key, f"invalid regular expression: {exc}")]
        return []


class Int(Field):
    def check(self, value, key):
        if isinstance(value, bool) or not isinstance(value, int):
            return [(key, f"expected an integer, got {type(value).__name__}")]
        return []


class Bool(Field):
    def check(self, value, key):
        return [] if isinstance(value, bool) else [(key, f"expected true or false, got {type(value).__name__}")]


class OneOf(Field):
    """A value that may take any of several shapes (a keyword name or a position)."""

    def __init__(self, *options, required=False):
        super().__init__(required)
        self.options = options

    def check(self, value, key):
        for option in self.options:
            if not option.check(value, key):
                return []
        return [(key, f"unexpected value {value!r}")]


class List(Field):
    def __init__(self, item: Field, required=False):
        super().__init__(required)
        self.item = item

    def check(self, value, key):
        if not isinstance(value, list):
            return [(key, f"expected a list, got {type(value).__name__}")]
        problems = []
        for index, element in enumerate(value):
            problems += self.item.check(element, f"{key}[{index}]")
        return problems


class Table(Field):
    def __init__(self, fields: dict, required=False):
        super().__init__(required)
        self.fields = fields

    def check(self, value, key):
        if not isinstance(value, dict):
            return [(key, f"expected a table, got {type(value).__name__}")]
        problems = []
        prefix = f"{key}." if key else ""
        for name in value:
            if name not in self.fields:
                hint = _close_match(name, self.fields)
                problems.append((prefix + name, "unknown key" + (f" (did you mean {hint!r}?)" if hint else "")))
        for name, field in self.fields.items():
            if name in value:
                problems += field.check(value[name], prefix + name)
            elif field.required:
                problems.append((prefix + name, "required key is missing"))
        return problems


class Tables(Field):
    """An array of tables (`[[name]]` in TOML)."""

    def __init__(self, fields: dict, required=False):
        super().__init__(required)
        self.table = Table(fields)

    def check(self, value, key):
        if not isinstance(value, list):
            return [(key, f"expected an array of tables ([[{key}]]), got {type(value).__name__}")]
        problems = []
        for index, element in enumerate(value):
            problems += self.table.check(element, f"{key}[{index}]")
        return problems


def _close_match(name: str, candidates) -> Optional[str]:
    import difflib

    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    return matches[0] if matches else None


def close_match(name: str, candidates) -> Optional[str]:
    """The closest known key to a misspelt one, for 'did you mean' hints."""
    return _close_match(name, candidates)


def locate(text: str, key: str) -> Optional[int]:
    """Best-effort line of a dotted key; a key that is a table (`[tool.riskscan]`) is found by its header."""
    line = _locate_assignment(text, key)
    if line is not None:
        return line
    header = re.compile(rf"^\s*\[+\s*{re.escape(key)}(\s*\]|\.)")
    for number, content in enumerate(text.splitlines(), 1):
        if header.match(content):
            return number
    return None


def _locate_assignment(text: str, key: str) -> Optional[int]:
    """Best-effort line of a dotted key such as `clients[2].qualnames[1]` in TOML text.

    tomllib gives no positions, so this walks table headers: good enough to point a person at
    the right place, which is all a validation message needs.
    """
    parts = re.findall(r"([A-Za-z0-9_\-]+)(?:\[(\d+)\])?", key)
    lines = text.splitlines()
    start, table = 0, ""
    for depth, (name, index) in enumerate(parts):
        is_last = depth == len(parts) - 1
        header_array = re.compile(rf"^\s*\[\[\s*{re.escape(_join(table, name))}\s*\]\]")
        header_table = re.compile(rf"^\s*\[\s*{re.escape(_join(table, name))}\s*\]")
        assign = re.compile(rf"^\s*{re.escape(name)}\s*=")
        if index and not is_last or (index and any(header_array.match(l) for l in lines[start:])):
            seen = -1
            for number in range(start, len(lines)):
                if header_array.match(lines[number]):
                    seen += 1
                    if seen == int(index):
                        start, table = number, _join(table, name)
                        break
            else:
                return None
            if is_last:
                return start + 1
            continue
        for number in range(start, len(lines)):
            if header_table.match(lines[number]) and not is_last:
                start, table = number, _join(table, name)
                break
            if assign.match(lines[number]):
                if is_last or not index:
                    return number + 1
                start = number
                break
        else:
            return None
    return start + 1


def _join(table: str, name: str) -> str:
    return f"{table}.{name}" if table else name


class Number(Field):
    """An integer or float within bounds; `integer=True` refuses fractions (a count of workers)."""

    def __init__(self, required=False, minimum=None, maximum=None, integer=False):
        super().__init__(required)
        self.minimum, self.maximum, self.integer = minimum, maximum, integer

    def check(self, value, key):
        kinds = (int,) if self.integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            expected = "an integer" if self.integer else "a number"
            return [(key, f"expected {expected}, got {type(value).__name__}")]
        if isinstance(value, float) and not math.isfinite(value):  # nan compares false with every limit
            return [(key, f"{value!r} is not a finite number")]
        if self.minimum is not None and value < self.minimum or self.maximum is not None and value > self.maximum:
            low = "" if self.minimum is None else self.minimum
            high = "" if self.maximum is None else self.maximum
            return [(key, f"{value!r} is outside the allowed range [{low}, {high}]")]
        return []


class Map(Field):
    """A table whose keys are the user's own (globs, names), each value checked by one field."""

    def __init__(self, value: Field, required=False):
        super().__init__(required)
        self.value = value

    def check(self, value, key):
        if not isinstance(value, dict):
            return [(key, f"expected a table, got {type(value).__name__}")]
        problems = []
        for name, element in value.items():
            problems += self.value.check(element, f"{key}.{name}" if key else name)
        return problems


class Date(Field):
    """A TOML date written bare (`2026-10-23`), never a quoted string or a date with a time."""

    def check(self, value, key):
        import datetime

        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return []
        return [(key, f"expected a date written as YYYY-MM-DD without quotes, got {value!r}")]
