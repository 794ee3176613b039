"""Values one module of the project hands another: a client built at module level, or returned by
a factory function, and used in another file (`from app.clients import client`).

The extractor reads one file at a time, so by itself it sees `client.chat.completions.create(...)`
on a name imported from the project and cannot tell it is an OpenAI client. Each module's walk
exports what its module-level names and functions hold (`exported_values`); after every file has
been analysed, the files that import such a name are walked again with those values as
`imported` hints (riskscan/cross_module.py decides which), one level deep: the importing file's
calls on them are then call sites like any other, with their features, models and fallbacks.
"""
from __future__ import annotations

from typing import Optional

from .service_clients import factory_of
from .values import Value

_LOCAL = ".local."  # how the walk names a project module that shadows a vendor package


def portable(value: Value) -> Optional[tuple]:
    """(path, vendor, kind, feature) of a client or adapter instance, for another file; None otherwise."""
    if value is None or not value.vendor or value.result or value.kind not in ("call", "adapter"):
        return None
    return (value.path, value.vendor, value.kind, value.feature)


def as_value(row: tuple) -> Value:
    path, vendor, kind, feature = row
    return Value(path=path, vendor=vendor, kind=kind, feature=feature)


class ImportedValuesMixin:
    """Exports the module's values and reads the values other modules export to it."""

    def _init_imported(self, imported: Optional[dict]) -> None:
        self.imported = {}
        for key, row in (imported or {}).items():
            factory = factory_of(row)
            if factory is not None:  # `aws_client()`: which client it builds depends on the call's argument
                self.imported_factories[key[:-2] if key.endswith("()") else key] = factory
            else:
                self.imported[key] = as_value(row)
        if self.imported:  # only the few files that import such a value pay for the look-up
            self.value_of = self._value_of_imported

    def _value_of_imported(self, node):
        value = type(self).value_of(self, node)
        if value is None or value.vendor or not value.path:
            return value
        path = value.path[len(_LOCAL):] if value.path.startswith(_LOCAL) else value.path
        return self.imported.get(path, value)

    def exported_values(self) -> dict:
        """Name -> portable value: module-level clients (`client = OpenAI()`) and module-level
        functions that return one (`"get_client()"`), or a client chosen by their argument
        (service_clients.py: the row `(client path, "", "factory", "parameter:position")`)."""
        found = self.exported_factories()
        for name, value in self.scopes[0].items():
            row = portable(value)
            if row is not None:
                found[name] = row
        for key in self.flow.returns:
            if "." not in key:
                row = portable(self._resolve(("returns", None, key), 0, record=False))
                if row is not None:
                    found[f"{key}()"] = row
        return found
