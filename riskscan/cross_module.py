"""Stage 2c: which files import a client another module of the project built, and as what name.

`app/clients.py` holds `client = OpenAI()` (or `def get_client(): return OpenAI()`), and a route
in `app/api.py` does `from app.clients import client; client.chat.completions.create(...)`. Each
file's walk exports its module-level clients and the factories that return one
(extract/imported.py); here, after every file has been analysed, each file that imports such a
module (directly, through a package `__init__` that re-exports the name, or as a script's sibling)
is given those values under the dotted names it will see them by, and is walked again (api.py).
One level: a value handed on by a second module is not followed further.
"""
from __future__ import annotations

from .graph import imported_bases, script_folders
from .products import key_of, product


def imported_hints(results: list) -> dict:
    """relpath -> {dotted name as the file refers to it: (path, vendor, kind, feature)}, for the
    files that import a module exporting a client; empty when no module exports one."""
    modules = {r.module: r for r in results if r.skipped is None and r.module}
    by_module = _exports_by_module(modules)
    if not by_module:
        return {}
    known, folders = set(modules), script_folders(modules)
    names_key = key_of(sorted(known))
    hints = {}
    for name, result in modules.items():
        wanted = {}
        bases = product(result, "imported bases", (names_key, folders.get(name)),  # a history's unchanged file: a look-up
                        lambda name=name, result=result: tuple(imported_bases(name, result, known, folders)))
        for absolute, local, names, _, type_only in bases:
            if type_only or absolute == name:
                continue
            for target, seen_as in [(absolute, local)] + [(f"{absolute}.{n}", f"{local}.{n}") for n in names if n != "*"]:
                # keyed by the name the file sees: a script's sibling without its folder (`util.client`)
                wanted.update({seen_as + key[len(target):]: row for key, row in by_module.get(target, {}).items()})
        if wanted:
            hints[result.path] = wanted
    return hints


def _exports_by_module(modules: dict) -> dict:
    """Module -> {"module.name" or "module.factory()": row}, with a package's re-exports of them."""
    exports = {f"{name}.{key}": row for name, result in modules.items() for key, row in result.exports.items()}
    if not exports:
        return {}
    for name, result in modules.items():
        if result.path.endswith("__init__.py") and result.structure is not None:
            for local, target in result.structure.names.items():
                for suffix in ("", "()"):
                    if target and f"{target}{suffix}" in exports:
                        exports.setdefault(f"{name}.{local}{suffix}", exports[f"{target}{suffix}"])
    by_module: dict = {}
    for key, row in exports.items():
        by_module.setdefault(key.rsplit(".", 1)[0], {})[key] = row
    return by_module
