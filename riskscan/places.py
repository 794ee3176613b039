"""Where something is in the code, said one way in every output: `path:line`, or `path[cell 3]:line` in a notebook.

A notebook's lines count within each code cell (README, "findings[].line"), so a line number
without its cell names two places at once: every piece of evidence a report prints (reasons,
decisions, tables, `scores.unreached`, the calendar) goes through `place`, and places travel as
`spot` tuples: (path, line) for a module, (path, line, cell) for a notebook.
"""
from __future__ import annotations

from typing import Optional


def place(path: str, line, cell: Optional[int] = None) -> str:
    """"app/api.py:12", or "nb/intro.ipynb[cell 3]:12" when the line counts within a notebook cell."""
    return f"{path}[cell {cell}]:{line}" if cell is not None else f"{path}:{line}"


def spot(item) -> tuple:
    """(path, line), or (path, line, cell) in a notebook, of a Finding, a score Site or a finding dict."""
    get = item.get if isinstance(item, dict) else (lambda key, default=None: getattr(item, key, default))
    cell = get("cell")
    return (get("path"), get("line")) if cell is None else (get("path"), get("line"), cell)


def where(pair: tuple) -> str:
    """A spot tuple as text: (path, line) or (path, line, cell)."""
    return place(*pair[:3])


def split(text: str) -> tuple:
    """The (path, line, cell) of a `place` string; line and cell None when it has none."""
    head, _, line = text.rpartition(":")
    if not head or not line.isdigit():
        return text, None, None
    if head.endswith("]") and "[cell " in head:
        path, _, cell = head[:-1].rpartition("[cell ")
        if cell.isdigit():
            return path, int(line), int(cell)
    return head, int(line), None
