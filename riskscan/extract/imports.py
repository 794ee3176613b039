"""Imports: which vendor each imported name belongs to, and the findings for it.

An import is evidence (kind `import`), never a call site: importing an SDK, an adapter class or
an adapter package sends nothing. An adapter's import carries its `framework`, so a reader (and
the policy) can tell `from langchain_openai import ChatOpenAI` from `import openai`.
"""
from __future__ import annotations

from typing import Optional

import libcst as cst

from ..discover import absolute_module
from .syntax import is_type_stub
from .values import Binding, Value


class ImportsMixin:
    """Bindings for `import`/`from ... import`, dynamic imports, and their findings after the walk."""

    def _import_binding(self, module: str, alias, alias_name: str, qualname: str, node) -> None:
        line, column = self._pos(alias)
        if self.is_first_party(module) or module.startswith("."):
            self.bind(alias_name, Value(path=f".local.{qualname}"))
            return
        own = None
        entry = self.cat.entry_for(qualname)
        if entry is not None:
            own = (entry.vendor, "adapter" if entry.kind == "adapter" else "import")
        elif qualname not in self.cat.router_callables:
            hit = self.vendor_of_path(qualname)
            if hit:
                own = (hit[0], "import" if hit[1] == "call" else "adapter")
        conditional = self.cat.root_vendor(qualname, self.cat.conditional_roots)
        binding = Binding(module=qualname, line=line, column=column, own=own,
                          conditional=frozenset(conditional[1]) if conditional else frozenset(),
                          type_only=self.type_checking > 0 or is_type_stub(qualname))
        if own is not None or binding.conditional:
            self.bindings.append(binding)
            self.bind(alias_name, Value(path=qualname, binding=len(self.bindings) - 1))
        else:
            self.bind(alias_name, Value(path=qualname))

    # Imports are read on leaving: the walk has numbered the imported names by then.
    def leave_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            module = cst.helpers.get_full_name_for_node(alias.name) or ""
            self.imports.append((module, 0, (), self._pos(node)[0], self.type_checking > 0))
            if alias.asname is not None:
                name = cst.helpers.get_full_name_for_node(alias.asname.name) or module
                self._import_binding(module, alias, name, module, node)
            else:
                top = module.split(".")[0]
                self._import_binding(module, alias, top, module, node)
                # `import google.genai` binds `google`, but the binding must remember the full module
                value = self.lookup(top)
                if value is not None and value.binding is not None:
                    self.bind(top, Value(path=top, binding=value.binding))

    def is_first_party(self, module: str) -> bool:
        """A project module that shadows a vendor package (`openai.py`, a local `agents/`).

        Only a whole top-level root counts: `browser_use.llm.mistral` inside browser-use itself is
        still an adapter, as its rules say.
        """
        top = module.split(".")[0]
        return top in self.first_party and top in self.cat.shadowable_roots

    def _absolute(self, module: str, level: int) -> str:
        """An absolute module name; an import that cannot be resolved stays relative (and first-party)."""
        return absolute_module(module, level, self.package) or "." * level + module

    def leave_ImportFrom(self, node: cst.ImportFrom) -> None:
        level = len(node.relative)
        module = cst.helpers.get_full_name_for_node(node.module) if node.module else ""
        base = self._absolute(module or "", level)
        if isinstance(node.names, cst.ImportStar):
            self.imports.append((module or "", level, ("*",), self._pos(node)[0], self.type_checking > 0))
            self._star_import(base, node)
            return
        names = []
        for alias in node.names:
            name = cst.helpers.get_full_name_for_node(alias.name) or ""
            names.append(name)
            bound = cst.helpers.get_full_name_for_node(alias.asname.name) if alias.asname else name
            qualname = f"{base}.{name}" if not base.endswith(".") else f"{base}{name}"
            self._import_binding(base, alias, bound, qualname, node)
        self.imports.append((module or "", level, tuple(names), self._pos(node)[0], self.type_checking > 0))

    def _star_import(self, base: str, node: cst.ImportFrom) -> None:
        """`from m import *` binds (and re-exports) every client and adapter the rules know under m."""
        if base.startswith("."):
            return
        anchor = node.names  # the `*`
        self._import_binding(base, anchor, f"*{base}", f"{base}.*", node)
        for name, _ in self.cat.entries_under(base):
            self._import_binding(base, anchor, name, f"{base}.{name}", node)
        for qualname in self.cat.router_callables:
            head, _, tail = qualname.rpartition(".")
            if head == base and "(" not in tail:
                self.bind(tail, Value(path=qualname))

    def _dynamic_import(self, node: cst.Call, module: str) -> Optional[Value]:
        hit = self.vendor_of_path(module)
        if hit and not self.is_first_party(module):
            self.add(node, hit[0], "import", module, framework=self._framework(module, None) if hit[1] == "adapter" else None)
            self.imports.append((module, 0, (), self._pos(node)[0], False))
        return Value(path=module)

    def _resolve_bindings(self) -> None:
        """Import findings name the vendor the imported name really reaches.

        `from openai import OpenAI` used only for `OpenAI(base_url="https://api.deepseek.com")`
        is a DeepSeek dependency; `import boto3` counts only when it builds a Bedrock client.
        """
        for index, vendor in self.late_derived:
            if index < len(self.bindings):
                self.bindings[index].derived.add(vendor)
        for binding in self.bindings:
            vendors = set()
            if binding.own is not None:
                own_vendor, kind = binding.own
                vendors = {own_vendor}
                if binding.derived and own_vendor not in binding.derived:
                    vendors = set(binding.derived)
            elif binding.conditional:
                vendors = binding.derived & binding.conditional
                kind = "import"
            entry = self.cat.entry_for(binding.module) if binding.own is not None else None
            framework = self._framework(binding.module, entry) if kind == "adapter" else None
            for vendor in sorted(vendors):
                index = self.add((binding.line, binding.column), vendor, "import", binding.module, type_only=binding.type_only,
                                 framework=framework)
                self.mark_fallback(index, entry.fallback_to if entry is not None else ())  # a learned wrapper's own plan B

    def _framework(self, module: str, entry) -> Optional[str]:
        """The framework of an imported adapter class or package: an import is evidence of the
        integration, never a request (constructing the class, or calling it, is the call site)."""
        if entry is not None and entry.kind == "adapter":
            return entry.framework or module.split(".")[0]
        return self.cat.adapter_framework(module) or module.split(".")[0]
