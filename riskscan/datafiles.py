"""Load the data tables that sit beside the vendor catalogue (rules/<table>/*.toml), every problem at once."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

from .errors import RuleFileError
from .ruleset import read_toml, builtin_rules_dir
from .schema import Problem, Table, locate


@dataclass(frozen=True)
class DataFile:
    """One validated table file: its path and text (for line numbers) and its data."""

    path: Path
    text: str
    data: dict

    def where(self, key: str) -> str:
        """`file:line` of a dotted key, the way validation messages and findings cite their source."""
        line = _line(self.text, key)
        return f"{self.path}:{line}" if line else str(self.path)


def _line(text: str, key: str):
    """The line of a dotted key; for a key that is missing, the line of the table that should hold it."""
    while True:
        line = locate(text, key)
        if line or "." not in key:
            return line
        key = key.rsplit(".", 1)[0]


def table_dirs(table: str, extra_dirs: Iterable = ()) -> list:
    """The built-in `rules/<table>/` first, then `<dir>/<table>/` of each `--rules` folder that has one."""
    builtin = builtin_rules_dir() / table
    if not builtin.is_dir():
        raise RuleFileError([Problem(str(builtin), None, "", "the built-in data files are missing from this installation")])
    return [builtin] + [Path(d) / table for d in extra_dirs if (Path(d) / table).is_dir()]


def load_table(table: str, schema: Table, extra_dirs: Iterable = (),
               check: Optional[Callable] = None) -> tuple:
    """(files, version) of one data table; RuleFileError lists every problem of every file.

    `check(file)` adds cross-field problems as (key, message) pairs once the schema passes.
    The version is a digest of the files, so a report can say which data it used.
    """
    problems, files = [], []
    digest = hashlib.sha256()
    for directory in table_dirs(table, extra_dirs):
        for path in sorted(directory.glob("*.toml")):
            data, text = read_toml(path, problems)
            if data is None:
                continue
            digest.update(f"{table}/{path.name}".encode() + b"\0" + text.encode())
            found = schema.check(data, "")
            if not found and check is not None:
                found = check(DataFile(path, text, data))
            problems += [Problem(str(path), _line(text, key), key, message) for key, message in found]
            if not found:
                files.append(DataFile(path, text, data))
    if problems:
        raise RuleFileError(problems)
    return files, digest.hexdigest()[:16]
