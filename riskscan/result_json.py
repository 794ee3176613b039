"""A FileResult as JSON for the cache (cache.py), and back: every value checked for its type,
so that a row of another shape is a miss, never a wrong result or a traceback."""
from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Optional

from .cache import decode_object, zipped
from .model import FileResult, Finding, Skipped
from .redact import unstorable
from .structure import EntryFact, FunctionInfo, ModuleStructure
from .switch_facts import SwitchFact, SwitchOption


def encode(result: FileResult) -> Optional[bytes]:
    """None for a result that names a key where redaction does not reach (a file name, an identifier): never stored."""
    text = json.dumps({
        "path": result.path, "module": result.module, "lines": result.lines,
        "imports": [list(i) for i in result.imports],
        "skipped": asdict(result.skipped) if result.skipped else None,
        "partial": [asdict(cell) for cell in result.partial],
        "findings": [_finding_dict(f) for f in result.findings],
        "structure": _structure_dict(result.structure) if result.structure else None,
        "exports": {name: list(row) for name, row in result.exports.items()},
    }, separators=(",", ":"))
    return None if unstorable(text, result.path) else zipped(text)


def decode(blob: bytes) -> FileResult:
    """The FileResult `encode` stored; ValueError (or TypeError...) for anything of another shape."""
    data = decode_object(blob)
    skipped = data["skipped"]
    return FileResult(
        path=_text(data["path"]), module=_text(data["module"]), lines=_number(data["lines"]),
        imports=[_import(i) for i in _items(data["imports"])],
        skipped=_skipped(skipped) if skipped is not None else None,
        partial=[_skipped(cell) for cell in _items(data["partial"])],
        findings=[_finding_from(f) for f in _items(data["findings"])],
        structure=_structure_from(data["structure"]) if data["structure"] is not None else None,
        exports={_text(name): _export(row) for name, row in _mapping(data["exports"]).items()},
    )


def _export(row) -> tuple:
    path, vendor, kind, feature = _items(row)
    return _text(path), _text(vendor), _text(kind), _maybe(_text)(feature)


def _skipped(value) -> Skipped:
    value = _mapping(value)
    return Skipped(_text(value["path"]), _text(value["reason"]), _maybe(_number)(value["line"]),
                   _maybe(_number)(value["column"]), _maybe(_number)(value["cell"]))


def _exactly(kind: type, what: str):
    """A check that a decoded JSON value is of `kind` (a bool is no int here), returning it."""
    def check(value):
        if type(value) is not kind:
            raise TypeError(f"expected {what}")
        return value
    return check


_text, _number, _flag = _exactly(str, "a string"), _exactly(int, "an integer"), _exactly(bool, "true or false")
_items, _mapping = _exactly(list, "a list"), _exactly(dict, "an object")


def _texts(value) -> tuple:
    return tuple(_text(v) for v in _items(value))


def _maybe(check):
    return lambda value: None if value is None else check(value)


def _scalars(value) -> tuple:
    """A tuple field of another shape (pairs of facts): nested lists of JSON scalars, as tuples."""
    return tuple(_scalars(v) if type(v) is list else _scalar(v) for v in _items(value))


def _scalar(value):
    if value is not None and type(value) not in (str, int, float, bool):
        raise TypeError("expected a scalar")
    return value


def _import(value) -> tuple:
    module, level, names, line, type_only = _items(value)
    return _text(module), _number(level), _texts(names), _number(line), _flag(type_only)


# A checker per Finding field, from its annotation; a field added later with another annotation
# takes any JSON scalar, or a tuple of them.
_CHECKS = {"str": _text, "int": _number, "bool": _flag, "Optional[str]": _maybe(_text), "Optional[int]": _maybe(_number)}
_FINDING_FIELDS = {f.name: _CHECKS.get(str(f.type), _scalars if str(f.type) == "tuple" else _scalar) for f in fields(Finding)}
for _name in ("fallback_to", "arguments"):
    _FINDING_FIELDS[_name] = _texts


def _finding_dict(finding: Finding) -> dict:
    return {name: getattr(finding, name) for name in _FINDING_FIELDS}


def _finding_from(data) -> Finding:
    if type(data) is not dict:
        raise TypeError("a finding is an object")
    return Finding(**{name: check(data[name]) for name, check in _FINDING_FIELDS.items() if name in data})


def _structure_dict(structure: ModuleStructure) -> dict:
    return {
        "functions": {q: [f.line, sorted(f.calls), f.is_class, list(f.bases), sorted(f.refs), sorted(f.unknown)]
                      for q, f in structure.functions.items()},
        "names": structure.names,
        "entries": [asdict(e) for e in structure.entries],
        "imports": [list(i) for i in structure.imports],
        "url_views": [list(v) for v in structure.url_views],
        "switches": [asdict(s) for s in structure.switches],
    }


def _structure_from(data) -> ModuleStructure:
    functions = {}
    for qualname, row in _mapping(data["functions"]).items():
        line, calls, is_class, bases, refs, unknown = _items(row)
        functions[qualname] = FunctionInfo(qualname, _number(line), set(_texts(calls)), _flag(is_class), _texts(bases),
                                           set(_texts(refs)), set(_texts(unknown)))
    return ModuleStructure(
        functions=functions,
        names={name: _maybe(_text)(target) for name, target in _mapping(data["names"]).items()},
        entries=[_entry(e) for e in _items(data["entries"])],
        imports=[_import(i) for i in _items(data["imports"])],
        url_views=[_url_view(v) for v in _items(data["url_views"])],
        switches=[_switch(s) for s in _items(data.get("switches", []))],
    )


def _entry(value) -> EntryFact:
    value = _mapping(value)
    return EntryFact(_text(value["name"]), _text(value["kind"]), _number(value["line"]), _text(value["function"]),
                     _text(value["detail"]))


def _switch(value) -> SwitchFact:
    value = _mapping(value)
    options = tuple(SwitchOption(_text(o["label"]), _number(o["start"]), _number(o["end"]), _texts(o["refs"]))
                    for o in map(_mapping, _items(value["options"])))
    return SwitchFact(_text(value["kind"]), _number(value["line"]), _text(value["owner"]), options)


def _url_view(value) -> tuple:
    view, line, route = _items(value)
    return _text(view), _number(line), _text(route)
