"""Stage 4 driver: turn findings plus the graph into scoring inputs, and the scores into report fields.

score.py stays pure (sites in, numbers out); this module owns the translation from evidence:
which findings are primary call sites, who reaches them, what fallback credit they earn.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

from .discover import scope_for
from .graph import EVIDENCE_KINDS, RepoGraph, is_evidence_of_use
from .model import NOT_A_REQUEST
from .places import spot, where
from .switches import Switches
from .score import EntryPoint as ScoreEntry
from .score import PORTABLE, UNRESOLVED, Site, compute_scores, lock_in_weight

# Hosting platforms serve other makers' models: their family is unknown without the model id.
_FAMILY_OF_VENDOR = {"azure_openai": "openai"}


@dataclass(frozen=True)
class EntryExposure:
    """One entry point and the providers it reaches: in normal running, as a plan B, or by a switch."""

    id: str
    path: str
    name: str
    kind: str
    line: int
    detail: str
    scope: str
    criticality: float
    vendors: tuple  # every provider its code calls, fallback providers included
    unprotected_vendors: tuple  # providers whose outage stops it now (no runtime plan B)
    switchable_vendors: tuple  # providers its calls can be switched to by configuration
    approximate: bool
    evidence: tuple  # "path:line" of the call sites it reaches
    fallback_vendors: tuple = ()  # providers it calls only as a plan B
    reach: str = "traced"  # traced | partial | untraced (graph.Reach.status): how far its calls were followed
    unresolved: tuple = ()  # (path, line, function, method) of calls that could not be resolved and may lead to AI code

    def as_dict(self) -> dict:
        return {"path": self.path, "name": self.name, "kind": self.kind, "line": self.line, "detail": self.detail,
                "scope": self.scope, "vendors": list(self.vendors), "unprotected_vendors": list(self.unprotected_vendors),
                "switchable_vendors": list(self.switchable_vendors), "approximate": self.approximate,
                "evidence": list(self.evidence), "criticality": self.criticality,
                "fallback_vendors": list(self.fallback_vendors), "reach": self.reach,
                "unresolved_calls": [unresolved_call(u) for u in self.unresolved]}


@dataclass
class Exposure:
    """What the scores rest on, typed: every renderer reads these and none recomputes them."""

    scores: object  # score.Scores
    entry_points: list  # EntryExposure, every scope (the scores use production ones)
    sites: dict  # finding index -> Site: production call sites, fallback targets included
    switches: object = None  # switches.Switches
    project_kind: str = "application"

    @property
    def reach(self) -> str:
        return self.scores.reach

    def entry_rows(self) -> list:
        return [e.as_dict() for e in self.entry_points]


def assess(report, repo: RepoGraph, catalogue, include_scopes=("prod",), crit=None, gates=None,
           switches=None, project=None, scopes=None, unread=()) -> Exposure:
    """Scores over production code by default; tests and examples are reported apart.

    `crit` maps entry point ids to their configured criticality (default 1 each); `gates` are the
    model-retirement gates of lifecycle.lifecycle_gates; `switches` the configuration switches
    (switches.find_switches); `project` the project kind; `scopes` relpath -> scope; `unread`
    the (path, reason) of production files that mention AI suppliers but could not be analysed.
    Where no request to a provider was traced but the code builds clients, names models or
    imports SDKs, the scores infer from that evidence (marked, low confidence), never "no use".
    """
    crit = crit or {}
    switches = switches or Switches()
    entries = [e for e in repo.entry_points if e.scope in include_scopes]
    reached_by = {}
    for entry in entries:
        for index in repo.reach[entry.id].sites:
            reached_by.setdefault(index, set()).add(entry.id)
    module_scope = _module_scopes(repo, scopes)
    sites = {}
    for index, finding in enumerate(report.findings):
        if finding.scope not in include_scopes or not finding.is_call_site:
            continue
        modules = {m for m in repo.site_modules.get(index, ()) if module_scope(m) in include_scopes}
        sites[index] = _site(finding, frozenset(reached_by.get(index, ())), frozenset(modules) or frozenset({finding.path}),
                             catalogue, switches.of(index))
    inferred = {} if any(not s.is_fallback_target for s in sites.values()) else \
        _inferred_sites(report, repo, catalogue, include_scopes, module_scope)
    names = {vendor: rule.name for vendor, rule in catalogue.vendors.items()}
    kind = getattr(project, "kind", "application")
    scores = compute_scores(list(sites.values()) + list(inferred.values()), [_score_entry(e, repo, crit) for e in entries],
                            _closely_connected(catalogue), gates=gates, names=names, project_kind=kind, unread=unread)
    rows = [_entry_exposure(e, repo, report, sites, crit.get(e.id, 1.0)) for e in repo.entry_points]
    return Exposure(scores, rows, sites, switches, kind)


def _inferred_sites(report, repo: RepoGraph, catalogue, include_scopes, module_scope) -> dict:
    """One stand-in Site per (file, provider) for evidence of use that sends no request itself,
    the strongest evidence of the file (a client built, then a model named, a host, an import)."""
    best: dict = {}
    for index, finding in enumerate(report.findings):
        if finding.scope in include_scopes and is_evidence_of_use(finding) and finding.vendor != UNRESOLVED:
            key = (finding.path, finding.vendor)
            rank = EVIDENCE_KINDS.index(finding.kind)
            if key not in best or rank < best[key][0]:
                best[key] = (rank, index)
    inferred = {}
    for _, index in best.values():
        finding = report.findings[index]
        modules = {m for m in repo.site_modules.get(index, ()) if module_scope(m) in include_scopes}
        site = _site(finding, frozenset(), frozenset(modules) or frozenset({finding.path}), catalogue)
        request = finding.feature if finding.feature and finding.feature not in NOT_A_REQUEST else "chat"  # the default kind
        inferred[index] = replace(site, inferred=True, feature=request)
    return inferred


def _score_entry(entry, repo: RepoGraph, crit: dict) -> ScoreEntry:
    reach = repo.reach[entry.id]
    return ScoreEntry(entry.id, crit.get(entry.id, 1.0), reach.status, reach.unresolved)


def unresolved_call(call: tuple) -> str:
    """`pkg/app.py:16 b(): .handle()`: where an unresolved call that may lead to AI code is made."""
    path, line, function, method = call
    return f"{path}:{line} {function}(): .{method}()"


def _module_scopes(repo: RepoGraph, scopes) -> Callable:
    scopes = scopes or {}

    def scope(module: str) -> str:
        path = repo.modules.get(module, module)
        return scopes.get(path) or scope_for(path)
    return scope


def _site(finding, reach: frozenset, modules: frozenset, catalogue, switchable_to: tuple = ()) -> Site:
    return Site(
        vendor=finding.vendor, family=_family(finding, catalogue), feature=finding.feature or "chat",
        path=finding.path, line=finding.line, reach=reach,
        fallback_credit=fallback_credit(finding, catalogue), fallback_to=finding.fallback_to,
        lock_in=site_lock_in(finding, catalogue, bool(switchable_to)),
        is_fallback_target=finding.fallback_target, modules=modules, switchable_to=switchable_to, cell=finding.cell,
    )


def site_lock_in(finding, catalogue, switchable: bool = False) -> float:
    """DOMAIN.md 2.3 weights, from what the finding shows about the call.

    Chat through the openai SDK is the de-facto compatible protocol (0.20, not the 0.30 of a
    vendor-native SDK); a local runtime is under the organisation's own control, so its portable
    classes cost half (the method's worked example gives Ollama 0.10). A call a configuration
    switch can move to another provider gets the configuration modifier (x0.5, DOMAIN.md 5.1);
    deep classes (vectors, state, fine-tunes) keep their weight, since a switch does not move them.
    """
    weight = lock_in_weight(
        finding.feature or "chat", via_router=finding.kind == "model_string", config_driven=switchable,
        openai_compatible=finding.detail.startswith(("openai.", "langchain_openai.")),
        fine_tuned="ft:" in finding.detail or (finding.model or "").startswith("ft:"),
    )
    rule = catalogue.vendors.get(finding.vendor)
    if rule is not None and rule.kind == "local_runtime" and weight <= PORTABLE:
        weight *= 0.5
    return weight


def fallback_credit(finding, catalogue) -> float:
    """1 for a fallback to an unrelated operator, 0.5 to a closely connected one (OpenAI -> Azure)."""
    if not finding.has_fallback:
        return 0.0
    rule = catalogue.vendors.get(finding.vendor)
    connected = set(rule.closely_connected) if rule else set()
    others = set(finding.fallback_to) - {finding.vendor}
    if others - connected:
        return 1.0
    return 0.5 if others else 0.0


def _family(finding, catalogue):
    if finding.kind == "model_string":
        model = finding.detail.split("/", 1)[-1].split(":", 1)[-1]
        maker = catalogue.vendor_for_model(model)
        if maker:
            return maker
    return _FAMILY_OF_VENDOR.get(finding.vendor, finding.vendor)


def _closely_connected(catalogue) -> dict:
    return {vendor: tuple(rule.closely_connected) for vendor, rule in catalogue.vendors.items()}


def _entry_exposure(entry, repo: RepoGraph, report, sites: dict, criticality: float) -> EntryExposure:
    """Fallback providers count as reached (the entry point calls them when the primary fails);
    a provider is unprotected when a call to it has no runtime plan B."""
    reach = repo.reach[entry.id]
    vendors, primary, unprotected, switchable = set(), set(), set(), set()
    for index in reach.sites:
        finding = report.findings[index]
        vendors.add(finding.vendor)
        vendors.update(finding.fallback_to)
        site = sites.get(index)
        if finding.fallback_target:
            continue
        primary.add(finding.vendor)
        if site is None or not site.protected_now:
            unprotected.add(finding.vendor)
        if site is not None:
            switchable.update(site.switchable_to)
    return EntryExposure(
        id=entry.id, path=entry.path, name=entry.name, kind=entry.kind, line=entry.line, detail=entry.detail,
        scope=entry.scope, criticality=criticality, vendors=tuple(sorted(vendors)),
        unprotected_vendors=tuple(sorted(unprotected)), switchable_vendors=tuple(sorted(switchable)),
        approximate=bool(reach.approximate),
        evidence=tuple(sorted(where(spot(report.findings[i])) for i in reach.sites)),
        fallback_vendors=tuple(sorted(vendors - primary)), reach=reach.status, unresolved=reach.unresolved,
    )


def count_call_sites(findings: list) -> dict:
    """Vendor id -> CallSiteCounts: the one place the vendor table's numbers are counted."""
    counts: dict = {}
    for finding in findings:
        row = counts.setdefault(finding.vendor, CallSiteCounts(finding.vendor))
        row.add(finding)
    return counts


@dataclass
class CallSiteCounts:
    """Per vendor: production call sites in normal running (what every reason counts), and the
    other scopes and roles under names of their own."""

    vendor: str
    call_sites: int = 0  # production, `Finding.is_call_site`, not a fallback target
    fallback_call_sites: int = 0  # production call sites that run only when another provider failed
    call_sites_all_scopes: int = 0  # every scope, fallback targets included
    findings: int = 0
    prod_findings: int = 0
    files: set = field(default_factory=set)
    prod_files: set = field(default_factory=set)
    kinds: dict = field(default_factory=dict)

    def add(self, finding) -> None:
        prod = finding.scope == "prod" and not finding.type_only
        self.findings += 1
        self.prod_findings += prod
        self.files.add(finding.path)
        if prod:
            self.prod_files.add(finding.path)
        self.kinds[finding.kind] = self.kinds.get(finding.kind, 0) + 1
        if finding.is_call_site:
            self.call_sites_all_scopes += 1
            if finding.scope == "prod":
                self.call_sites += not finding.fallback_target
                self.fallback_call_sites += finding.fallback_target
