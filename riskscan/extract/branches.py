"""Clients an `if`/`else` rebinds to another provider: the binding that holds by default, and the providers a branch can switch it to.

`client = OpenAI()` then `if os.getenv("USE_AZURE"): client = AzureOpenAI(...)`: a request on
`client` after the `if` goes to OpenAI unless configuration says otherwise, so it stays OpenAI's,
with Azure OpenAI as a configuration alternative (the scores' `switchable_to`, switches.py).
Without a binding before the `if` (`if flag: client = A() else: client = B()`) the last binding
keeps the call, the others are its alternatives. Only real branches count: an except handler is
a fallback (fallbacks.py), and `if TYPE_CHECKING:` runs nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

import libcst as cst

from .values import Value

_UNBOUND = object()  # the name had no binding in the scope before the `if`


@dataclass
class _Branches:
    """One `if` statement (with its `elif`s and `else`) being walked."""

    node: cst.If
    depth: int  # the scope its bindings go to: those of a nested function or class are not its
    before: dict = field(default_factory=dict)  # name -> value before the `if` (or _UNBOUND)
    bound: dict = field(default_factory=dict)  # name -> values the branches bound it to


class BranchesMixin:
    """Tracks the names an `if` rebinds, and after it gives a client its branches' providers."""

    def _init_branches(self) -> None:
        self.branch_stack: list = []

    def enter_branches(self, node: cst.If) -> None:
        top = self.branch_stack[-1].node if self.branch_stack else None
        if top is None or top.orelse is not node:  # an `elif` belongs to the `if` it continues
            self.branch_stack.append(_Branches(node, len(self.scopes)))

    def note_binding(self, name: str, value: Optional[Value]) -> None:
        """Called by `bind` before the name is rebound in the innermost scope."""
        for frame in self.branch_stack:
            if frame.depth == len(self.scopes):
                frame.before.setdefault(name, self.scopes[-1].get(name, _UNBOUND))
                frame.bound.setdefault(name, []).append(value)

    def leave_branches(self, node: cst.If) -> None:
        if not self.branch_stack or self.branch_stack[-1].node is not node:
            return
        frame = self.branch_stack.pop()
        scope = self.scopes[-1]
        for name, before in frame.before.items():
            default = before if _client(before) else scope.get(name)
            if not _client(default):
                continue
            others = {v.vendor for v in frame.bound[name] if _client(v)} - {default.vendor}
            if others:
                scope[name] = replace(default, alternatives=tuple(sorted(others | set(default.alternatives))))


def _client(value) -> bool:
    """A client or adapter instance of a provider (not a response, not a plain value)."""
    return isinstance(value, Value) and bool(value.vendor) and value.kind in ("call", "adapter") and not value.result
