"""Read one file into parseable Python units: a module, or the code cells of a notebook."""
from __future__ import annotations

import ast
import json
import re
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from .budget import nesting_problem, size_problem
from .options import DEFAULT_MAX_BYTES

NOTEBOOK_FACTOR = 10  # a notebook may be this much larger on disk than the size limit (outputs)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # Python's line ends (str.split("\n") missed a lone CR)
# Line magics, shell escapes, help, and a shell or magic result assigned to names.
_IPYTHON = re.compile(r"^\s*(?:[%!?]|[\w.]+\s*\?\??\s*$|[\w.,\s*]+=\s*[!%])")
_CELL_MAGIC = re.compile(r"%%\s*(\w*)")
_POSITION = re.compile(r"\berror at \d+:\d+:\s*")
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit", "mprun", "snakeviz", "heat",
                                "line_profiler", "lprun", "python", "python3", "ipython", "pypy", "autoreload"})
# IPython's automagic: a magic without `%` (`pip install -U openai`, `cd data`). Only blanked when
# the cell does not parse as Python otherwise (`pip = 3` stays).
_AUTOMAGIC = re.compile(r"^\s*(?:pip|conda|mamba|uv|cd|ls|pwd|mkdir|rm|cp|mv|cat|env|set_env|load_ext|reload_ext|"
                        r"matplotlib|run|who|whos|reset|history|autoreload|pinfo|psource|time|timeit)\s+[^=\s(]")


@dataclass(frozen=True)
class Unit:
    """One parseable piece of source: a module, or a notebook's code cells joined in order.

    Cells share one namespace when a notebook runs, so they are analysed as one module;
    `cells` maps it back: ((first line, cell number), ...), cell numbers 1-based.
    """

    source: bytes
    cells: tuple = ()
    dropped: tuple = ()  # notebook cells left out because they do not parse: (cell, line in cell, column, message)
    tree: object = field(default=None, compare=False, repr=False)  # the stdlib parse of `source`, when one was made

    def locate(self, line: int) -> tuple:
        """(cell, line in cell) of a line of the joined source; (None, line) for a plain module."""
        cell, start = None, 1
        for first, number in self.cells:
            if first > line:
                break
            cell, start = number, first
        return cell, line - start + 1

    def locate_error(self, line: int) -> tuple:
        """(cell, line in cell) of a syntax error libcst reported at `line`. libcst reports an error
        at the next token, which may be the next cell's first line: in a notebook, the cell the
        stdlib parser refuses says where it is (near libcst's line when several do)."""
        if not self.cells:
            return self.locate(line)
        lines = self.source.decode("utf-8", "surrogatepass").split("\n")
        bounds = list(self.cells) + [(len(lines) + 1, None)]
        refused = {}
        for (first, number), (after, _) in zip(bounds, bounds[1:]):
            if not _parses("\n".join(lines[first - 1:after - 1])):
                refused[number] = first
        reported, _ = self.locate(line)
        for cell in (reported, (reported or 1) - 1, *refused):
            if cell in refused:
                return cell, self._error_line(lines, refused[cell], bounds)
        return self.locate(line)

    def _error_line(self, lines: list, first: int, bounds: list) -> int:
        after = next(start for start, _ in bounds if start > first)
        try:
            ast.parse("\n".join(lines[first - 1:after - 1]))
        except SyntaxError as exc:
            return exc.lineno or 1
        except (ValueError, RecursionError, MemoryError):
            pass
        return 1


@dataclass(frozen=True)
class Unreadable:
    reason: str


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Union[bytes, Unreadable]:
    """A file's bytes, or why they cannot be read; never raises, never blocks.

    Only regular files are opened (a FIFO or device named `x.py` would block or never end),
    and never more than the limit + 1 bytes are read, even from a file that grows meanwhile. A
    notebook may be NOTEBOOK_FACTOR times larger on disk: its outputs (images, tables) are not
    code, and its code cells must fit the limit (read_units).
    """
    limit = max_bytes * NOTEBOOK_FACTOR if path.suffix == ".ipynb" else max_bytes
    too_large = "file is larger than the size limit ({:,} > {:,} bytes)"
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return Unreadable("not a regular file")
        if info.st_size > limit:
            return Unreadable(too_large.format(info.st_size, limit))
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        return Unreadable(f"cannot read file: {exc.strerror or type(exc).__name__}")
    return data if len(data) <= limit else Unreadable(too_large.format(len(data), limit))


