"""Changes since a previous JSON report (`--baseline previous.json`), and the line-free finding identity."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..errors import UsageError
from . import SCHEMA_VERSION

GRADES = "ABCDF"
# (label, scores key, "higher is worse", how to show it)
METRICS = (
    ("Risk score", "risk", True, "{:.0f}/100"),
    ("Concentration (HHI)", "concentration_hhi", True, "{:,.0f}"),
    ("Worst outage (share of functions that stop)", "blast_radius_max", True, "pct"),
    ("Plan B coverage", "fallback_coverage", False, "pct"),
    ("Switching cost (lock-in)", "lock_in", True, "{:.0f}/100"),
)


def fingerprint(finding: dict) -> str:
    """A finding's identity without its line, so it survives edits above it (bandit, detect-secrets)."""
    key = "\x1f".join(str(finding.get(k) or "") for k in ("rule_id", "path", "function", "detail"))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def load_baseline(path) -> dict:
    """A previous `riskscan scan --format json` report; anything else is a user error (exit 2)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read the baseline {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise UsageError(f"{path}: not a JSON report{where}; make one with riskscan scan --format json") from None
    if not isinstance(data, dict) or not {"schema_version", "findings", "vendors"} <= set(data):
        raise UsageError(f"{path}: not a riskscan JSON report; make one with riskscan scan --format json")
    if str(data["schema_version"]).split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise UsageError(f"{path}: report schema {data['schema_version']} cannot be compared with {SCHEMA_VERSION}")
    return data


def compare(previous: dict, current: dict) -> dict:
    """Grade trend, score deltas, suppliers added and removed, new and closed plan-B gaps."""
    before, after = previous.get("scores") or {}, current.get("scores") or {}
    old_vendors = {v["id"]: v["name"] for v in previous.get("vendors", ())}
    new_vendors = {v["id"]: v["name"] for v in current.get("vendors", ())}
    old_gaps, new_gaps = _gaps(previous), _gaps(current)
    old_all, new_all = _identities(previous), _identities(current)
    return {
        "grade_before": before.get("grade"), "grade_after": after.get("grade"),
        "trend": _trend(before.get("grade"), after.get("grade")),
        "metrics": [_metric(label, key, worse_up, shape, before, after) for label, key, worse_up, shape in METRICS],
        "vendors_added": sorted(new_vendors[v] for v in set(new_vendors) - set(old_vendors)),
        "vendors_removed": sorted(old_vendors[v] for v in set(old_vendors) - set(new_vendors)),
        "new_gaps": [new_gaps[k] for k in sorted(set(new_gaps) - set(old_gaps), key=lambda k: _place(new_gaps[k]))],
        "closed_gaps": [old_gaps[k] for k in sorted(set(old_gaps) - set(new_gaps), key=lambda k: _place(old_gaps[k]))],
        "findings_added": len(set(new_all) - set(old_all)), "findings_removed": len(set(old_all) - set(new_all)),
    }


def _gaps(data: dict) -> dict:
    """Production call sites without a plan B (severity medium), by identity."""
    return {fingerprint(f): f for f in data.get("findings", ()) if f.get("severity") == "medium"}


def _identities(data: dict) -> dict:
    return {fingerprint(f): f for f in data.get("findings", ())}


def _place(finding: dict) -> tuple:
    return (finding.get("path", ""), finding.get("line", 0))


def _trend(before, after) -> str:
    """"better", "worse" or "same" for the grade letter (None when either is missing)."""
    if before not in GRADES or after not in GRADES:
        return "same" if before == after else "new"
    if before == after:
        return "same"
    return "better" if GRADES.index(after) < GRADES.index(before) else "worse"


def _metric(label: str, key: str, worse_up: bool, shape: str, before: dict, after: dict) -> dict:
    old, new = before.get(key), after.get(key)
    show = (lambda v: "n/a" if v is None else f"{100 * v:.0f}%") if shape == "pct" else \
        (lambda v: "n/a" if v is None else shape.format(v))
    direction = "same"
    if old is not None and new is not None and round(new - old, 4):
        direction = "worse" if (new > old) == worse_up else "better"
    return {"label": label, "before": show(old), "after": show(new), "direction": direction}
