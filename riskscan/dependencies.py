"""Dependencies and lifecycle, once per scan: manifest checks, legacy APIs, model retirements, lock-in classes.

`review()` runs after extraction and before the graph: it adds findings of kind `manifest`,
`legacy_api` and `lifecycle`, marks call sites with their lock-in class, and hands the
retirement gates to the scores. Everything is computed against one as-of date.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Optional

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .discover import scope_for
from .legacy import legacy_findings, load_legacy
from .lifecycle import DEFAULT_WINDOW, calendar_records, lifecycle_findings, lifecycle_gates, load_lifecycle, model_uses
from .lockin import classify, load_lockin
from .manifests import Manifests, has_upper_bound, pinned_below, read_manifests
from .model import Finding
from .products import product


@dataclass
class Review:
    """What review() adds to a scan; api.scan stores it in report.dependencies."""

    findings: list  # every finding of the scan, the added ones included, sorted
    gates: dict  # score.compute_scores(gates=...)
    calendar: list  # production lifecycle records, nearest date first (report.lifecycle)
    manifests: Manifests = field(default_factory=Manifests)
    sdks: list = field(default_factory=list)  # declared AI SDKs, for the report's dependency list
    as_of: Optional[date] = None
    window: int = DEFAULT_WINDOW
    versions: dict = field(default_factory=dict)  # data table -> digest


def review(root: Path, results: Iterable, findings: list, catalogue, rule_dirs=(), as_of: Optional[date] = None,
           window: int = DEFAULT_WINDOW, scope_of: Callable = scope_for) -> Review:
    """All issue-7 checks over one scan's findings; `scope_of(relpath)` tags manifest findings."""
    as_of = as_of or date.today()
    results = list(results)
    lifecycle, legacy, lockin = load_tables(rule_dirs, catalogue)
    root = Path(root)
    manifests = read_manifests(root, _folders(results)) if root.is_dir() else Manifests()
    sdks = _Sdks(catalogue)
    findings = classify(findings, results, lockin)
    uses = model_uses(findings, catalogue, lifecycle, as_of, window)
    added = manifest_findings(manifests, findings, results, sdks, legacy, scope_of)
    added += legacy_findings(findings, legacy, lambda removal: _breaks(removal, manifests, as_of), as_of)
    added += lifecycle_findings(uses, as_of)
    return Review(
        findings=sorted(findings + added, key=Finding.sort_key), gates=lifecycle_gates(uses),
        calendar=calendar_records(uses), manifests=manifests, sdks=sdk_rows(manifests, sdks), as_of=as_of,
        window=window, versions={"lifecycle": lifecycle.version, "legacy": legacy.version, "lockin": lockin.version},
    )


def load_tables(rule_dirs, catalogue) -> tuple:
    """(lifecycle, legacy, lock-in) data, validated against the catalogue; RuleFileError lists every problem."""
    dirs, known = tuple(str(d) for d in rule_dirs), frozenset(catalogue.vendors)
    return load_lifecycle(dirs, known), load_legacy(dirs, known), load_lockin(dirs)


def _folders(results) -> set:
    """The root and every folder above a scanned file: where a project keeps its manifests."""
    folders = {""}
    for result in results:
        folder = result.path
        while "/" in folder:
            folder = folder.rpartition("/")[0]
            if folder in folders:
                break  # and so are all above it
            folders.add(folder)
    return folders


class _Sdks:
    """The catalogue seen from the dependency side: distribution -> vendor, vendor -> its import roots."""

    def __init__(self, catalogue):
        self.catalogue = catalogue
        self.vendor_of, self.roots = {}, {}
        for vendor in sorted(catalogue.vendors):
            for dist in catalogue.vendors[vendor].distributions:
                self.vendor_of.setdefault(canonicalize_name(dist), vendor)
        for root, vendor in catalogue.sdk_roots.items():
            self.roots.setdefault(vendor, set()).add(root)
        for root, vendors in catalogue.conditional_roots.items():
            for vendor in vendors:
                self.roots.setdefault(vendor, set()).add(root)

    def root_of(self, module: str) -> Optional[tuple]:
        """(root, vendor) of a module inside a vendor SDK, or None."""
        hit = self.catalogue.root_vendor(module, self.catalogue.sdk_roots)
        if hit:
            return hit
        hit = self.catalogue.root_vendor(module, self.catalogue.conditional_roots)
        return (hit[0], sorted(hit[1])[0]) if hit else None

    def distributions(self, vendor: str, root: str) -> set:
        """Names that would declare an import of `root`: the vendor's SDKs, or the module's own name."""
        rule = self.catalogue.vendors.get(vendor)
        names = {canonicalize_name(d) for d in (rule.distributions if rule else ())}
        return names | {canonicalize_name(root.split(".")[0])}


# --- manifest findings -------------------------------------------------------------------------

