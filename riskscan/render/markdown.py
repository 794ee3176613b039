"""Markdown for pull-request comments and CI job summaries (GitHub and GitLab flavoured)."""
from __future__ import annotations

import html
import re

from .. import retirement_words as words
from ..places import place
from ..redact import redact_document
from . import board, skips
from .changes import compare
from .json_report import finding_dict, report_dict
from .text import top_findings

MAX_FINDINGS = 100  # a PR comment holds 65,536 characters
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#!])")
_ARROWS = {"better": "▲ better", "worse": "▼ worse", "same": "no change", "new": "new"}


def md(text) -> str:
    """Inert Markdown for any string from the scanned tree: no HTML, links, emphasis or table breaks;
    redacted first (a file name can hold a key, and escaping its `_` would hide it from the last pass)."""
    text = html.escape(" ".join(redact_document(str(text)).split()), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


def render_markdown(report, baseline: dict | None = None) -> str:
    data = report_dict(report)
    out = _summary(data, board.scores_of(report))
    if baseline is not None:
        out += _changes(compare(baseline, data))
    out += _decisions(report)
    out += _vendors(data)
    out += _outages(data) + _module_exposure(report)
    out += _findings(report, data)
    out += _skipped(data)
    return "\n".join(out).rstrip() + "\n"


def _summary(data: dict, scores) -> list:
    s = data["scores"]
    head = f"## AI vendor risk: {md(data['root'])}"
    if not s or not data["findings"]:
        if s and s["grade"] == "?":  # files that mention AI suppliers could not be read: unknown, not "none"
            return [head, "", md(s["reasons"][0]["text"]), ""]
        return [head, "", "No AI vendor touchpoints found "
                f"({data['summary']['files_scanned']} files scanned).", ""]
    low = " (low confidence)" if s.get("low_confidence") else ""
    out = [f"{head} — grade **{md(s['grade_label'])}** ({s['risk']:.0f}/100){low}", ""]
    kind = data["summary"].get("project_kind") or "application"
    out += [f"_{md(kind.capitalize())}; reach {md(s['reach'])}_" + "".join(f"; {md(why)}" for why in s["low_confidence_reasons"]), ""]
    out += [f"- {md(note)}" for note in s.get("grade_notes") or ()]  # why the grade is worse than its terms
    out += [f"- {md(sentence)}" for sentence in board.headlines(data, scores)]
    past = words.past_due((data.get("lifecycle") or {}).get("calendar") or [])
    out += [f"- {md(past)}"] if past else []
    if s["blast_radius_max"] is None:
        outage = f"{board.pct(s['blast_radius_modules_max'])} of modules (module level)"
    else:
        outage = board.pct(s["blast_radius_max"])
    out += ["", "| Concentration (HHI) | Worst outage | Plan B coverage | Switching cost |", "| --- | --- | --- | --- |",
            f"| {board.concentration(s)} | {outage} "
            f"| {board.pct(s['fallback_coverage'])} | {s['lock_in']:.0f}/100 |", ""]
    return out


def _changes(diff: dict) -> list:
    out = ["### Changes since the previous report", "",
           f"Grade {diff['grade_before'] or 'n/a'} → {diff['grade_after'] or 'n/a'} ({_ARROWS[diff['trend']]})", "",
           "| measure | before | now | |", "| --- | --- | --- | --- |"]
    out += [f"| {m['label']} | {m['before']} | {m['after']} | {_ARROWS[m['direction']]} |" for m in diff["metrics"]]
    out.append("")
    for label, names in (("New suppliers", diff["vendors_added"]), ("Suppliers no longer used", diff["vendors_removed"])):
        if names:
            out.append(f"- {label}: {', '.join(md(n) for n in names)}")
    for label, rows in (("New call sites without a plan B", diff["new_gaps"]), ("Closed gaps", diff["closed_gaps"])):
        out += [f"- {label}: {len(rows)}"] + [f"  - {_where(f)} {md(f['message'])}" for f in rows[:10]]
    return out + [""]


def _decisions(report) -> list:
    rows = board.decisions(report)
    out = ["### Decisions to take", "", "| risk | decision | suggested | due | where |", "| --- | --- | --- | --- | --- |"]
    return out + [f"| {md(d['risk'])} | {md(d['decision'])} | {md(d['recommended'])} | {md(d['due'])} | {md(d['where'])} |"
                  for d in rows] + [""]


def _vendors(data: dict) -> list:
    if not data["vendors"]:
        return []
    out = ["### AI suppliers", "", "| supplier | share | if it fails | plan B | lock-in | production call sites |",
           "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for v in board.ranked_vendors(data):
        lock = "n/a" if v.get("lock_in") is None else f"{v['lock_in']:.0f}/100"
        out.append(f"| {md(v['name'])} | {board.pct(v.get('share'))} | {board.pct(v.get('blast_radius'))} "
                   f"| {board.pct(v.get('fallback_coverage'))} | {lock} | {v['call_sites']} |")
    return out + [""]


def _outages(data: dict) -> list:
    grid = board.matrix(data)
    rows = [f for f in grid["fails"] if f["stops"]]
    if not rows:
        return []
    out = ["### What stops if a supplier fails", ""]
    for row in rows:
        names = ", ".join(f"{md(e['name'])} ({md(e['path'])}:{e['line']})" for e in row["stops"][:10])
        more = f" and {len(row['stops']) - 10} more" if len(row["stops"]) > 10 else ""
        out.append(f"- **{md(row['vendor']['name'])}**: {names}{more}")
    return out + [""]


def _module_exposure(report) -> list:
    rows = board.module_exposure(report)
    if not rows:
        return []
    out = ["### What depends on each supplier (module level)", ""]
    for row in rows:
        names = ", ".join(md(m) for m in row["modules"]) + (" …" if row["more"] else "")
        out.append(f"- **{md(row['vendor'])}**: {row['count']} of {row['of']} production modules that use AI ({names})")
    return out + [""]


def _findings(report, data: dict) -> list:
    findings = top_findings(report.findings)
    if not findings:
        return []
    out = [f"<details><summary>Findings ({len(findings)})</summary>", "",
           "| severity | where | rule | what |", "| --- | --- | --- | --- |"]
    for finding in findings[:MAX_FINDINGS]:
        row = finding_dict(finding, report.vendors)
        scope = "" if row["scope"] == "prod" else f" ({row['scope']})"
        out.append(f"| {row['severity']} | {_where(row)} | {md(row['rule_id'])} | {md(row['message'])}{scope} |")
    if len(findings) > MAX_FINDINGS:
        out.append(f"\n{len(findings) - MAX_FINDINGS} more findings are in the JSON report.")
    return out + ["", "</details>", ""]


def _skipped(data: dict) -> list:
    out = []
    for key, title in (("skipped", "Skipped files"), ("partly_skipped", "Notebook cells left out (the rest of each notebook was scanned)")):
        rows = data.get(key) or []
        if rows:
            out += [f"<details><summary>{title} ({len(rows)})</summary>", ""]
            out += [f"- {md(skips.where(s))}: {md(s['reason'])}" for s in rows[:MAX_FINDINGS]]
            out += ["", "</details>", ""]
    return out


def _where(finding: dict) -> str:
    return md(place(finding["path"], finding["line"], finding.get("cell")))
