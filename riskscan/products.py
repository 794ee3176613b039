"""What the passes after analysis derive from one file's result, kept with that result.

A FileResult is the analysis of one file's content (its cache key), and a history run keeps one
object per file version for all its commits (api.ScanOptions.memo). What a later pass derives
from a result (the modules its imports name, the provider the module serves, its import edges)
is kept on the object, so a file that did not change costs a look-up per commit instead of the
work. A product that also depends on other files (the project's module names, which modules
serve a provider) is kept under a key of those, and only for the latest key.

Results are not changed after the analysis, so what is derived from one stays true while it lives.
"""
from __future__ import annotations

import hashlib
from typing import Callable, Hashable

_SLOT = "_products"  # an attribute of the FileResult object, not a field: never stored, compared or copied


def product(result, name: str, key: Hashable, compute: Callable[[], object]):
    """compute() for `result`, kept on it by `name` while `key` (what else the value depends on) stays equal."""
    kept = result.__dict__.get(_SLOT)
    if kept is None:
        kept = result.__dict__[_SLOT] = {}
    entry = kept.get(name)
    if entry is not None and entry[0] == key:
        return entry[1]
    value = compute()
    kept[name] = (key, value)
    return value


def key_of(parts: list) -> str:
    """One short key for a list of strings (the project's module names...): equal for equal lists.

    A list's repr quotes and escapes each string, so two different lists never print alike."""
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogateescape")).hexdigest()