def manifest_findings(manifests: Manifests, findings: list, results: list, sdks: _Sdks, legacy, scope_of) -> list:
    """`manifest` findings: AI SDKs declared but never imported, imported but not declared, unbounded, pinned below a breaking release."""
    imported = _imported_modules(results)
    declared = [d for d in manifests.declarations if not d.constraint]
    found = []
    for declaration in declared:
        vendor = sdks.vendor_of.get(declaration.name)
        if vendor is None:
            continue
        roots = sdks.roots.get(vendor, ())
        if roots and not any(_under(module, roots) for module in imported):
            found.append(_manifest(declaration, vendor, "unused", scope_of))
        found += _version_findings(declaration, vendor, manifests, legacy, scope_of)
    prod_names = {d.name for d in declared if scope_of(d.path) == "prod"}
    if prod_names:
        found += _undeclared(findings, sdks, prod_names)
    return found


def _version_findings(declaration, vendor: str, manifests: Manifests, legacy, scope_of) -> list:
    if declaration.direct or declaration.specifier is None:
        return []
    spec, bounded = declaration.spec, _bounded(declaration, manifests)
    pin = manifests.pin_for(declaration.name, declaration.path)
    locked = _version(pin.version) if pin else None
    lock_facts = (("locked", pin.version if pin else None), ("lock_file", pin.path if pin else None))
    found = []
    if not bounded:
        found.append(_manifest(declaration, vendor, "unbounded", scope_of, lock_facts))
    for removal in legacy.breaking_releases(declaration.name):
        by_lock = not bounded and locked is not None and locked < removal.removed_in
        if pinned_below(spec, removal.removed_in) or by_lock:
            extra = lock_facts + (("breaking_release", str(removal.removed_in)), ("held_by", "lock" if by_lock else "specifier"),
                                  ("summary", removal.summary), ("source_url", removal.source_url),
                                  ("read_date", removal.read_date.isoformat()))
            found.append(_manifest(declaration, vendor, "below_breaking", scope_of, extra))
            break
    return found


def _bounded(declaration, manifests: Manifests) -> bool:
    """An upper bound in the declaration itself or in a `-c` constraint on the same distribution."""
    if declaration.direct:
        return True
    return any(d.spec is not None and has_upper_bound(d.spec) for d in manifests.declarations
               if d is declaration or d.constraint and d.name == declaration.name)


def _undeclared(findings: list, sdks: _Sdks, declared: set) -> list:
    """One finding per vendor SDK that production code imports at run time but no manifest declares."""
    first = {}
    for finding in findings:
        if finding.kind != "import" or finding.scope != "prod" or finding.type_only:
            continue
        hit = sdks.root_of(finding.detail)
        if hit and not sdks.distributions(hit[1], hit[0]) & declared:
            first.setdefault(hit, []).append(finding)
    found = []
    for (root, vendor), sites in sorted(first.items()):
        site = sites[0]
        candidates = sorted(sdks.distributions(vendor, root))
        facts = (("module", root), ("distributions", candidates), ("imports", len(sites)))
        found.append(Finding(vendor=vendor, kind="manifest", path=site.path, line=site.line, column=site.column,
                             snippet=site.snippet, detail=root, scope=site.scope, cell=site.cell, function=site.function,
                             check="undeclared", facts=facts, level="medium"))
    return found


_LEVELS = {"unused": "low", "unbounded": "low", "below_breaking": "medium"}


def _manifest(declaration, vendor: str, check: str, scope_of, extra: tuple = ()) -> Finding:
    facts = (("distribution", declaration.name), ("declared", declaration.specifier or None),
             ("group", declaration.group), ("source", declaration.source), *extra)
    return Finding(vendor=vendor, kind="manifest", path=declaration.path, line=declaration.line, column=0,
                   snippet=declaration.raw[:240], detail=declaration.raw, scope=scope_of(declaration.path),
                   check=check, facts=facts, level=_LEVELS[check])


def _imported_modules(results) -> set:
    """Every absolute module a scanned file imports (any scope, type-only included): what counts as using an SDK."""
    modules = set()
    for result in results:
        modules.update(product(result, "absolute imports", None, lambda: _absolute_imports(result)))
    return modules


def _absolute_imports(result) -> frozenset:
    modules = set()
    for module, level, names, *_ in result.imports:
        if not level and module:
            modules.add(module)
            modules.update(f"{module}.{name}" for name in names if name != "*")
    return frozenset(modules)


def _under(module: str, roots) -> bool:
    return any(module == root or module.startswith(root + ".") for root in roots)


def _version(text: str) -> Optional[Version]:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _breaks(removal, manifests: Manifests, as_of: date) -> tuple:
    """(does the code break with what the manifests allow: True, False or None for unknown, facts)."""
    if removal.status == "shut_down":
        return as_of >= removal.date, ()
    if removal.status == "unsupported":
        return False, ()
    declared = next((d for d in manifests.declarations if d.name == removal.distribution and not d.constraint), None)
    pin = manifests.pin_for(removal.distribution, declared.path if declared else "")
    facts = (("declared", declared.specifier or "any version") if declared else ("declared", None),
             ("locked", pin.version if pin else None))
    if removal.removed_in is None:  # gone from the releases after a date
        unbounded = declared is not None and not declared.direct and declared.spec is not None and not has_upper_bound(declared.spec)
        return (True if unbounded and pin is None and as_of >= removal.date else None), facts
    locked = _version(pin.version) if pin else None
    if locked is not None:
        return locked >= removal.removed_in, facts
    if declared is None or declared.direct or declared.spec is None:
        return None, facts
    return not pinned_below(declared.spec, removal.removed_in), facts


