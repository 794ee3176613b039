"""Fallbacks: try/except hand-offs, `.with_fallbacks`, and the sites that only run when another failed."""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

import libcst as cst

_FALLBACK_METHOD = "with_fallbacks"


class FallbacksMixin:
    """Marks call sites protected by a fallback to another provider, and the fallback targets."""

    def mark_fallback(self, index: Optional[int], others) -> None:
        if index is None:
            return
        finding = self.findings[index]
        others = sorted(set(others) - {finding.vendor, ""})
        if others:
            merged = tuple(sorted(set(finding.fallback_to) | set(others)))
            self.findings[index] = replace(finding, has_fallback=True, fallback_to=merged)

    def mark_target(self, index: Optional[int]) -> None:
        """A site that runs only when another provider failed: not part of normal reliance."""
        if index is not None:
            self.findings[index] = replace(self.findings[index], fallback_target=True)

    def visit_Try(self, node: cst.Try) -> None:
        self.tries.append((id(node), "body"))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.tries[-1] = (self.tries[-1][0], "handler")

    def visit_Finally(self, node: cst.Finally) -> None:
        self.tries[-1] = (self.tries[-1][0], "finally")

    def visit_Else(self, node: cst.Else) -> None:
        if self.tries:
            self.tries[-1] = (self.tries[-1][0], "else" if self.tries[-1][1] != "body" else self.tries[-1][1])

    def leave_Try(self, node: cst.Try) -> None:
        self.tries.pop()

    def _with_fallbacks(self, node: cst.Call) -> None:
        if not (isinstance(node.func, cst.Attribute) and node.func.attr.value == _FALLBACK_METHOD):
            return
        primary = self.value_of(node.func.value)
        others = [v.vendor for v in self._values_in(node.args) if v.vendor]
        if primary is not None and primary.vendor:
            self.mark_fallback(primary.site, others)

    def _values_in(self, args) -> list:
        values = []
        for arg in args:
            value = arg.value
            elements = value.elements if isinstance(value, (cst.List, cst.Tuple)) else [value]
            for element in elements:
                inner = element.value if isinstance(element, (cst.Element, cst.StarredElement)) else element
                resolved = self.value_of(inner)
                if resolved is not None:
                    values.append(resolved)
        return values

    def _try_fallbacks(self) -> None:
        """A call in a try body is protected when an except handler reaches another vendor.

        The sites of a function the handler calls are a plan B only there: when the module also
        calls that function outside any handler, its sites run in normal flow and stay primary
        (attribution.py adds callers in other modules and entry points). A call in the try body
        itself is never its own plan B (`except: return ask(q)` inside `ask` is a retry).
        """
        sites = ("call", "adapter", "model_string")
        handler_sites: dict = {}
        for index, memberships in self.try_members.items():
            for try_id, part in memberships:
                if part == "handler" and self.findings[index].kind in sites:
                    handler_sites.setdefault(try_id, set()).add(index)
        for try_id, name in self.handler_calls:
            if name in self.normal_calls:
                continue
            for index in self.function_findings.get(name, ()):
                if self.findings[index].kind in sites and self.findings[index].feature != "client":
                    handler_sites.setdefault(try_id, set()).add(index)
        protected = set()
        for index, memberships in self.try_members.items():
            finding = self.findings[index]
            if finding.kind not in sites:
                continue
            for try_id, part in memberships:
                if part == "body" and handler_sites.get(try_id):
                    vendors = {self.findings[i].vendor for i in handler_sites[try_id]}
                    self.mark_fallback(index, vendors)
                    if finding.vendor in vendors:  # the handler calls the same provider again
                        self.findings[index] = replace(self.findings[index], retry=True)
                    protected.add(try_id)
        for try_id in protected:
            for index in handler_sites[try_id]:
                if (try_id, "body") not in self.try_members.get(index, ()):
                    self.mark_target(index)
