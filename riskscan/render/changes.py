"""Changes since a previous JSON report (`--baseline previous.json`), worded for the HTML and Markdown reports.

What changed is `riskscan diff`'s job (riskscan/diff.py); this module only turns its result into
the grade trend, the score table and the plan-B gaps opened and closed that a board reads.
"""
from __future__ import annotations

from ..diff import SCORE_FIELDS, diff_reports

GRADES = "ABCDF"
LABELS = {
    "risk": ("Risk score", "{:.0f}/100"), "concentration_hhi": ("Concentration (HHI)", "{:,.0f}"),
    "blast_radius_max": ("Worst outage (share of functions that stop)", "pct"),
    "fallback_coverage": ("Plan B coverage", "pct"), "lock_in": ("Switching cost (lock-in)", "{:.0f}/100"),
}


def compare(previous: dict, current: dict) -> dict:
    """Grade trend, score deltas, suppliers added and removed, new and closed plan-B gaps."""
    diff = diff_reports(previous, current)
    before, after = previous.get("scores") or {}, current.get("scores") or {}
    names = {v["id"]: v["name"] for v in list(previous.get("vendors", ())) + list(current.get("vendors", ()))}
    return {
        "grade_before": before.get("grade"), "grade_after": after.get("grade"),
        "trend": _trend(before.get("grade"), after.get("grade")),
        "metrics": [_metric(key, worse_up, before, after) for key, worse_up in SCORE_FIELDS],
        "vendors_added": sorted(names[v] for v in diff.vendors_added),
        "vendors_removed": sorted(names[v] for v in diff.vendors_removed),
        "new_gaps": _gaps(diff.findings_added), "closed_gaps": _gaps(diff.findings_removed),
        "findings_added": len(diff.findings_added), "findings_removed": len(diff.findings_removed),
    }


def _gaps(findings: list) -> list:
    """Production call sites without a plan B (severity medium), in file order."""
    gaps = [f for f in findings if f.get("severity") == "medium"]
    return sorted(gaps, key=lambda f: (f.get("path", ""), f.get("line", 0)))


def _trend(before, after) -> str:
    """"better", "worse", "same", or "new" when either grade is missing."""
    if before not in GRADES or after not in GRADES:
        return "same" if before == after else "new"
    if before == after:
        return "same"
    return "better" if GRADES.index(after) < GRADES.index(before) else "worse"


def _metric(key: str, worse_up: bool, before: dict, after: dict) -> dict:
    label, shape = LABELS[key]
    old, new = before.get(key), after.get(key)
    direction = "same"
    if old is not None and new is not None and round(new - old, 4):
        direction = "worse" if (new > old) == worse_up else "better"
    return {"label": label, "before": _show(old, shape), "after": _show(new, shape), "direction": direction}


def _show(value, shape: str) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:.0f}%" if shape == "pct" else shape.format(value)
