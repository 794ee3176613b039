"""The learned rule file (`rules/learned/<id>.toml`): its data, its TOML text, its schema and its loading.

A learned file maps the public symbols of one distribution to what they reach: an adapter (a
provider, a feature, the fallbacks the wrapper implements itself) or a router (the provider comes
from a model string argument). It says where it came from (distribution, version, content hash,
date) and carries the call sites that justify each symbol, so a reviewer can check it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..schema import Date, Int, List, OneOf, Problem, Str, Table, Tables, locate

_ID = r"[a-z][a-z0-9_]*"
_QUALNAME = r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*"
_QUALNAMES = List(Str(pattern=_QUALNAME, allow_empty=False), required=True)


def _features():
    from ..ruleset import FEATURES  # the one list of feature classes

    return FEATURES


LEARNED_SCHEMA = Table({
    "id": Str(required=True, pattern=_ID),
    "provenance": Table({
        "distribution": Str(required=True, allow_empty=False),
        "version": Str(required=True, allow_empty=False),
        "content_hash": Str(required=True, pattern=r"sha256:[0-9a-f]{64}"),
        "learned_on": Date(required=True),
        "riskscan": Str(),
        "source": Str(),
        "packages": List(Str(pattern=_QUALNAME)),
    }, required=True),
    "adapters": Tables({
        "qualnames": _QUALNAMES,
        "vendor": Str(required=True, pattern=_ID),
        "feature": Str(required=True, choices=_features()),
        "features": List(Str(choices=_features())),
        "fallback_to": List(Str(pattern=_ID)),
        "defined_as": Str(choices=("class", "function")),
        "evidence": List(Str()),
    }),
    "routers": Tables({
        "qualnames": _QUALNAMES,
        "model_args": List(OneOf(Str(allow_empty=False), Int()), required=True),
        "defined_as": Str(choices=("class", "function")),
        "evidence": List(Str()),
    }),
})


@dataclass
class LearnedSymbol:
    """One public symbol and what it was learned as."""

    qualnames: tuple  # every public name it is imported by, the defining one first
    kind: str  # "adapter" | "router"
    defined_as: str  # "class" | "function"
    vendor: str = ""
    features: tuple = ()  # most used first
    fallback_to: tuple = ()
    model_args: tuple = ()  # router: keyword and position of the model argument
    evidence: tuple = ()  # "path:line" of the call sites that justify it


@dataclass
class LearnedFile:
    """The rules learned from one distribution, with their provenance."""

    id: str
    distribution: str
    version: str
    content_hash: str
    learned_on: str  # YYYY-MM-DD
    source: str = ""
    riskscan: str = ""
    symbols: list = field(default_factory=list)
    packages: tuple = ()  # the import packages it provides (`langchain_openai`, `llama_index.llms.openai`)

    def render(self) -> str:
        """TOML text, stable for the same input (symbols sorted), so a regenerated file diffs cleanly."""
        lines = [
            f"# Learned by `riskscan learn` from the code of {self.distribution} {self.version}: regenerate, do not edit.",
            "# Each symbol reaches the call sites listed as its evidence; hand-written rules win where both exist.",
            f"id = {_string(self.id)}",
            "",
            "[provenance]",
            f"distribution = {_string(self.distribution)}",
            f"version = {_string(self.version)}",
            f"content_hash = {_string(self.content_hash)}",
            f"learned_on = {self.learned_on}",
            f"riskscan = {_string(self.riskscan)}",
            f"source = {_string(self.source)}",
            f"packages = {_strings(self.packages)}",
        ]
        for symbol in sorted(self.symbols, key=lambda s: (s.kind, s.qualnames)):
            lines += [""] + (_adapter_lines(symbol) if symbol.kind == "adapter" else _router_lines(symbol))
        return "\n".join(lines) + "\n"

    def write(self, folder: Path) -> Path:
        """Write `<folder>/learned/<id>.toml` (the layout `--rules folder` loads); returns the path."""
        path = Path(folder) / "learned" / f"{self.id}.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.render(), encoding="utf-8")
        return path


def _adapter_lines(symbol: LearnedSymbol) -> list:
    lines = ["[[adapters]]", f"qualnames = {_strings(symbol.qualnames)}", f"vendor = {_string(symbol.vendor)}",
             f"feature = {_string(symbol.features[0])}", f"features = {_strings(symbol.features)}"]
    if symbol.fallback_to:
        lines.append(f"fallback_to = {_strings(symbol.fallback_to)}")
    return lines + [f"defined_as = {_string(symbol.defined_as)}", f"evidence = {_strings(symbol.evidence)}"]


def _router_lines(symbol: LearnedSymbol) -> list:
    args = ", ".join(_string(a) if isinstance(a, str) else str(a) for a in symbol.model_args)
    return ["[[routers]]", f"qualnames = {_strings(symbol.qualnames)}", f"model_args = [{args}]",
            f"defined_as = {_string(symbol.defined_as)}", f"evidence = {_strings(symbol.evidence)}"]


def _string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, except that DEL must be escaped too."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _strings(items) -> str:
    return "[" + ", ".join(_string(item) for item in items) + "]"


# ------------------------------------------------------------------ loading
def index_learned(cat, path: Path, text: str, data: dict, source: str) -> list:
    """Add a validated learned file to the catalogue's tables; problems with its vendor ids.

    A hand-written rule for the same qualname wins (it was indexed first and is kept); between
    learned files, the later source wins (`--rules` over the built-in catalogue, the environment
    over both), since it was learned from the code actually installed.
    """
    problems = _unknown_vendors(cat, path, text, data)
    if problems:
        return problems
    from ..ruleset import Entry, RouterCallable

    framework = data["provenance"]["distribution"]
    for rule in data.get("adapters", ()):
        entry = Entry(rule["vendor"], "adapter", (), rule["feature"], framework, None, tuple(rule.get("fallback_to", ())))
        for name in _unless_hand_written(cat, rule["qualnames"]):
            _claim_learned(cat, cat.entries, name, entry, source)
    for rule in data.get("routers", ()):
        callable_ = RouterCallable(data["id"], tuple(rule["model_args"]))
        for name in _unless_hand_written(cat, rule["qualnames"]):
            _claim_learned(cat, cat.router_callables, name, callable_, source)
    cat._by_name = None  # the name index of entries is rebuilt on next use
    return []


def _unless_hand_written(cat, qualnames) -> list:
    """A symbol that a hand-written rule names under any of its names is the hand-written rule's."""
    hand_written = any((q in cat.entries or q in cat.router_callables) and q not in cat.learned for q in qualnames)
    return [] if hand_written else list(qualnames)


def _claim_learned(cat, table: dict, name: str, value, source: str) -> None:
    if (name in cat.entries or name in cat.router_callables) and name not in cat.learned:
        return  # hand-written
    previous = cat.learned.get(name)
    if previous is not None:
        cat.entries.pop(name, None)
        cat.router_callables.pop(name, None)
        cat.symbol_counts[(previous, "learned")] -= 1
    table[name] = value
    cat.learned[name] = source
    cat.symbol_counts[(source, "learned")] = cat.symbol_counts.get((source, "learned"), 0) + 1


def _unknown_vendors(cat, path: Path, text: str, data: dict) -> list:
    problems = []
    for i, rule in enumerate(data.get("adapters", ())):
        keys = [(f"adapters[{i}].vendor", rule["vendor"])]
        keys += [(f"adapters[{i}].fallback_to[{j}]", other) for j, other in enumerate(rule.get("fallback_to", ()))]
        for key, vendor in keys:
            if vendor not in cat.vendors:
                problems.append(Problem(str(path), locate(text, key), key, f"unknown vendor id {vendor!r}"))
    return problems
