"""The terminal summary: vendors first, then each finding as `path:line:col`, then skipped files."""
from __future__ import annotations

from collections import Counter

import click

from .. import __version__
from .. import retirement_words as words
from ..escape import printable
from ..lifecycle import retirement_calendar
from ..places import where
from . import board, finding_message, plural, skips
from .json_report import vendor_rows

_SEVERITY_COLOUR = {"high": "red", "medium": "yellow", "low": "cyan", "info": None}


def location(finding) -> str:
    cell = f"[cell {finding.cell}]" if finding.cell is not None else ""
    return f"{printable(finding.path)}{cell}:{finding.line}:{finding.column + 1}"


_GRADE_COLOUR = {"A": "green", "B": "green", "C": "yellow", "D": "red", "F": "red"}


def _score_lines(report) -> list:
    exposure = report.exposure
    if exposure is None or not report.findings:
        return []
    s = exposure.scores
    label = s.grade_label or s.grade
    grade = click.style(f" {label} ", fg="white", bg=_GRADE_COLOUR.get(s.grade, "red"), bold=True)
    confidence = " (low confidence)" if s.low_confidence else ""
    coverage = "unknown" if s.fallback_coverage is None else f"{s.fallback_coverage:.0%}"  # files that may call AI unread
    lines = ["", f"Vendor risk {grade} {s.risk:.0f}/100{confidence}   concentration {board.concentration(s)}   {_blast_text(s)}   fallback coverage {coverage}   lock-in {s.lock_in:.0f}/100"]
    lines.append(printable(f"  {_kind_line(report)}; reach {s.reach}" + _reach_note(s)))
    for reason in s.reasons:
        evidence = ", ".join(where(item) for item in reason.evidence[:3])
        if len(reason.evidence) > 3:  # "6 places" with three shown: say that more exist (--format json lists them)
            evidence += ", ..."
        lines.append(printable(f"  - {reason.text}" + (f" [{evidence}]" if evidence else "")))
    past = words.past_due(retirement_calendar(report))  # the same count and words as the HTML banner
    if past:
        lines.append(printable(f"  {past}"))
    entries = [e for e in exposure.entry_points if e.scope == "prod"]
    if entries:
        lines.append("")
        lines.append(click.style(f"{plural(len(entries), 'entry point')}:", bold=True))
        for e in entries:
            reached = ", ".join(v + _role(e, v) for v in e.vendors) or _nothing(e, s.reach)
            switch = " (provider chosen by configuration)" if e.switchable_vendors else ""
            approx = " ~" if e.approximate else ""
            more = f"; {_unresolved(e)} may reach more" if e.reach == "partial" else ""
            lines.append(printable(f"  {e.kind:<8} {e.name:<28} {e.path}:{e.line}  -> {reached}{switch}{approx}{more}"))
        if any(e.approximate for e in entries):
            lines.append(APPROXIMATE)
    return lines


APPROXIMATE = ("  (~: reach partly inferred: some of these calls are counted because the entry point uses the module "
               "they are in, not traced call by call)")


def _nothing(entry, reach: str) -> str:
    """"no AI vendor" only when every call that could lead to AI code was followed, and reach as a
    whole was traced (unresolved reach: no entry point reaches the AI code it is known to have)."""
    if entry.reach == "untraced":
        return f"no AI call traced ({_unresolved(entry)} could not be resolved)"
    return "no AI vendor" if reach != "unresolved" else "no AI call traced"


def _unresolved(entry) -> str:
    names = sorted({call[3] for call in entry.unresolved})
    return " and ".join(f".{n}()" for n in names[:2]) + (" ..." if len(names) > 2 else "")


def _role(entry, vendor: str) -> str:
    if vendor in entry.fallback_vendors:
        return " (as plan B)"
    return "" if vendor in entry.unprotected_vendors else " (has plan B)"


def _blast_text(s) -> str:
    if s.blast_radius_max is None:
        if s.project_kind == "library":
            return "blast radius n/a (library)"
        return f"blast radius unknown (module level {s.blast_radius_modules_max:.0%})"
    text = f"worst blast radius {s.blast_radius_max:.0%}"
    if s.blast_radius_after_switch_max is not None and s.blast_radius_after_switch_max < s.blast_radius_max:
        text += f" ({s.blast_radius_after_switch_max:.0%} after switching by configuration)"
    return text


def _kind_line(report) -> str:
    project = report.project
    return f"{project.kind}" if project is not None else "application"


