"""The JSON report: the machine contract (documented in README.md, `schema_version` at the top)."""
from __future__ import annotations

from collections import Counter

from .. import __version__
from ..dependencies import report_sections
from ..escape import dump_json
from ..model import KINDS
from . import SCHEMA_VERSION, finding_message


def report_dict(report) -> dict:
    data = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "riskscan", "version": __version__, "rules_version": report.rules_version},
        "root": report.root,
        "summary": {
            "files_scanned": report.files_scanned,
            "files_skipped": len(report.skipped),
            "lines_scanned": report.lines_scanned,
            "findings": len(report.findings),
            "vendors": len(report.vendors),
        },
        "scores": scores_dict(report),
        "vendors": vendor_rows(report),
        "entry_points": entry_point_rows(report),
        "findings": [finding_dict(f, report.vendors) for f in report.findings],
        "skipped": [{"path": s.path, "reason": s.reason, "line": s.line, "column": s.column} for s in report.skipped],
    }
    data.update(report_sections(report))  # "lifecycle" and "dependencies"
    return data


def entry_point_rows(report) -> list:
    exposure = report.extra.get("exposure")
    return exposure.entry_points if exposure is not None else []


def scores_dict(report):
    exposure = report.extra.get("exposure")
    if exposure is None:
        return None
    s = exposure.scores
    return {
        "concentration_hhi": round(s.concentration_hhi, 1), "concentration_band": s.concentration_band,
        "concentration_hhi_callsites": round(s.concentration_hhi_callsites, 1),
        "concentration_hhi_family": round(s.concentration_hhi_family, 1),
        "blast_radius_max": round(s.blast_radius_max, 4), "fallback_coverage": round(s.fallback_coverage, 4),
        "lock_in": round(s.lock_in, 1), "risk": round(s.risk, 1), "grade": s.grade, "low_confidence": s.low_confidence,
        "components": {k: round(v, 2) for k, v in s.components.items()}, "gates": list(s.gates_applied),
        "reasons": [{"text": r.text, "evidence": [f"{p}:{l}" for p, l in r.evidence]} for r in s.reasons],
    }


def vendor_rows(report) -> list:
    rows = []
    for vendor_id in sorted(report.vendors):
        rule = report.vendors[vendor_id]
        own = [f for f in report.findings if f.vendor == vendor_id]
        prod = [f for f in own if f.scope == "prod" and not f.type_only]
        counts = Counter(f.kind for f in own)
        rows.append({
            "id": vendor_id, "name": rule.name, "company": rule.company, "kind": rule.kind,
            "findings": len(own), "prod_findings": len(prod),
            "files": len({f.path for f in own}), "prod_files": len({f.path for f in prod}),
            "counts": {kind: counts[kind] for kind in KINDS if counts[kind]},
            "call_sites": sum(1 for f in prod if f.kind in ("call", "adapter", "model_string")),
            "unprotected_call_sites": sum(1 for f in prod if f.kind in ("call", "adapter", "model_string") and not f.has_fallback),
        })
        rows[-1].update(_vendor_scores(report, vendor_id))
    return rows


def _vendor_scores(report, vendor_id: str) -> dict:
    exposure = report.extra.get("exposure")
    score = exposure.scores.vendors.get(vendor_id) if exposure is not None else None
    if score is None:
        return {"share": 0.0, "exposure": 0.0, "blast_radius": 0.0, "fallback_coverage": None, "lock_in": None}
    return {
        "share": round(score.share, 4), "exposure": round(score.exposure, 4), "blast_radius": round(score.blast_radius, 4),
        "blast_radius_modules": round(score.blast_radius_modules, 4),
        "fallback_coverage": round(score.fallback_coverage, 4), "lock_in": round(score.lock_in, 1),
        "substitutability": score.substitutability,
    }


def finding_dict(finding, vendors) -> dict:
    data = {
        "rule_id": finding.rule_id, "vendor": finding.vendor, "kind": finding.kind,
        "path": finding.path, "line": finding.line, "column": finding.column,
        "scope": finding.scope, "type_only": finding.type_only, "has_fallback": finding.has_fallback,
        "fallback_to": list(finding.fallback_to), "fallback_target": finding.fallback_target, "retry": finding.retry, "feature": finding.feature,
        "severity": finding.severity, "message": finding_message(finding, vendors),
        "snippet": finding.snippet, "detail": finding.detail, "function": finding.function or None,
        "framework": finding.framework, "model": finding.model, "lock_in_class": finding.lock_in_class,
        "service": finding.service,
    }
    if finding.cell is not None:
        data["cell"] = finding.cell
    if finding.check is not None:
        data.update(check=finding.check, facts=dict(finding.facts))
    return data


def render_json(report) -> str:
    return dump_json(report_dict(report))
