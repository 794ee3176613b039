"""Read one file into parseable Python units: a module, or the code cells of a notebook."""
from __future__ import annotations

import json
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Union

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
_MAGIC = re.compile(r"^\s*[%!?]")


@dataclass(frozen=True)
class Unit:
    """One parseable piece of source: a module, or a notebook's code cells joined in order.

    Cells share one namespace when a notebook runs, so they are analysed as one module;
    `cells` maps it back: ((first line, cell number), ...), cell numbers 1-based.
    """

    source: bytes
    cells: tuple = ()

    def locate(self, line: int) -> tuple:
        """(cell, line in cell) of a line of the joined source; (None, line) for a plain module."""
        cell, start = None, 1
        for first, number in self.cells:
            if first > line:
                break
            cell, start = number, first
        return cell, line - start + 1


@dataclass(frozen=True)
class Unreadable:
    reason: str


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Union[bytes, Unreadable]:
    """A file's bytes, or why they cannot be read; never raises, never blocks.

    Only regular files are opened (a FIFO or device named `x.py` would block or never end),
    and never more than `max_bytes` + 1 bytes are read, even from a file that grows meanwhile.
    """
    too_large = "file is larger than the size limit ({:,} > {:,} bytes)"
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return Unreadable("not a regular file")
        if info.st_size > max_bytes:
            return Unreadable(too_large.format(info.st_size, max_bytes))
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return Unreadable(f"cannot read file: {exc.strerror or type(exc).__name__}")
    return data if len(data) <= max_bytes else Unreadable(too_large.format(len(data), max_bytes))


def read_units(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Union[list, Unreadable]:
    """The units of a file, or why it cannot be read; never raises for a bad file."""
    data = read_source(path, max_bytes)
    return data if isinstance(data, Unreadable) else units_of(path, data)


def units_of(path: Path, data: bytes) -> Union[list, Unreadable]:
    """The units of a file whose bytes have been read."""
    if path.suffix == ".ipynb":
        return notebook_units(data)
    if b"\0" in data:
        return Unreadable("binary file (contains NUL bytes)")
    return [Unit(data)]


def notebook_units(data: bytes) -> Union[list, Unreadable]:
    """Code cells of an nbformat 4 notebook; IPython magics and shell lines become blank lines."""
    try:
        notebook = json.loads(data.decode("utf-8"))
        cells = notebook["cells"] if isinstance(notebook, dict) else None
        if not isinstance(cells, list):
            raise ValueError("no cells")
    except (ValueError, UnicodeDecodeError, KeyError, TypeError) as exc:
        return Unreadable(f"not a readable Jupyter notebook: {exc}")
    lines, starts = [], []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        text = "".join(str(part) for part in source) if isinstance(source, list) else str(source)
        if text.lstrip().startswith("%%"):
            continue  # a cell magic: the cell is not Python
        starts.append((len(lines) + 1, number))
        lines += ["" if _MAGIC.match(line) else line for line in text.split("\n")]
    return [Unit("\n".join(lines).encode("utf-8", "surrogatepass"), cells=tuple(starts))]
