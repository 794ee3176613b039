"""Stage 2 driver: one file in, a FileResult out (findings, module structure, or a skip with its reason)."""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import replace
from typing import Optional

from .discover import SourceFile
from .model import FileResult, Skipped
from .budget import nesting_problem, size_problem
from .redact import redact, redact_result
from .ruleset import Catalogue
from .source import Unit, Unreadable, parse_tree, read_units, syntax_message, units_of
from .stages import stage
from .structure import module_structure

_PYTHON2 = re.compile(rb"^\s*(print\s+[\"'\w]|exec\s+[\"']|except\s+\w+\s*,\s*\w+\s*:)", re.MULTILINE)


def analyse_file(source: SourceFile, catalogue: Catalogue, first_party: frozenset, max_bytes: int,
                 prefilter: bool = True, module: str = "", is_package: bool = False, data: Optional[bytes] = None,
                 imported: Optional[dict] = None) -> FileResult:
    """Never raises for bad input: unreadable or unparseable files come back as skipped.
    `data` is the file's bytes when the caller has read them already; `imported` the values other
    modules of the project export to this file (cross_module.py), which it is then searched for.

    Every result leaves through redact_result: no key reaches a worker pipe, the cache or a report.
    """
    return redact_result(_analyse_file(source, catalogue, first_party, max_bytes, prefilter, module, is_package, data,
                                       imported), catalogue)


def _analyse_file(source, catalogue, first_party, max_bytes, prefilter, module, is_package, data, imported=None) -> FileResult:
    with stage("read"):
        if source.problem:
            units = Unreadable(source.problem)
        else:
            units = read_units(source.path, max_bytes) if data is None else units_of(source.path, data, max_bytes)
    if isinstance(units, Unreadable):
        return FileResult(source.relpath, skipped=_redacted(Skipped(source.relpath, units.reason), catalogue))
    result = FileResult(source.relpath, module=module)
    for unit in units:
        result.partial += [_redacted(Skipped(source.relpath, why, line, column, cell), catalogue)
                           for cell, line, column, why in unit.dropped]  # cells left out, the rest scanned
        problem = _analyse_unit(unit, source, catalogue, first_party, prefilter and not imported, result, is_package, imported)
        if problem is not None:
            return FileResult(source.relpath, skipped=_redacted(problem, catalogue), module=module)
    result.findings.sort(key=lambda f: f.sort_key())
    return result


def _redacted(skipped: Skipped, catalogue) -> Skipped:
    """A reason can quote what a parser saw; no key may reach a report that way either."""
    reason = redact(skipped.reason, catalogue)
    return skipped if reason == skipped.reason else replace(skipped, reason=reason)


def _analyse_unit(unit: Unit, source: SourceFile, catalogue, first_party, prefilter, result, is_package, imported=None):
    result.lines += unit.source.count(b"\n") + 1
    with stage("size budget"):
        too_large = size_problem(unit.source)  # a parser would exhaust memory, not raise MemoryError
    if too_large is not None:
        return Skipped(source.relpath, too_large)
    with stage("ast parse"):
        tree = unit.tree if unit.tree is not None else parse_tree(unit.source)
    if tree is not None and not unit.cells:
        problem = _structure(tree, result, is_package, source)
        if problem is not None:
            return problem
    with stage("pre-filter"):
        hit = not prefilter or tree is None or catalogue.trigger.search(unit.source)
    if not hit:
        return None  # nothing here can name a vendor: the structure is all the graph needs
    with stage("import libcst"):
        from .extract.positions import StdlibTables  # imported on first use: a cached scan never loads libcst
    with stage("positions and nesting budget"):
        numbered = StdlibTables(tree) if tree is not None else None
        too_deep = nesting_problem(unit.source, tree, numbered.work if numbered is not None else None)
    if too_deep is not None:
        return Skipped(source.relpath, too_deep)  # libcst would crash the process or run for minutes
    module = _libcst_parse(unit, source)
    if isinstance(module, Skipped):
        return module
    if tree is None and not unit.cells:  # newer grammar than this Python's: the structure from libcst's reading
        from .lowering import lowered_tree

        with stage("lowering (newer grammar)"):
            lowered = lowered_tree(module, unit.source.decode(module.encoding, "replace").lstrip("\ufeff"))
        problem = _structure(lowered, result, is_package, source) if lowered is not None else None
        if problem is not None:
            return problem
    return _extract(module, numbered, unit, source, catalogue, first_party, result, is_package, imported)


def _structure(tree, result, is_package, source) -> Optional[Skipped]:
    try:
        with stage("structure"):
            result.structure = module_structure(tree, result.module, is_package)
    except RecursionError:
        return Skipped(source.relpath, "too deeply nested to analyse")
    result.imports = result.structure.imports
    return None


def _libcst_parse(unit: Unit, source: SourceFile):
    """The libcst module, or why the file is skipped."""
    import libcst as cst  # imported on first use: a fully cached scan never pays for it

    try:
        with stage("libcst parse"), _unvalidated(cst):
            return cst.parse_module(unit.source)
    except cst.ParserSyntaxError as exc:
        hint = " (Python 2 code?)" if _PYTHON2.search(unit.source) else ""
        cell, line = unit.locate_error(exc.raw_line)
        return Skipped(source.relpath, f"syntax error{hint}: {syntax_message(exc.message)}", line, exc.raw_column, cell)
    except (UnicodeDecodeError, LookupError, SyntaxError, ValueError) as exc:
        return Skipped(source.relpath, f"cannot decode: {exc}")
    except RecursionError:
        return Skipped(source.relpath, "too deeply nested to parse")
    except MemoryError:
        return Skipped(source.relpath, "too large to parse")


@contextmanager
def _unvalidated(cst):
    """libcst checks every node it builds (`__post_init__` -> `_validate`: names are identifiers,
    whitespace is whitespace...), which its own parser's nodes always pass; a seventh of the
    parse time. Skip the check while riskscan parses (its own authors note the same in
    `CSTNode.__post_init__`). Not thread-safe: another thread building libcst nodes meanwhile
    would not have them checked either."""
    base = cst.CSTNode
    original = base.__dict__.get("__post_init__")
    if original is None:  # a libcst that no longer checks this way: nothing to skip
        yield
        return
    base.__post_init__ = _no_check
    try:
        yield
    finally:
        base.__post_init__ = original


def _no_check(self) -> None:
    return None


def _extract(module, numbered, unit: Unit, source: SourceFile, catalogue, first_party, result, is_package, imported=None):
    from .extract import extract_module

    try:
        package = (result.module if is_package else result.module.rpartition(".")[0]) if "." in result.module or is_package else None
        with stage("extraction"):
            findings, imports = extract_module(module, numbered, catalogue, first_party, package, unit.source,
                                               imported, result.exports if not unit.cells else None)
    except RecursionError:
        return Skipped(source.relpath, "too deeply nested to analyse")
    if result.structure is None:
        result.imports += imports
    for finding in findings:
        cell, line = unit.locate(finding.line)
        result.findings.append(replace(finding, path=source.relpath, scope=source.scope, cell=cell, line=line))
    return None


