"""What the organisation's view needs from one repository's JSON report, read in one place.

Every figure of `riskscan portfolio` and `riskscan history` comes from these facts, never from
the report directly, so reports written before and after a change of the per-repository
contract read the same way. Fields a newer report adds (`fallback_kind`, `switchable_to`,
`entry_points[].switchable_vendors`, `summary.project_kind`, `scores.reach`) are read with
`.get()`; without them a call site has no config-time plan B and nothing is switchable.

What a report does not know stays unknown here: a supplier's call sites that no entry point was
traced to (`scores.unreached`) make what stops without it "not known" (none traced) or a lower
bound (some traced), never a zero; the grade keeps its uncertainty mark (`grade_label`, "F?").

Facts are plain JSON-ready dicts: a history file stores them per commit (`compact`), and a
portfolio reads them back from it.
"""
from __future__ import annotations

from ..model import Finding
from ..places import place

EVIDENCE = 3  # call-site locations kept per supplier (the register's evidence column)
PLAN_B_KINDS = ("runtime", "config", "none")
COUNTS = ("name", "prod_findings", "call_sites", *PLAN_B_KINDS, "reach", "unreached")  # what a compact supplier row keeps


def repo_facts(report: dict) -> dict:
    """The facts of one `riskscan scan --format json` report."""
    scores = report.get("scores") or {}
    entries = [e for e in report.get("entry_points") or () if e.get("scope", "prod") == "prod"]
    sites = [f for f in report.get("findings") or () if is_call_site(f)]
    reached = any(e.get("vendors") for e in entries)
    weight = sum(_criticality(e) for e in entries)
    unreached = _unreached(scores, sites, reached)
    suppliers = {row["id"]: _supplier(row, sites, entries, report, weight if reached else 0.0, unreached)
                 for row in report.get("vendors") or ()}
    summary = report.get("summary") or {}
    return {
        "root": report.get("root", ""),
        "tool_version": (report.get("tool") or {}).get("version", ""),
        "rules_version": (report.get("tool") or {}).get("rules_version", ""),
        "schema_version": report.get("schema_version", ""),
        "as_of": (report.get("lifecycle") or {}).get("as_of"),
        "grade": scores.get("grade"), "grade_label": scores.get("grade_label") or scores.get("grade"),
        "risk": scores.get("risk"), "hhi": scores.get("concentration_hhi"),
        "lock_in": scores.get("lock_in"), "low_confidence": bool(scores.get("low_confidence")),
        "project_kind": summary.get("project_kind"), "reach": scores.get("reach"),
        "files_scanned": summary.get("files_scanned", 0), "lines_scanned": summary.get("lines_scanned", 0),
        "entry_points": len(entries), "entry_points_ai": sum(bool(e.get("vendors")) for e in entries),
        "entry_weight": round(weight, 4), "reached": reached,
        "config_aware": any("fallback_kind" in f for f in report.get("findings") or ()),
        "call_sites": len(sites), **_plan_b_counts(sites),
        "suppliers": suppliers,
        "retirements": [_retirement(row) for row in (report.get("lifecycle") or {}).get("calendar") or ()],
    }


def is_call_site(finding: dict) -> bool:
    """A production call site that runs in normal operation: `Finding.is_call_site` (the one
    definition), in production code, and not a site that only runs when another supplier failed."""
    if finding.get("scope", "prod") != "prod" or finding.get("fallback_target"):
        return False
    probe = Finding(vendor=str(finding.get("vendor", "")), kind=str(finding.get("kind", "")), path="", line=0, column=0,
                    feature=finding.get("feature"), type_only=bool(finding.get("type_only")), service=finding.get("service"))
    return probe.is_call_site


def plan_b(finding: dict) -> str:
    """"runtime" (another supplier takes over by itself), "config" (a setting switches supplier), or "none"."""
    kind = finding.get("fallback_kind", "runtime" if finding.get("has_fallback") else None)
    if kind == "runtime":
        return "runtime"
    if kind == "config" or finding.get("switchable_to"):
        return "config"
    return "none"


def _plan_b_counts(sites: list) -> dict:
    counts = {kind: 0 for kind in PLAN_B_KINDS}
    for site in sites:
        counts[plan_b(site)] += 1
    return counts


def _unreached(scores: dict, sites: list, reached: bool) -> set:
    """Ids of the call sites no entry point was traced to: `scores.unreached` (places), or, from a
    report without it, every site when no entry point reaches AI code."""
    places = scores.get("unreached")
    if places is None:
        return set() if reached else {id(f) for f in sites}
    wanted = set(places)
    return {id(f) for f in sites if place(f.get("path"), f.get("line"), f.get("cell")) in wanted}


def _supplier(row: dict, sites: list, entries: list, report: dict, weight: float, unreached: set) -> dict:
    """One supplier of one repository: its call sites and plan B, what reaches it, what stops without it."""
    vendor = row["id"]
    own = [f for f in sites if f.get("vendor") == vendor]
    stops = [e for e in entries if vendor in (e.get("unprotected_vendors") or ())]
    return {
        "name": row.get("name", vendor), "company": row.get("company", ""), "kind": row.get("kind", ""),
        "prod_findings": row.get("prod_findings", 0), "call_sites": len(own), **_plan_b_counts(own),
        "unreached": sum(id(f) in unreached for f in own),  # its call sites no entry point was traced to
        # R_v of DOMAIN.md 5(1): the criticality of the entry points that reach a primary site of v
        "reach": round((row.get("exposure") or 0.0) * weight, 2),
        "stops": [_label(e) for e in stops],
        "stays_down": [_label(e) for e in stops if vendor not in (e.get("switchable_vendors") or ())],
        "functions": [_label(e) for e in entries if vendor in (e.get("vendors") or ())],
        "lock_in": row.get("lock_in"), "substitutability": row.get("substitutability"),
        "alternatives": sorted({t for f in own for t in list(f.get("fallback_to") or ()) + list(f.get("switchable_to") or ())
                                if t != vendor}),
        "models": sorted({str(f["model"]) for f in report.get("findings") or ()
                          if f.get("vendor") == vendor and f.get("model") and f.get("scope", "prod") == "prod"}),
        "evidence": [place(f.get("path"), f.get("line"), f.get("cell")) for f in own[:EVIDENCE]],
    }


def _criticality(entry: dict) -> float:
    value = entry.get("criticality", 1.0)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 1.0


def _label(entry: dict) -> str:
    return f"{entry.get('name', '?')} ({entry.get('path', '?')}:{entry.get('line', '?')})"


def _retirement(row: dict) -> dict:
    kept = {key: row.get(key) for key in ("model", "vendor", "retire_date", "date_kind", "status", "where")}
    return dict(kept, confirmed=row.get("confirmed", True) is not False)


def reach_known(supplier: dict) -> str:
    """"all" of a supplier's call sites traced to the entry points, "partial", or "none" (what stops is not known)."""
    sites, unreached = supplier.get("call_sites", 0), supplier.get("unreached", 0)
    return "all" if not unreached else "none" if unreached >= sites else "partial"


def present(facts: dict) -> set:
    """The suppliers production code shows any evidence of (an import, a call, a credential, a fallback)."""
    return {v for v, row in facts["suppliers"].items() if row.get("prod_findings") or row.get("call_sites")}


def compact(facts: dict) -> dict:
    """The counts of the facts without the lists (a history keeps one of these per commit)."""
    keep = {key: value for key, value in facts.items() if key not in ("suppliers", "retirements")}
    keep["suppliers"] = {vendor: {key: row[key] for key in COUNTS} for vendor, row in facts["suppliers"].items()}
    return keep
