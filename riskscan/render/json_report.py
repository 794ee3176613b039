"""The JSON report: the machine contract (documented in README.md, `schema_version` at the top).

Every figure comes from the report's typed fields (exposure.Exposure, score.Scores, the call-site
counts, the decisions); nothing is counted again here.
"""
from __future__ import annotations

from .. import __version__
from ..dependencies import report_sections
from ..escape import dump_json
from ..model import KINDS
from ..places import spot, where
from .. import grade_caps
from ..grade_caps import CAPS, SINGLE_VENDOR_FLOOR
from ..score import CONFIG_SWITCH_CREDIT, HHI_HIGH_ABOVE, HHI_MODERATE_FROM, LOCK_IN_SCALE
from . import SCHEMA_VERSION, finding_message
from ..explain import explain


def report_dict(report) -> dict:
    data = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "riskscan", "version": __version__, "rules_version": report.rules_version},
        "root": report.root,
        "summary": {
            "files_scanned": report.files_scanned,
            "files_skipped": len(report.skipped),
            "cells_skipped": len(report.partly_skipped),
            "lines_scanned": report.lines_scanned,
            "findings": len(report.findings),
            "vendors": len(report.vendors),
            "project_kind": report.project.kind if report.project is not None else None,
        },
        "project": project_dict(report),
        "scores": scores_dict(report),
        "vendors": vendor_rows(report),
        "entry_points": entry_point_rows(report),
        "switches": switch_rows(report),
        "decisions": [d.as_dict() for d in report.decisions],
        "findings": [finding_dict(f, report.vendors, _switchable(report, i)) for i, f in enumerate(report.findings)],
        "skipped": [skipped_dict(s) for s in report.skipped],
        "partly_skipped": [skipped_dict(s) for s in report.partly_skipped],
    }
    data.update(report_sections(report))  # "lifecycle" and "dependencies"
    if report.exposure is not None:
        data["explain"] = explain(report)
    _cite(data)
    return data


def skipped_dict(item) -> dict:
    """A skipped file, or a notebook cell left out (`cell` is there only then; `line` counts within it)."""
    row = {"path": item.path, "reason": item.reason, "line": item.line, "column": item.column}
    if item.cell is not None:
        row["cell"] = item.cell
    return row


def _switchable(report, index: int) -> tuple:
    exposure = report.exposure
    return exposure.switches.of(index) if exposure is not None and exposure.switches is not None else ()


def project_dict(report):
    project = report.project
    if project is None:
        return None
    return {"kind": project.kind, "evidence": list(project.evidence), "packages": list(project.packages),
            "packaging": project.package_name or None}


def entry_point_rows(report) -> list:
    return report.exposure.entry_rows() if report.exposure is not None else []


def switch_rows(report) -> list:
    exposure = report.exposure
    if exposure is None or exposure.switches is None:
        return []
    return [{"path": p.path, "line": p.line, "kind": p.kind, "owner": p.owner, "vendors": list(p.vendors),
             "options": [{"label": label, "vendors": list(vendors)} for label, vendors in p.options],
             "call_sites": len(p.sites)} for p in exposure.switches.points]


def _pct(value):
    return None if value is None else round(value, 4)


def scores_dict(report):
    exposure = report.exposure
    if exposure is None:
        return None
    s = exposure.scores
    data = {
        "grade": s.grade, "grade_label": s.grade_label or s.grade, "risk": round(s.risk, 1),
        "risk_terms": round(sum(s.components.values()), 1),
        "low_confidence": s.low_confidence, "low_confidence_reasons": list(s.low_confidence_reasons),
        "reach": s.reach, "reach_unit": s.reach_unit, "project_kind": s.project_kind,
        "concentration_hhi": round(s.concentration_hhi, 1), "concentration_band": s.concentration_band,
        "concentration_hhi_callsites": round(s.concentration_hhi_callsites, 1),
        "concentration_hhi_family": round(s.concentration_hhi_family, 1),
        "blast_radius_max": _pct(s.blast_radius_max), "blast_radius_after_switch_max": _pct(s.blast_radius_after_switch_max),
        "blast_radius_modules_max": _pct(s.blast_radius_modules_max),
        "fallback_coverage": _pct(s.fallback_coverage), "lock_in": round(s.lock_in, 1),
        "entry_point_count": s.entry_point_count, "entry_points_untraced": s.entry_points_untraced,
        "module_count": s.module_count,
        "call_sites": s.call_sites, "call_sites_without_plan_b": s.call_sites_without_plan_b,
        "call_sites_switchable": s.call_sites_switchable, "call_sites_reached": s.call_sites_reached,
        "call_sites_unreached": len(s.unreached), "unreached": [where(spot(x)) for x in s.unreached],
        "inferred_sites": s.inferred_sites, "unread_file_count": len(s.unread_files), "unread_files": list(s.unread_files),
        "providers_offered": len(s.providers_offered), "providers_offered_ids": list(s.providers_offered),
        "unresolved_share": round(s.unresolved_share, 4), "gate_sites": dict(s.gate_sites),
        "components": {k: round(v, 2) for k, v in s.components.items()},
        "weights": {k: round(v, 4) for k, v in s.weights.items()}, "gates": list(s.gates_applied),
        "method": {"hhi_moderate_from": HHI_MODERATE_FROM, "hhi_high_above": HHI_HIGH_ABOVE,
                   "lock_in_scale": LOCK_IN_SCALE, "config_switch_credit": CONFIG_SWITCH_CREDIT,
                   "single_vendor_floor": SINGLE_VENDOR_FLOOR, "grade_caps": dict(CAPS)},
        "reasons": [reason_dict(r) for r in s.reasons],
    }
    data["grade_notes"] = grade_caps.notes(data)  # why the grade is worse than its terms give (every format shows these)
    return data


