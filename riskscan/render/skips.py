"""What the scan left out, said the same way in every format: skipped files, and notebook cells left out of scanned notebooks.

A file is skipped because it could not be *read* (permissions, not a regular file, binary or
undecodable bytes, not a notebook), could not be *parsed* (a syntax error, nesting beyond what a
parser survives), was over the *size* limit, or crashed the analysis. "Could not be read" is only
said of the first: a file with a syntax error was read.
"""
from __future__ import annotations

from ..places import place

_PARSED = ("syntax error", "too deeply nested", "too large to parse", "too large to analyse")
_SIZE = ("file is larger than the size limit", "the notebook's code cells are larger")
_CRASHED = ("the analysis crashed",)
VERBS = {"read": "could not be read", "parse": "could not be parsed", "size": "are over the size limit",
         "crash": "crashed the analysis"}
_ONE = {"read": "could not be read", "parse": "could not be parsed", "size": "is over the size limit",
        "crash": "crashed the analysis"}


def kind(reason: str) -> str:
    """"read", "parse", "size" or "crash": why a file was skipped, from its reason."""
    if reason.startswith(_PARSED):
        return "parse"
    if reason.startswith(_SIZE):
        return "size"
    return "crash" if reason.startswith(_CRASHED) else "read"


def where(item) -> str:
    """A skip's place: "path", "path:line", or "path[cell 3]:line" (the line counts within the cell)."""
    get = item.get if isinstance(item, dict) else (lambda key, default=None: getattr(item, key, default))
    if get("line"):
        return place(get("path"), get("line"), get("cell"))
    return f"{get('path')}[cell {get('cell')}]" if get("cell") is not None else str(get("path"))


def summary(skipped: list, cells: list) -> str:
    """One sentence for a report's header: "2 files could not be parsed and 1 could not be read, so
    the figures leave them out; 3 notebook cells could not be parsed and were left out (the rest of
    their notebooks was scanned)." Empty when nothing was left out."""
    parts = []
    if skipped:
        counts: dict = {}
        for item in skipped:
            reason = item["reason"] if isinstance(item, dict) else item.reason
            counts[kind(reason)] = counts.get(kind(reason), 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        first, *rest = ranked
        text = f"{_files(first[1])} {(VERBS if first[1] != 1 else _ONE)[first[0]]}"
        text += "".join(f" and {n} {(VERBS if n != 1 else _ONE)[k]}" for k, n in rest)
        parts.append(text + f", so the figures leave {'it' if len(skipped) == 1 else 'them'} out")
    if cells:
        verb = "was" if len(cells) == 1 else "were"
        parts.append(f"{len(cells)} notebook cell{'' if len(cells) == 1 else 's'} could not be parsed and {verb} left out "
                     "(the rest of each notebook was scanned)")
    return ("; ".join(parts) + ".") if parts else ""


def _files(n: int) -> str:
    return "1 file" if n == 1 else f"{n:,} files"
