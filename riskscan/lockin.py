"""Lock-in classes (rules/lockin/): which call sites show a DOMAIN.md 2.3 class, from data over what the extractor saw."""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable, Optional

from .datafiles import load_table
from .errors import RuleFileError
from .ruleset import FEATURES
from .schema import List, Map, Problem, Str, Table, Tables, locate

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_CONDITIONS = ("features", "model_prefixes", "keywords", "path_segments", "index_modules")
SCHEMA = Table({
    "classes": Map(Str(allow_empty=False)),
    "rules": Tables({
        "class": Str(required=True, pattern=r"[a-z][a-z0-9_]*"),
        "features": List(Str(choices=FEATURES)),
        "model_prefixes": List(Str(allow_empty=False)),
        "keywords": List(Str(pattern=_NAME)),
        "path_segments": List(Str(pattern=_NAME)),
        "index_modules": List(Str(pattern=rf"{_NAME}(\.{_NAME})*")),
    }),
})
SITE_KINDS = ("call", "adapter", "model_string")


@dataclass(frozen=True)
class Rule:
    lock_in_class: str
    features: tuple = ()
    model_prefixes: tuple = ()
    keywords: tuple = ()
    path_segments: tuple = ()
    index_modules: tuple = ()

    def matches(self, finding, imports_near) -> bool:
        """Every condition the rule gives holds; `imports_near()` is only asked when a rule needs it."""
        model = finding.model or (finding.detail if finding.kind == "model_string" else "")
        segments = finding.detail.replace("()", "").split(".")
        return all((
            not self.features or finding.feature in self.features,
            not self.model_prefixes or model.startswith(self.model_prefixes),
            not self.keywords or any(k in finding.arguments for k in self.keywords),
            not self.path_segments or any(s in segments[1:] for s in self.path_segments),
            not self.index_modules or any(_under(t, self.index_modules) for t in imports_near()),
        ))


@dataclass(frozen=True)
class LockInRules:
    classes: dict  # class id -> what leaving means
    rules: tuple
    version: str = ""


@lru_cache(maxsize=8)
def load_lockin(extra_dirs: tuple = ()) -> LockInRules:
    """rules/lockin/*.toml (and `<dir>/lockin/` of each --rules folder, whose rules are tried first)."""
    files, version = load_table("lockin", SCHEMA, extra_dirs)
    classes, rules, problems = {}, [], []
    for file in files:
        classes.update(file.data.get("classes", {}))
    for file in reversed(files):
        for i, row in enumerate(file.data.get("rules", ())):
            key = f"rules[{i}]"
            if row["class"] not in classes:
                problems.append(Problem(str(file.path), locate(file.text, f"{key}.class"), f"{key}.class", f"unknown class {row['class']!r}"))
            if not any(name in row for name in _CONDITIONS):
                problems.append(Problem(str(file.path), locate(file.text, key), key, "a rule needs at least one condition"))
            rules.append(Rule(row["class"], *(tuple(row.get(name, ())) for name in _CONDITIONS)))
    if problems:
        raise RuleFileError(problems)
    return LockInRules(classes, tuple(rules), version)


def classify(findings: Iterable, results: Iterable, rules: LockInRules) -> list:
    """The findings, with `lock_in_class` set on the call sites whose evidence matches a rule."""
    near = _ImportsNear(results)
    out = []
    for finding in findings:
        found = _class_of(finding, rules, near) if finding.kind in SITE_KINDS else None
        out.append(replace(finding, lock_in_class=found) if found else finding)
    return out


def _class_of(finding, rules: LockInRules, near) -> Optional[str]:
    ask = lambda: near(finding.path)  # noqa: E731 - deferred: most rules never need the imports
    return next((rule.lock_in_class for rule in rules.rules if rule.matches(finding, ask)), None)


def _under(target: str, roots) -> bool:
    return any(target == root or target.startswith(root + ".") for root in roots)


class _ImportsNear:
    """What a file imports, together with what its first-party neighbours (imported or importing) import."""

    def __init__(self, results: Iterable):
        self.results = [r for r in results if r.skipped is None]
        self.cache: dict = {}

    def __call__(self, path: str) -> frozenset:
        if path not in self.cache:
            own = next((r for r in self.results if r.path == path), None)
            if own is None:
                self.cache[path] = frozenset()
                return self.cache[path]
            mine = _targets(own)
            near = set(mine)
            for other in self.results:
                theirs = _targets(other)
                imports_me = own.module and any(_under(t, (own.module,)) for t in theirs)
                if imports_me or (other.module and any(_under(t, (other.module,)) for t in mine)):
                    near |= theirs
            self.cache[path] = frozenset(near)
        return self.cache[path]


def _targets(result) -> frozenset:
    """Absolute dotted names a module imports (relative imports resolved by the structure pass)."""
    values = result.structure.names.values() if result.structure is not None else ()
    names = {value for value in values if isinstance(value, str)}
    for module, level, imported, *_ in result.imports:
        if not level and module:
            names.add(module)
            names.update(f"{module}.{name}" for name in imported if name != "*")
    return frozenset(names)
