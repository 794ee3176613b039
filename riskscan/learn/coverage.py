"""How much of the hand-written adapter catalogue the learned files reproduce, and what they miss.

Only hand-written adapters inside the packages a learned file was learned from count: learning
langchain-openai says nothing about `langchain_community`. An adapter is reproduced when the
learned files map its qualname (or, as the scanner does, a re-export of the same class below its
module) to the same provider. A hand-written name the pinned versions do not define (it names an
older or newer release: `dspy.Claude` is dspy 2), or keep only as an empty placeholder of a removed
class (`Reach.is_placeholder`), cannot be learned from them: the catalogue script
lists those in learned/NOT_DEFINED (`not_defined`), and they are counted apart, never as reproduced.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from ..ruleset import Catalogue, Entry, builtin_rules_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


NOT_DEFINED = "NOT_DEFINED"  # file name in learned/: one qualname a line, `#` comments


@dataclass
class Coverage:
    compared: list  # (qualname, vendor) of the hand-written adapters inside learned packages
    missed: list  # (qualname, vendor, what was learned instead or None)
    not_defined: list  # (qualname, vendor) of those the pinned versions do not define: left out of both

    @property
    def ratio(self) -> float:
        return 1 - len(self.missed) / len(self.compared) if self.compared else 1.0


def compare(rules_dir: Path = None) -> Coverage:
    """Compare `rules_dir`/learned/*.toml with the hand-written adapters of `rules_dir`/vendors/."""
    rules_dir = Path(rules_dir or builtin_rules_dir())
    learned, packages = Catalogue(), []
    for path in sorted((rules_dir / "learned").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        packages += data["provenance"].get("packages", [])
        for rule in data.get("adapters", ()):
            learned.entries.update({q: Entry(rule["vendor"], "adapter") for q in rule["qualnames"]})
        for rule in data.get("routers", ()):
            learned.entries.update({q: Entry("(router)", "router") for q in rule["qualnames"]})
    compared, missed, absent = [], [], []
    undefined = set(not_defined(rules_dir))
    for qualname, vendor in hand_written_inside(rules_dir, packages):
        if qualname in undefined:
            absent.append((qualname, vendor))
            continue
        compared.append((qualname, vendor))
        entry = learned.entry_for(qualname)
        if entry is None or entry.vendor != vendor:
            missed.append((qualname, vendor, entry.vendor if entry else None))
    return Coverage(compared, missed, absent)


def hand_written_inside(rules_dir: Path, packages: list) -> list:
    """(qualname, vendor) of the hand-written adapters inside these import packages."""
    return [(q, v) for q, v in _hand_written_adapters(Path(rules_dir)) if any(q.startswith(p + ".") for p in packages)]


def undefined(qualnames, public: set) -> list:
    """The qualnames no public name of the learned code defines, matched as a scan matches rules
    (Catalogue.entry_for: through a re-export, or from the submodule that defines the class)."""
    names = Catalogue()
    names.entries.update({name: Entry("", "adapter") for name in public})
    return sorted(q for q in qualnames if names.entry_for(q) is None)


def not_defined(rules_dir: Path) -> list:
    try:
        text = (Path(rules_dir) / "learned" / NOT_DEFINED).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _hand_written_adapters(rules_dir: Path) -> list:
    found = []
    for path in sorted((rules_dir / "vendors").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        found += [(q, data["id"]) for rule in data.get("adapters", ()) for q in rule["qualnames"]]
    return found