def read_units(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Union[list, Unreadable]:
    """The units of a file, or why it cannot be read; never raises for a bad file."""
    data = read_source(path, max_bytes)
    return data if isinstance(data, Unreadable) else units_of(path, data, max_bytes)


def units_of(path: Path, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Union[list, Unreadable]:
    """The units of a file whose bytes have been read (by read_source)."""
    if path.suffix == ".ipynb":
        units = notebook_units(data)
        if not isinstance(units, Unreadable) and len(units[0].source) > max_bytes:
            return Unreadable(f"the notebook's code cells are larger than the size limit ({len(units[0].source):,} > {max_bytes:,} bytes)")
        return units
    if b"\0" in data:
        return Unreadable("binary file (contains NUL bytes)")
    return [Unit(data)]


def notebook_units(data: bytes) -> Union[list, Unreadable]:
    """Code cells of an nbformat 4 notebook joined into one module, every cell on lines of its own.

    IPython syntax is not Python: magics (`%pip`, `%%time`), shell lines (`!ls`, `x = !ls`),
    help (`obj?`) and automagic commands (`pip install -U openai`) become blank lines, so the
    rest of the cell is still read; a cell magic whose body is not Python (`%%bash`) blanks its
    cell. Lines are split where Python splits them (a lone CR too), so a cell's line numbers and
    every later cell's stay true.
    """
    try:
        notebook = json.loads(data.decode("utf-8"))
        cells = notebook["cells"] if isinstance(notebook, dict) else None
        if not isinstance(cells, list):
            raise ValueError("no cells")
    except RecursionError:
        return Unreadable("not a readable Jupyter notebook: nested too deeply")
    except (ValueError, UnicodeDecodeError, KeyError, TypeError) as exc:
        return Unreadable(f"not a readable Jupyter notebook: {str(exc)[:200]}")
    pieces = []  # (cell number, its lines with IPython syntax blanked)
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        text = "".join(part for part in source if isinstance(part, str)) if isinstance(source, list) else str(source)
        pieces.append((number, python_lines(_LINE_BREAK.split(text))))
    source, starts = _joined(pieces)
    if size_problem(source) is not None:
        return [Unit(source, cells=starts)]  # the analysis skips it for its size before any parser sees it
    tree = parse_tree(source)  # kept for the analysis, which would parse the same bytes again
    if tree is not None:
        return [Unit(source, cells=starts, tree=tree)]
    pieces, dropped = _parseable_cells(pieces)
    source, starts = _joined(pieces)
    return [Unit(source, cells=starts, dropped=dropped)]


def _joined(pieces: list) -> tuple:
    """(the cells as one module's bytes, ((first line, cell number), ...))."""
    lines, starts = [], []
    for number, cell_lines in pieces:
        starts.append((len(lines) + 1, number))
        lines += cell_lines
    return "\n".join(lines).encode("utf-8", "surrogatepass"), tuple(starts)


def parse_tree(data: Union[bytes, str]):
    """The stdlib parse tree (about 10x faster than libcst), or None for code it cannot read.

    None is not a verdict: libcst, which knows newer grammar, decides whether the file is skipped.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError, TypeError):
        return None


def _parseable_cells(pieces: list) -> tuple:
    """The cells with every one that does not parse blanked (same line count), and what was dropped.

    IPython runs each cell on its own, so a broken cell costs that cell alone: the rest of the
    notebook is scanned and the cell is reported as a partial skip. Only when the whole notebook
    does not parse are cells tried one by one.
    """
    kept, dropped = [], []
    for number, cell_lines in pieces:
        problem = _cell_problem("\n".join(cell_lines))
        if problem is not None:
            dropped.append((number, *problem))
            cell_lines = [""] * len(cell_lines)
        kept.append((number, cell_lines))
    return kept, tuple(dropped)


def _cell_problem(text: str):
    """(line, column, message) of why one cell is not Python, or None. The stdlib parser decides
    first; a cell it refuses is given to libcst too, which reads grammar newer than this Python."""
    if _parses(text):
        return None
    import libcst as cst  # only for a cell the stdlib refuses

    data = text.encode("utf-8", "surrogatepass")
    unsafe = size_problem(data) or nesting_problem(data)  # libcst would crash the process on it
    if unsafe is not None:
        return 1, 0, unsafe
    try:
        cst.parse_module(data)
        return None
    except cst.ParserSyntaxError as exc:
        return exc.raw_line, exc.raw_column, "syntax error: " + syntax_message(exc.message)
    except (ValueError, RecursionError, MemoryError, SyntaxError, UnicodeError):
        return 1, 0, "syntax error: cannot parse"


def syntax_message(message: str) -> str:
    """libcst's message without its own "error at L:C" (a position in the text it was given, not in
    the file or cell: the report gives the line itself), cut to its first line."""
    first = message.strip().splitlines()[0] if message.strip() else "invalid syntax"
    first = _POSITION.sub("", first)
    return first if len(first) <= 100 else first[:97] + "..."


def python_lines(lines: list) -> list:
    """One cell's lines with IPython syntax blanked (same count, so line numbers hold)."""
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        if _CELL_MAGIC.match(first).group(1) not in PYTHON_CELL_MAGICS:
            return [""] * len(lines)  # %%bash, %%html, %%writefile: the body is not Python
        lines = [""] + lines[1:]
    blanked = _blank(lines, _IPYTHON)
    if any(_AUTOMAGIC.match(line) for line in blanked) and not _parses("\n".join(blanked)):
        blanked = _blank(blanked, _AUTOMAGIC)
    return blanked


def _blank(lines: list, pattern) -> list:
    """Lines matching `pattern` blanked, with the lines a trailing backslash continues them onto
    (`%pip install \\` over three lines is one magic). An indented one becomes `pass` at its
    indentation, as IPython turns it into a statement there: `if x:` + `    !cmd` stays a block."""
    out, continued = [], False
    for line in lines:
        if continued or pattern.match(line):
            indent = line[:len(line) - len(line.lstrip())]
            out.append(f"{indent}pass" if indent and not continued else "")
            continued = line.rstrip().endswith("\\")
        else:
            out.append(line)
    return out


def _parses(text: str) -> bool:
    return parse_tree(text) is not None