def reason_dict(reason) -> dict:
    """Text, evidence, and the JSON field behind every number the text states (rounded as that field is: `_cite`)."""
    return {"text": reason.text, "kind": reason.kind, "evidence": [where(item) for item in reason.evidence],
            "figures": [{"field": name, "value": _figure(value)} for name, value in reason.figures]}


def _figure(value):
    return round(value, 4) if isinstance(value, float) else value


def _cite(data: dict) -> None:
    """Give every reason figure the value of the field it names, as the report prints that field
    (HHI 4,908.2, not 4908.1726), so a reader who looks the field up finds the same number."""
    for reason in (data.get("scores") or {}).get("reasons", ()):
        for figure in reason["figures"]:
            value = field_value(data, figure["field"])
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                figure["value"] = value


def field_value(data: dict, path: str):
    """`scores.call_sites`, `vendors[openai].blast_radius`: a field of the JSON report, or None."""
    value = data
    for part in path.split("."):
        name, _, key = part.partition("[")
        value = value.get(name) if isinstance(value, dict) else None
        if key and isinstance(value, list):
            value = next((row for row in value if isinstance(row, dict) and row.get("id") == key.rstrip("]")), None)
        if value is None:
            return None
    return value


def vendor_rows(report) -> list:
    """One row per vendor: the call-site counts (one definition, `Finding.is_call_site`) and its scores."""
    rows = []
    for vendor_id in sorted(report.vendors):
        rule = report.vendors[vendor_id]
        counts = report.counts.get(vendor_id)
        row = {"id": vendor_id, "name": rule.name, "company": rule.company, "kind": rule.kind}
        row.update(_counts(counts))
        row.update(_vendor_scores(report, vendor_id))
        rows.append(row)
    return rows


def _counts(counts) -> dict:
    if counts is None:
        return {"findings": 0, "prod_findings": 0, "files": 0, "prod_files": 0, "counts": {}, "call_sites": 0,
                "fallback_call_sites": 0, "call_sites_all_scopes": 0}
    return {
        "findings": counts.findings, "prod_findings": counts.prod_findings,
        "files": len(counts.files), "prod_files": len(counts.prod_files),
        "counts": {kind: counts.kinds[kind] for kind in KINDS if counts.kinds.get(kind)},
        "call_sites": counts.call_sites, "fallback_call_sites": counts.fallback_call_sites,
        "call_sites_all_scopes": counts.call_sites_all_scopes,
    }


def _vendor_scores(report, vendor_id: str) -> dict:
    exposure = report.exposure
    score = exposure.scores.vendors.get(vendor_id) if exposure is not None else None
    if score is None:
        return {"share": 0.0, "exposure": None, "blast_radius": None, "fallback_coverage": None, "lock_in": None,
                "call_sites_without_plan_b": 0, "call_sites_switchable": 0}
    return {
        "share": round(score.share, 4), "exposure": _pct(score.exposure), "blast_radius": _pct(score.blast_radius),
        "blast_radius_after_switch": _pct(score.blast_radius_after_switch),
        "entry_points_stopped": len(score.unprotected_entry_points),
        "entry_points_stopped_after_switch": len(score.down_after_switch),
        "blast_radius_modules": round(score.blast_radius_modules, 4), "modules_stopped": len(score.modules_stopped),
        "fallback_coverage": round(score.fallback_coverage, 4), "lock_in": round(score.lock_in, 1),
        "substitutability": score.substitutability, "switchable_to": list(score.switchable_to),
        "call_sites_without_plan_b": score.sites_without_plan_b, "call_sites_switchable": score.sites_switchable,
        "alternatives": list(score.alternatives),
    }


def finding_dict(finding, vendors, switchable_to: tuple = ()) -> dict:
    data = {
        "rule_id": finding.rule_id, "vendor": finding.vendor, "kind": finding.kind,
        "path": finding.path, "line": finding.line, "column": finding.column,
        "scope": finding.scope, "type_only": finding.type_only, "has_fallback": finding.has_fallback,
        "fallback_to": list(finding.fallback_to), "fallback_target": finding.fallback_target, "retry": finding.retry, "feature": finding.feature,
        "fallback_kind": "runtime" if finding.has_fallback else "config" if switchable_to else None,
        "switchable_to": list(switchable_to), "is_call_site": finding.is_call_site,
        "severity": finding.severity, "message": finding_message(finding, vendors),
        "snippet": finding.snippet, "detail": finding.detail, "function": finding.function or None,
        "framework": finding.framework, "model": finding.model, "lock_in_class": finding.lock_in_class,
        "service": finding.service, "model_setting": finding.model_setting,
    }
    if finding.cell is not None:
        data["cell"] = finding.cell
    if finding.check is not None:
        data.update(check=finding.check, facts=dict(finding.facts))
    return data


def render_json(report) -> str:
    return dump_json(report_dict(report))
