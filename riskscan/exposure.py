"""Stage 4 driver: turn findings plus the graph into scoring inputs, and the scores into report fields.

score.py stays pure (sites in, numbers out); this module owns the translation from evidence:
which findings are primary call sites, who reaches them, what fallback credit they earn.
"""
from __future__ import annotations

from dataclasses import dataclass

from .graph import RepoGraph
from .score import EntryPoint as ScoreEntry
from .score import PORTABLE, Site, compute_scores, lock_in_weight

# Hosting platforms serve other makers' models: their family is unknown without the model id.
_FAMILY_OF_VENDOR = {"azure_openai": "openai"}


@dataclass
class Exposure:
    scores: object  # score.Scores
    entry_points: list  # dicts for the JSON report
    sites: dict  # finding index -> Site


def assess(report, repo: RepoGraph, catalogue, include_scopes=("prod",), crit=None, gates=None) -> Exposure:
    """Scores over production code by default; tests and examples are reported apart.

    `crit` maps entry point ids to their configured criticality (default 1 each); `gates` are the
    model-retirement gates of lifecycle.lifecycle_gates.
    """
    crit = crit or {}
    entries = [e for e in repo.entry_points if e.scope in include_scopes]
    reached_by = {}
    for entry in entries:
        for index in repo.reach[entry.id].sites:
            reached_by.setdefault(index, set()).add(entry.id)
    sites = {}
    for index in sorted(repo.site_modules):
        finding = report.findings[index]
        if finding.scope not in include_scopes:
            continue
        sites[index] = _site(finding, frozenset(reached_by.get(index, ())), repo.site_modules[index], catalogue)
    names = {vendor: rule.name for vendor, rule in catalogue.vendors.items()}
    scores = compute_scores(list(sites.values()), [ScoreEntry(e.id, crit.get(e.id, 1.0)) for e in entries], _closely_connected(catalogue),
                            gates=gates, names=names)
    rows = [dict(_entry_dict(e, repo, report, sites), criticality=crit.get(e.id, 1.0)) for e in repo.entry_points]
    return Exposure(scores, rows, sites)


def _site(finding, reach: frozenset, modules: frozenset, catalogue) -> Site:
    return Site(
        vendor=finding.vendor, family=_family(finding, catalogue), feature=finding.feature or "chat",
        path=finding.path, line=finding.line, reach=reach,
        fallback_credit=fallback_credit(finding, catalogue), fallback_to=finding.fallback_to,
        lock_in=site_lock_in(finding, catalogue),
        is_fallback_target=finding.fallback_target, modules=modules,
    )


def site_lock_in(finding, catalogue) -> float:
    """DOMAIN.md 2.3 weights, from what the finding shows about the call.

    Chat through the openai SDK is the de-facto compatible protocol (0.20, not the 0.30 of a
    vendor-native SDK); a local runtime is under the organisation's own control, so its portable
    classes cost half (the method's worked example gives Ollama 0.10).
    """
    weight = lock_in_weight(
        finding.feature or "chat", via_router=finding.kind == "model_string",
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


def _entry_dict(entry, repo: RepoGraph, report, sites: dict) -> dict:
    reach = repo.reach[entry.id]
    vendors, unprotected = set(), set()
    for index in reach.sites:
        finding = report.findings[index]
        if finding.fallback_target:
            continue
        vendors.add(finding.vendor)
        site = sites.get(index)
        credit = site.fallback_credit if site is not None else 0.0
        if credit < 0.5:
            unprotected.add(finding.vendor)
    return {
        "path": entry.path, "name": entry.name, "kind": entry.kind, "line": entry.line, "detail": entry.detail,
        "scope": entry.scope, "vendors": sorted(vendors), "unprotected_vendors": sorted(unprotected),
        "approximate": bool(reach.approximate),
        "evidence": sorted(f"{report.findings[i].path}:{report.findings[i].line}" for i in reach.sites),
    }