def _reach_note(s) -> str:
    if s.project_kind == "library":
        return " (a library: its users run their own entry points, so figures are module level)"
    if s.reach == "partial":
        return f" ({s.call_sites_reached} of {s.call_sites} production call sites reached from entry points)"
    if s.reach == "unresolved":
        return " (no entry point reaches a production AI call site: figures are module level)"
    return ""


TOP_FINDINGS = 20
_SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2, "info": 3}


def top_findings(findings) -> list:
    """Most severe first (secrets, then production calls without a plan B), then by place."""
    return sorted(findings, key=lambda f: (_SEVERITY_RANK.get(f.severity, 4), f.scope != "prod", f.sort_key()))


def _skipped_lines(items: list, title: str, limit: int = 10) -> list:
    """How many files (or notebook cells) were left out and why: the reasons counted, then the first few."""
    if not items:
        return []
    reasons = Counter(printable(item.reason.split(":")[0]) for item in items)
    why = "; ".join(f"{count} {reason}" for reason, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    lines = ["", click.style(f"{title}:", bold=True) + f" {why}"]
    for item in items[:limit]:
        lines.append(printable(f"  {skips.where(item)}: {item.reason}"))
    if len(items) > limit:
        lines.append(f"  ... {len(items) - limit} more (all of them are in --format json)")
    return lines


VENDOR_COLUMNS = (("kind", "kind", "<"), ("prod_files", "files", ">"), ("prod_findings", "findings", ">"),
                  ("call_sites", "call sites", ">"), ("call_sites_without_plan_b", "no plan B", ">"),
                  ("elsewhere", "tests/examples", ">"))
VENDOR_NOTE = ("(files, findings, call sites: production code, as the scores count it; tests/examples: findings in test "
               "and example code, reported apart; no plan B: neither a runtime fallback nor a switch by configuration)")


def vendor_table(rows: list) -> list:
    """The vendor table, each column as wide as its widest cell: a vendor's name is never cut."""
    rows = [dict(row, elsewhere=row["findings"] - row["prod_findings"]) for row in rows]
    cells = [[printable(row["name"])] + [str(row[key]) for key, _, _ in VENDOR_COLUMNS] for row in rows]
    header = ["vendor"] + [title for _, title, _ in VENDOR_COLUMNS]
    widths = [max(len(line[i]) for line in cells + [header]) for i in range(len(header))]
    aligns = ["<"] + [align for _, _, align in VENDOR_COLUMNS]

    def line(values):
        return " ".join(f"{value:{align}{width}}" for value, align, width in zip(values, aligns, widths)).rstrip()

    return [click.style(line(header), bold=True)] + [line(values) for values in cells]


def render_text(report, limit: int = TOP_FINDINGS) -> str:
    out = []
    skipped = f"; {len(report.skipped)} skipped" if report.skipped else ""
    skipped += f"; {plural(len(report.partly_skipped), 'notebook cell')} left out" if report.partly_skipped else ""
    out.append(click.style(f"riskscan {__version__}", bold=True)
               + printable(f": {plural(report.files_scanned, 'file')}, {report.lines_scanned:,} lines scanned in {report.root}{skipped}"))
    if not report.files_scanned and not report.skipped:
        out.append(f"No Python files (*.py, *.ipynb) found in {printable(report.root)}: there was no code to analyse.")
    out += _score_lines(report)
    rows = vendor_rows(report)
    if not rows:
        unknown = report.exposure is not None and report.exposure.scores.grade == "?"
        out.append("\n" + (report.exposure.scores.reasons[0].text if unknown else "No AI vendor touchpoints found."))
    else:
        out.append("")
        out += vendor_table(rows)
        out.append(VENDOR_NOTE)
        out.append("")
        findings = top_findings(report.findings)
        shown = findings if not limit else findings[:limit]
        if limit and len(findings) > limit:
            out.append(click.style(f"Top {limit} of {plural(len(findings), 'finding')}:", bold=True))
        for finding in shown:
            colour = _SEVERITY_COLOUR.get(finding.severity)
            tag = click.style(f"{finding.vendor}.{finding.kind}", fg=colour) if colour else f"{finding.vendor}.{finding.kind}"
            scope = "" if finding.scope == "prod" else f" [{finding.scope}]"
            out.append(f"{location(finding)}: {tag} {printable(finding_message(finding, report.vendors))}{scope}")
        if limit and len(findings) > limit:
            out.append(f"... {len(findings) - limit} more (all of them are in --format json, markdown or html)")
    out += _skipped_lines(report.skipped, f"Skipped {plural(len(report.skipped), 'file')}")
    cells = report.partly_skipped
    out += _skipped_lines(cells, f"Left out {plural(len(cells), 'notebook cell')} (the rest of each notebook was scanned)")
    return "\n".join(out) + "\n"
