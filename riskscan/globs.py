"""Gitignore-style globs from files a scanned repository controls (.gitignore, its configuration), matched in linear time.

pathspec turns each glob into a regular expression. Under Python's backtracking engine a line
such as `*a*a*a*a*a*a*a*a*b` against one long file name runs for minutes, so a repository could
stall every scan of it. With google-re2 installed, pathspec matches with RE2, whose time is linear
in the path whatever the glob. Without it, a glob whose single path component holds more than
two `*` runs (the shape that backtracks) is left out: the scan then reads files that line would
have ignored, never fewer.
"""
from __future__ import annotations

import re
from functools import lru_cache

import pathspec

_STAR_RUNS = re.compile(r"\*+")
_MAX_STAR_RUNS = 2
_SURROGATE = re.compile("[\ud800-\udfff]")  # an undecodable byte of a file name (os.fsdecode)


@lru_cache(maxsize=1)
def linear_engine() -> bool:
    """Whether pathspec matches with RE2 here (google-re2 installed and working)."""
    try:
        pathspec.GitIgnoreSpec.from_lines(["*.py"], backend="re2").match_file("x.py")
        return True
    except Exception:  # not installed, a build that cannot load, a pathspec without backends: the fallback holds
        return False


def spec(lines) -> pathspec.PathSpec:
    """A gitignore spec of `lines`, safe to match against any path."""
    lines = list(lines)
    if linear_engine():
        return pathspec.GitIgnoreSpec.from_lines(lines, backend="re2")
    kept = [line for line in lines if not backtracks(line)]
    try:
        return pathspec.GitIgnoreSpec.from_lines(kept, backend="simple")
    except TypeError:  # pathspec before 1.0 has one engine, Python's, and no backend argument
        return pathspec.GitIgnoreSpec.from_lines(kept)


def backtracks(line: str) -> bool:
    """A glob that Python's engine may take exponential time on: more than two `*` runs within
    one path component (a component that is just `**` crosses folders and is matched apart)."""
    return any(part != "**" and len(_STAR_RUNS.findall(part)) > _MAX_STAR_RUNS for part in line.strip().split("/"))


def matches(compiled: pathspec.PathSpec, path: str) -> bool:
    """`compiled` matches `path`; an undecodable byte of a file name matches `?` (RE2 reads UTF-8 only)."""
    return compiled.match_file(_SURROGATE.sub("\ufffd", path) if _SURROGATE.search(path) else path)