def sdk_rows(manifests: Manifests, sdks: _Sdks) -> list:
    """The AI SDKs the manifests declare: the dependency side of the AI bill of materials."""
    rows = []
    for d in manifests.declarations:
        vendor = sdks.vendor_of.get(d.name)
        if vendor is None:
            continue
        pin = manifests.pin_for(d.name, d.path)
        rows.append({"name": d.name, "vendor": vendor, "specifier": d.specifier, "raw": d.raw, "path": d.path,
                     "line": d.line, "group": d.group, "source": d.source, "constraint": d.constraint,
                     "upper_bound": _bounded(d, manifests),
                     "locked": pin.version if pin else None})
    return sorted(rows, key=lambda r: (r["path"], r["line"], r["name"]))


# --- messages ------------------------------------------------------------------------------------

_OPERATOR_NAMES = {"google_vertex": "Google Vertex AI"}


def describe(finding: Finding, name: str) -> str:
    """The sentence for a manifest, legacy_api or lifecycle finding (render.finding_message uses it)."""
    facts = dict(finding.facts)
    writer = {"manifest": _manifest_text, "legacy_api": _legacy_text, "lifecycle": _lifecycle_text}[finding.kind]
    return writer(finding, facts, name)


def _locked_text(facts: dict) -> str:
    return f"; locked at {facts['locked']} in {facts['lock_file']}" if facts.get("locked") and facts.get("lock_file") else ""


def _manifest_text(finding: Finding, facts: dict, name: str) -> str:
    dist, check = facts.get("distribution", finding.detail), finding.check
    if check == "unused":
        return f"declares {dist}, the SDK of {name} ({facts['group']}), but never imports it"
    if check == "undeclared":
        return (f"imports {finding.detail}, the SDK of {name}, but no dependency manifest declares it "
                f"(expected one of: {', '.join(facts['distributions'])})")
    if check == "unbounded":
        return f"{finding.detail} has no upper version bound: a new major release of {dist} can break every call" + _locked_text(facts)
    if facts.get("held_by") == "lock":
        return (f"{dist} is locked at {facts['locked']} in {facts['lock_file']}, below {facts['breaking_release']}, "
                f"a breaking release, and nothing stops the next lock update from crossing it: {facts['summary']}")
    return (f"{finding.detail} keeps {dist} below {facts['breaking_release']}, a breaking release: {facts['summary']}"
            + _locked_text(facts))


def _legacy_text(finding: Finding, facts: dict, name: str) -> str:
    status, when = finding.check, facts.get("date")
    if status == "shut_down":
        verb = "shut" if facts.get("breaks_now") else "shuts"
        text = f"{finding.detail}: {name} {verb} this API down on {when}"
    elif status == "unsupported":
        text = f"{finding.detail}: {facts['distribution']} has had no support or fixes since {when}"
    else:
        release = f"{facts['distribution']} {facts['removed_in']}" if facts.get("removed_in") else f"{facts['distribution']} releases after {when}"
        text = f"{finding.detail} is gone from {release}"
        if facts.get("breaks_now"):
            text += " (the version the manifests allow already lacks it)"
    return text + (f"; use {facts['replacement']}" if facts.get("replacement") else "")


def _lifecycle_text(finding: Finding, facts: dict, name: str) -> str:
    """"model 'x' at OpenAI was switched off on D": retirement_words decides how sure the sentence sounds."""
    from .retirement_words import fate

    operator = _OPERATOR_NAMES.get(facts["operator"], name)
    what = fate(finding.check, facts["retire_date"], facts["date_kind"], facts.get("confirmed", True), facts["days_left"])
    text = f"model {finding.model!r} at {operator} " + ("is an alias that " if finding.check == "at_risk" else "") + what
    if finding.check == "retiring":
        text += f", {facts['days_left']} days after {facts['as_of']}"
    return text


# --- report sections -----------------------------------------------------------------------------

def report_sections(report) -> dict:
    """The JSON report's `lifecycle` and `dependencies` sections (additive to schema 1.0)."""
    found = report.dependencies
    if found is None:
        return {}
    from .lifecycle import retirement_calendar

    manifests = found.manifests
    return {
        "lifecycle": {"as_of": found.as_of.isoformat(), "window_days": found.window, "data_versions": found.versions,
                      "calendar": retirement_calendar(report)},
        "dependencies": {
            "manifests": [{"path": path, "kind": kind} for path, kind in manifests.files],
            "ai_sdks": found.sdks,
            "problems": [{"path": p, "line": l, "message": m} for p, l, m in manifests.problems],
        },
    }
