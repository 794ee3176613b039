"""What the extractor knows about names: the value an expression stands for, and import bindings."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import libcst as cst


@dataclass(frozen=True)


class Value:
    """What an expression stands for: a dotted path (`openai.OpenAI()` for an instance) and its vendor."""

    path: str = ""
    vendor: Optional[str] = None
    binding: Optional[int] = None  # the import binding it derives from
    site: Optional[int] = None  # index of the finding that built this client or adapter
    kind: Optional[str] = None  # "call" (SDK client) or "adapter" instance
    feature: Optional[str] = None
    text: Optional[str] = None  # value of a string constant
    node: Optional[cst.CSTNode] = None  # a list or dict literal, for routers' model lists
    routes: tuple = ()  # a router instance: indices of the model-string findings it was built with
    choices: tuple = ()  # strings a loop variable takes: `for key in ["OPENAI_API_KEY", ...]`
    result: bool = False  # what a request returned (a response, a stream), not a client
    setting: Optional[str] = None  # read from configuration: the setting's name (`LLM_MODEL`, `settings.model`)
    default: Optional[str] = None  # the literal such a read falls back to (`os.getenv("LLM_MODEL", "gpt-4o")`)
    alternatives: tuple = ()  # a client: providers an if/else branch rebinds its name to instead (branches.py)


@dataclass


class Binding:
    """One imported name: its own vendor, and the vendors its uses turned out to reach."""

    module: str
    line: int
    column: int
    own: Optional[tuple] = None  # (vendor, kind)
    conditional: frozenset = frozenset()
    derived: set = field(default_factory=set)
    type_only: bool = False
    snippet_line: int = 0
