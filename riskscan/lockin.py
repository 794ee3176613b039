"""Lock-in classes (rules/lockin/): which call sites show a DOMAIN.md 2.3 class, from data over what the extractor saw."""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable, Optional

from .datafiles import load_table
from .errors import RuleFileError
from .model import SITE_KINDS
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


@dataclass(frozen=True)
class Rule:
    lock_in_class: str
    features: tuple = ()
    model_prefixes: tuple = ()
    keywords: tuple = ()
    path_segments: tuple = ()
    index_modules: tuple = ()

    def matches_call(self, finding) -> bool:
        """Every condition but `index_modules` holds: what the call itself shows."""
        model = finding.model or (finding.detail if finding.kind == "model_string" else "")
        if self.features and finding.feature not in self.features:
            return False
        if self.model_prefixes and not model.startswith(self.model_prefixes):
            return False
        if self.keywords and not any(k in finding.arguments for k in self.keywords):
            return False
        return not self.path_segments or any(s in self.path_segments for s in finding.detail.replace("()", "").split(".")[1:])

    def matches(self, finding, imports_near) -> bool:
        """Every condition the rule gives holds; `imports_near()` is only asked when the others do."""
        return self.matches_call(finding) and (not self.index_modules or _imports_any(imports_near(), self.index_modules))


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
    """The findings, with `lock_in_class` set on the call sites whose evidence matches a rule.

    A scan has thousands of call sites but few distinct calls: the rules a call's own evidence
    satisfies are found once per distinct call, and an `index_modules` condition once per file.
    """
    near = _ImportsNear(results)
    by_call: dict = {}  # call evidence -> the rules it satisfies, in order
    by_file: dict = {}  # (path, rule) -> whether the imports near the file satisfy the rule
    out = []
    for finding in findings:
        if finding.kind not in SITE_KINDS:
            out.append(finding)
            continue
        evidence = (finding.kind, finding.feature, finding.model, finding.detail, finding.arguments)
        candidates = by_call.get(evidence)
        if candidates is None:
            candidates = by_call[evidence] = tuple(rule for rule in rules.rules if rule.matches_call(finding))
        found = None
        for rule in candidates:
            if rule.index_modules:
                hit = by_file.get((finding.path, id(rule)))
                if hit is None:
                    hit = by_file[(finding.path, id(rule))] = _imports_any(near(finding.path), rule.index_modules)
                if not hit:
                    continue
            found = rule.lock_in_class
            break
        out.append(replace(finding, lock_in_class=found) if found else finding)
    return out


def _imports_any(targets, roots: tuple) -> bool:
    """A target is one of the roots or inside one (`langchain_chroma.vectorstores` is in `langchain_chroma`)."""
    roots = frozenset(roots)
    return any(prefix in roots for target in targets for prefix in _prefixes(target))


class _ImportsNear:
    """What a file imports, together with what its first-party neighbours (imported or importing) import."""

    def __init__(self, results: Iterable):
        self.results = results
        self.targets: Optional[dict] = None  # indexed on first use: most scans never ask
        self.cache: dict = {}

    def _index(self) -> None:
        self.targets = {r.path: (r.module, _targets(r)) for r in self.results if r.skipped is None}
        self.path_of = {module: path for path, (module, _) in self.targets.items() if module}
        self.importers: dict = {}  # dotted name, and each of its prefixes -> paths that import it
        for path, (_, targets) in self.targets.items():
            for target in targets:
                for prefix in _prefixes(target):
                    self.importers.setdefault(prefix, set()).add(path)

    def __call__(self, path: str) -> frozenset:
        if self.targets is None:
            self._index()
        if path not in self.cache:
            module, mine = self.targets.get(path, ("", frozenset()))
            neighbours = set(self.importers.get(module, ())) if module else set()
            neighbours |= {self.path_of[p] for t in mine for p in _prefixes(t) if p in self.path_of}
            near = set(mine).union(*(self.targets[n][1] for n in neighbours))
            self.cache[path] = frozenset(near)
        return self.cache[path]


def _prefixes(dotted: str) -> list:
    parts = dotted.split(".")
    return [".".join(parts[:size]) for size in range(1, len(parts) + 1)]


def _targets(result) -> frozenset:
    """Absolute dotted names a module imports (relative imports resolved by the structure pass)."""
    values = result.structure.names.values() if result.structure is not None else ()
    names = {value for value in values if isinstance(value, str)}
    for module, level, imported, *_ in result.imports:
        if not level and module:
            names.add(module)
            names.update(f"{module}.{name}" for name in imported if name != "*")
    return frozenset(names)
