"""Stage 2 driver: one file in, a FileResult out (findings, module structure, or a skip with its reason)."""
from __future__ import annotations

import ast
import re
import warnings
from dataclasses import replace

from .discover import SourceFile
from .model import FileResult, Skipped
from .budget import nesting_problem, size_problem
from .redact import redact, redact_result
from .ruleset import Catalogue
from .source import Unit, Unreadable, read_units
from .structure import module_structure

_PYTHON2 = re.compile(rb"^\s*(print\s+[\"'\w]|exec\s+[\"']|except\s+\w+\s*,\s*\w+\s*:)", re.MULTILINE)


def analyse_file(source: SourceFile, catalogue: Catalogue, first_party: frozenset, max_bytes: int,
                 prefilter: bool = True, module: str = "", is_package: bool = False) -> FileResult:
    """Never raises for bad input: unreadable or unparseable files come back as skipped.

    Every result leaves through redact_result: no key reaches a worker pipe, the cache or a report.
    """
    return redact_result(_analyse_file(source, catalogue, first_party, max_bytes, prefilter, module, is_package), catalogue)


def _analyse_file(source, catalogue, first_party, max_bytes, prefilter, module, is_package) -> FileResult:
    units = Unreadable(source.problem) if source.problem else read_units(source.path, max_bytes)
    if isinstance(units, Unreadable):
        return FileResult(source.relpath, skipped=_redacted(Skipped(source.relpath, units.reason), catalogue))
    result = FileResult(source.relpath, module=module)
    for unit in units:
        problem = _analyse_unit(unit, source, catalogue, first_party, prefilter, result, is_package)
        if problem is not None:
            return FileResult(source.relpath, skipped=_redacted(problem, catalogue), module=module)
    result.findings.sort(key=lambda f: f.sort_key())
    return result


def _redacted(skipped: Skipped, catalogue) -> Skipped:
    """A reason can quote what a parser saw; no key may reach a report that way either."""
    reason = redact(skipped.reason, catalogue)
    return skipped if reason == skipped.reason else replace(skipped, reason=reason)


def _analyse_unit(unit: Unit, source: SourceFile, catalogue, first_party, prefilter, result, is_package):
    result.lines += unit.source.count(b"\n") + 1
    too_large = size_problem(unit.source)  # a parser would exhaust memory, not raise MemoryError
    if too_large is not None:
        return Skipped(source.relpath, too_large)
    tree = _fast_parse(unit.source)
    if tree is not None and not unit.cells:
        try:
            result.structure = module_structure(tree, result.module, is_package)
        except RecursionError:
            return Skipped(source.relpath, "too deeply nested to analyse")
        result.imports = result.structure.imports
    if prefilter and tree is not None and not catalogue.trigger.search(unit.source):
        return None  # nothing here can name a vendor: the structure is all the graph needs
    import libcst as cst  # imported on first use: a fully cached scan never pays for it

    from .extract import extract_module

    too_deep = nesting_problem(unit.source)  # libcst would crash the process, not raise
    if too_deep is not None:
        return Skipped(source.relpath, too_deep)
    try:
        module = cst.parse_module(unit.source)
    except cst.ParserSyntaxError as exc:
        hint = " (Python 2 code?)" if _PYTHON2.search(unit.source) else ""
        cell, line = unit.locate_error(exc.raw_line)
        where = f" in cell {cell}" if cell else ""
        return Skipped(source.relpath, f"syntax error{where}{hint}: {_short(exc.message)}", line, exc.raw_column)
    except (UnicodeDecodeError, LookupError, SyntaxError, ValueError) as exc:
        return Skipped(source.relpath, f"cannot decode: {exc}")
    except RecursionError:
        return Skipped(source.relpath, "too deeply nested to parse")
    except MemoryError:
        return Skipped(source.relpath, "too large to parse")
    try:
        package = (result.module if is_package else result.module.rpartition(".")[0]) if "." in result.module or is_package else None
        findings, imports = extract_module(module, tree, catalogue, first_party, package, unit.source)
    except RecursionError:
        return Skipped(source.relpath, "too deeply nested to analyse")
    if result.structure is None:
        result.imports += imports
    for finding in findings:
        cell, line = unit.locate(finding.line)
        result.findings.append(replace(finding, path=source.relpath, scope=source.scope, cell=cell, line=line))
    return None


def _short(message: str) -> str:
    """libcst lists every token it expected; the first few say enough."""
    first = message.strip().splitlines()[0] if message.strip() else "invalid syntax"
    return first if len(first) <= 100 else first[:97] + "..."


def _fast_parse(data: bytes):
    """The stdlib parse tree (about 10x faster than libcst), or None for code it cannot read.

    None is not a verdict: libcst, which knows newer grammar, decides whether the file is skipped.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError, TypeError):
        return None
