"""`riskscan diff`: what changed between two JSON reports (vendors, findings, scores), and whether risk grew."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError
from .escape import safe_document

# Score fields compared, and whether a larger value is worse.
SCORE_FIELDS = (("risk", True), ("concentration_hhi", True), ("blast_radius_max", True),
                ("fallback_coverage", False), ("lock_in", True))


@dataclass
class ReportDiff:
    vendors_added: list = field(default_factory=list)
    vendors_removed: list = field(default_factory=list)
    findings_added: list = field(default_factory=list)  # finding dicts of the new report
    findings_removed: list = field(default_factory=list)  # finding dicts of the old report
    scores: dict = field(default_factory=dict)  # name -> (old, new) for the fields that changed
    grade: tuple = ()  # (old, new) when it changed

    @property
    def risk_grew(self) -> bool:
        old, new = self.scores.get("risk", (0, 0))
        return new is not None and old is not None and new > old


def read_report(path: Path, graded: bool = False) -> dict:
    """A `riskscan scan --format json` report, or a UsageError saying why not.

    The parts `diff` and `scan --baseline` read are checked for their types first: a report
    edited by hand or by another tool is a usage error (exit 2), never a traceback that exits 1.
    `graded`: the report must have its grade (the changes shown by `scan --baseline` start there).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:  # ValueError: bad JSON, huge numbers
        reason = "nested too deeply" if isinstance(exc, RecursionError) else getattr(exc, "strerror", None) or exc
        raise UsageError(f"cannot read report {path}: {reason}") from None
    if not isinstance(data, dict) or "schema_version" not in data or not isinstance(data.get("findings"), list):
        raise UsageError(f"{path} is not a riskscan JSON report (riskscan scan --format json)")
    problems = report_problems(data, graded)
    if problems:
        raise UsageError(f"{path} is not a riskscan JSON report: " + "; ".join(problems[:5]))
    return data


_SCALAR = (str, int, float, type(None))
_FINDING_FIELDS = ("path", "vendor", "kind", "detail", "function", "severity", "message", "line")


def report_problems(data: dict, graded: bool = False) -> list:
    """What in a report does not have the type the JSON report contract gives it."""
    problems = []
    scores = data.get("scores", {} if not graded else None)
    if not isinstance(scores, dict):
        return ["scores: expected an object"]
    if not isinstance(scores.get("grade"), str) and (graded or scores.get("grade") is not None):
        problems.append("scores.grade: expected a grade letter")
    problems += [f"scores.{name}: expected a number" for name, _ in SCORE_FIELDS
                 if scores.get(name) is not None and (isinstance(scores[name], bool) or not isinstance(scores[name], (int, float)))]
    vendors = data.get("vendors", [])
    if not isinstance(vendors, list) or not all(isinstance(v, dict) and isinstance(v.get("id"), str)
                                                and isinstance(v.get("name", ""), str) for v in vendors):
        problems.append("vendors: expected a list of objects with an id and a name")
    for index, finding in enumerate(data["findings"]):
        if not isinstance(finding, dict):
            problems.append(f"findings[{index}]: expected an object")
        else:
            problems += [f"findings[{index}].{key}: expected text or a number" for key in _FINDING_FIELDS
                         if not isinstance(finding.get(key), _SCALAR) or isinstance(finding.get(key), bool)]
        if len(problems) > 5:
            break
    return problems


def identity(finding: dict) -> tuple:
    """A finding's identity without its line: moving code does not make it new."""
    return tuple(finding.get(k) or "" for k in ("path", "vendor", "kind", "detail", "function"))


def diff_reports(old: dict, new: dict) -> ReportDiff:
    result = ReportDiff()
    old_vendors = {v["id"] for v in old.get("vendors", [])}
    new_vendors = {v["id"] for v in new.get("vendors", [])}
    result.vendors_added, result.vendors_removed = sorted(new_vendors - old_vendors), sorted(old_vendors - new_vendors)
    result.findings_added = _unmatched(new["findings"], old["findings"])
    result.findings_removed = _unmatched(old["findings"], new["findings"])
    old_scores, new_scores = old.get("scores") or {}, new.get("scores") or {}
    for name, _ in SCORE_FIELDS:
        before, after = old_scores.get(name), new_scores.get(name)
        if before != after:
            result.scores[name] = (before, after)
    if old_scores.get("grade") != new_scores.get("grade"):
        result.grade = (old_scores.get("grade"), new_scores.get("grade"))
    return result


def _unmatched(findings: list, others: list) -> list:
    """Findings of `findings` with no counterpart in `others`, counting duplicates."""
    available = Counter(identity(f) for f in others)
    out = []
    for finding in findings:
        key = identity(finding)
        if available[key] > 0:
            available[key] -= 1
        else:
            out.append(finding)
    return out


def diff_dict(diff: ReportDiff) -> dict:
    keep = ("path", "line", "vendor", "kind", "detail", "function", "scope", "severity", "message")
    return {
        "risk_grew": diff.risk_grew,
        "vendors": {"added": diff.vendors_added, "removed": diff.vendors_removed},
        "findings": {"added": [{k: f.get(k) for k in keep} for f in diff.findings_added],
                     "removed": [{k: f.get(k) for k in keep} for f in diff.findings_removed]},
        "scores": {name: {"old": old, "new": new} for name, (old, new) in diff.scores.items()},
        "grade": {"old": diff.grade[0], "new": diff.grade[1]} if diff.grade else None,
    }


def render_diff_text(diff: ReportDiff) -> str:
    out = []
    if diff.grade:
        out.append(f"grade {diff.grade[0]} -> {diff.grade[1]}")
    for name, worse_up in SCORE_FIELDS:
        if name in diff.scores:
            old, new = diff.scores[name]
            worse = old is not None and new is not None and (new > old if worse_up else new < old)
            out.append(f"{name}: {old} -> {new}" + (" (worse)" if worse else ""))
    out += [f"+ vendor {v}" for v in diff.vendors_added] + [f"- vendor {v}" for v in diff.vendors_removed]
    out += [f"+ {_where(f)}: {f.get('vendor')}.{f.get('kind')} {f.get('message') or f.get('detail')}" for f in diff.findings_added]
    out += [f"- {_where(f)}: {f.get('vendor')}.{f.get('kind')} {f.get('message') or f.get('detail')}" for f in diff.findings_removed]
    summary = (f"{len(diff.vendors_added)} vendor(s) added, {len(diff.vendors_removed)} removed; "
               f"{len(diff.findings_added)} finding(s) added, {len(diff.findings_removed)} removed; "
               + ("risk grew" if diff.risk_grew else "risk did not grow"))
    return safe_document("\n".join(out + [summary]) + "\n")  # paths and names come from scanned trees


def _where(finding: dict) -> str:
    return f"{finding.get('path')}:{finding.get('line')}"
