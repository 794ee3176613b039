"""Legacy SDK APIs (rules/legacy/): code paths a release removed or a vendor switched off, and where code still uses them."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Callable, Iterable, Optional

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .datafiles import load_table
from .model import Finding
from .schema import Date, List, Str, Table, Tables

STATUSES = ("removed", "shut_down", "unsupported")
_DOTTED = r"[A-Za-z_][A-Za-z0-9_]*(\(\))?(\.[A-Za-z_][A-Za-z0-9_]*(\(\))?)*"

SCHEMA = Table({
    "vendor": Str(required=True, pattern=r"[a-z][a-z0-9_]*"),
    "name": Str(required=True, allow_empty=False),
    "removals": Tables({
        "distribution": Str(required=True, pattern=r"[A-Za-z0-9][A-Za-z0-9._\-]*"),
        "paths": List(Str(allow_empty=False, pattern=_DOTTED), required=True),
        "status": Str(required=True, choices=STATUSES),
        "removed_in": Str(allow_empty=False),
        "date": Date(),
        "flag": Str(choices=("uses", "imports")),
        "summary": Str(required=True, allow_empty=False),
        "replacement": Str(),
        "confidence": Str(choices=("high", "medium", "low")),
        "source_url": Str(required=True, pattern=r"https?://\S+"),
        "read_date": Date(required=True),
        "note": Str(),
    }, required=True),
})


@dataclass(frozen=True)
class Removal:
    """Paths an SDK release removed (or a service shut down), and the release or date that did it."""

    vendor: str
    distribution: str  # canonical
    paths: tuple  # dotted, without "()"
    status: str
    summary: str
    source_url: str
    read_date: date
    removed_in: Optional[Version] = None
    date: Optional[date] = None
    imports_only: bool = False
    replacement: str = ""
    confidence: str = "high"
    source: str = ""

    def covers(self, finding: Finding) -> bool:
        if finding.kind != "import" and (self.imports_only or finding.kind != "call"):
            return False
        detail = finding.detail.replace("()", "")
        return any(detail == p or detail.startswith(p + ".") for p in self.paths)


@dataclass(frozen=True)
class Legacy:
    removals: tuple
    version: str = ""
    by_path: dict = field(default=None, init=False, compare=False, hash=False, repr=False)  # path -> removal indices

    def __post_init__(self):
        index: dict = {}
        for number, removal in enumerate(self.removals):
            for path in removal.paths:
                index.setdefault(path, []).append(number)
        object.__setattr__(self, "by_path", index)

    def match(self, finding: Finding) -> Optional[Removal]:
        """The first removal that covers the finding. A removal covers a detail by one of its dotted
        prefixes, so only the removals of those prefixes are asked (a scan has thousands of imports
        and calls, the tables hundreds of paths)."""
        if finding.kind not in ("import", "call"):
            return None
        parts = finding.detail.replace("()", "").split(".")
        numbers = [n for size in range(1, len(parts) + 1) for n in self.by_path.get(".".join(parts[:size]), ())]
        return next((self.removals[n] for n in sorted(numbers) if self.removals[n].covers(finding)), None)

    def breaking_releases(self, distribution: str) -> list:
        """The releases of a distribution that removed an API, oldest first."""
        found = {r.removed_in: r for r in self.removals if r.distribution == distribution and r.removed_in is not None}
        return [found[v] for v in sorted(found)]


@lru_cache(maxsize=8)
def load_legacy(extra_dirs: tuple = (), vendors: Optional[frozenset] = None) -> Legacy:
    """Validate and index rules/legacy/*.toml (and `<dir>/legacy/` of each --rules folder)."""
    files, version = load_table("legacy", SCHEMA, extra_dirs, lambda f: _cross_check(f, vendors))
    removals = []
    for file in files:
        for i, row in enumerate(file.data["removals"]):
            removals.append(Removal(
                vendor=file.data["vendor"], distribution=canonicalize_name(row["distribution"]),
                paths=tuple(p.replace("()", "") for p in row["paths"]), status=row["status"], summary=row["summary"],
                source_url=row["source_url"], read_date=row["read_date"],
                removed_in=Version(row["removed_in"]) if "removed_in" in row else None, date=row.get("date"),
                imports_only=row.get("flag") == "imports", replacement=row.get("replacement", ""),
                confidence=row.get("confidence", "high"), source=file.where(f"removals[{i}]"),
            ))
    return Legacy(tuple(removals), version)


def _cross_check(file, vendors: Optional[frozenset]) -> list:
    data, problems = file.data, []
    if data["vendor"] != file.path.stem:
        problems.append(("vendor", f"{data['vendor']!r} must equal the file name {file.path.stem!r}"))
    elif vendors is not None and data["vendor"] not in vendors:
        problems.append(("vendor", f"unknown vendor id {data['vendor']!r}"))
    for i, row in enumerate(data["removals"]):
        key = f"removals[{i}]"
        if "removed_in" in row:
            try:
                Version(row["removed_in"])
            except InvalidVersion:
                problems.append((f"{key}.removed_in", f"{row['removed_in']!r} is not a PEP 440 version"))
        if row["status"] == "removed" and "removed_in" not in row and "date" not in row:
            problems.append((key, "a removal needs removed_in (the release) or date"))
        if row["status"] != "removed" and "date" not in row:
            problems.append((f"{key}.date", f"required when status is {row['status']!r}"))
    return problems


def legacy_findings(findings: Iterable, legacy: Legacy, breaks: Callable, as_of: date) -> list:
    """A `legacy_api` finding beside every import or call of a removed, shut-down or unsupported path.

    `breaks(removal)` -> (True/False/None, facts) says whether the versions the manifests allow
    (or the as-of date, for a shutdown) already break the code; True makes the finding high.
    """
    found = []
    for finding in findings:
        removal = legacy.match(finding)
        if removal is None:
            continue
        broken, version_facts = breaks(removal)
        facts = (("distribution", removal.distribution), ("status", removal.status),
                 ("removed_in", str(removal.removed_in) if removal.removed_in else None),
                 ("date", removal.date.isoformat() if removal.date else None), ("breaks_now", broken),
                 *version_facts, ("summary", removal.summary), ("replacement", removal.replacement or None),
                 ("confidence", removal.confidence), ("source_url", removal.source_url),
                 ("read_date", removal.read_date.isoformat()), ("as_of", as_of.isoformat()))
        found.append(replace(
            finding, kind="legacy_api", check=removal.status, facts=facts, level="high" if broken else "medium",
            has_fallback=False, fallback_to=(), fallback_target=False, lock_in_class=None, feature=None, arguments=(),
        ))
    return found
