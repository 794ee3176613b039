"""The CIO report: one self-contained HTML file (jinja2 with autoescape, inline CSS and SVG, no scripts).

Python computes every figure, and charts.py every chart coordinate; the templates only place
them, and jinja2's autoescape makes every string from the scanned tree inert. No string is ever
marked safe. The board report (sections 1-10) is bounded so it prints on at most eight A4
pages whatever the repository; everything unbounded (the full supplier register, the whole
retirement calendar, every finding, every skipped file) goes to the appendix that follows it.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from .. import __version__, grade_caps
from .. import retirement_words as words
from ..escape import printable
from ..places import place
from . import board, charts, plural, skips
from .changes import compare
from .controls import controls
from .json_report import report_dict

FINDINGS_LIMIT = 500
REGISTER_ROWS = 8
CALENDAR_ROWS = 8
PRINT_PAGES = 8  # the board report's budget on A4; tests/test_report_browser.py holds it to that
RISK_TERMS = (("concentration", "Concentration"), ("blast_radius", "Outage impact"),
              ("fallback_gap", "Missing plan B"), ("lock_in", "Switching cost"))


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(loader=PackageLoader("riskscan.render", "templates"), autoescape=True, finalize=_shown,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _shown(value):
    """Every value the template prints: control characters (a newline in a file name) as escapes;
    the charts, rendered from their own templates (Markup), are already escaped."""
    return printable(value) if isinstance(value, str) and not hasattr(value, "__html__") else value


def render_html(report, baseline: dict | None = None, as_of: date | None = None) -> str:
    return environment().get_template("report.html.j2").render(**context(report, baseline, as_of))


def context(report, baseline: dict | None = None, as_of: date | None = None) -> dict:
    """Everything the template shows, as plain data (tests read it without parsing HTML)."""
    as_of = as_of or board.as_of(report)
    data = report_dict(report)
    scores = board.scores_of(report)
    retirements = board.retirements(report, as_of)
    previous = (baseline.get("scores") or {}) if baseline else {}
    register = board.register(data, scores, retirements)
    return {
        "data": data, "s": data["scores"], "version": __version__, "as_of": as_of.isoformat(),
        "headlines": board.headlines(data, scores), "decisions": board.decisions(report),
        "module_exposure": board.module_exposure(report),
        "register": _register_view(register, data), "matrix": board.matrix(data),
        "gaps": board.gaps(report), "lock_in_top": board.lock_in_top(report, scores),
        "retirements": retirements, "calendar": _calendar_view(retirements),
        "controls": controls(data, retirements, sum(r["in_production"] for r in register)),
        "changes": compare(baseline, data) if baseline else None,
        "chart": _charts(report, data, previous.get("concentration_hhi"), retirements),
        "plan_b": _plan_b_view(register), "confidence": _confidence(data, scores), "findings": _evidence_rows(data),
        "pct": board.pct, "plural": plural, "short": board.short_path, "host": board.source_host, "lock_in_classes": [label for _, label, _ in board.LOCK_IN_CLASSES],
        "unconfirmed_meaning": words.UNCONFIRMED_MEANING, "print_pages": PRINT_PAGES, "skip_place": skips.where,
        "at": lambda f: place(f["path"], f["line"], f.get("cell")), "grade_badge": grade_caps.badge(data["scores"]),
        "plan_b_text": board.plan_b_sentence(data["scores"]) if data["scores"] else "",
        "share_unit": board.share_unit(scores) if scores is not None else "",
    }


def _register_view(rows: list, data: dict) -> dict:
    """The first REGISTER_ROWS suppliers in production use; the rest, and those only named in code, fold away."""
    used = [r for r in rows if r["in_production"]]
    return {"rows": used[:REGISTER_ROWS], "more": used[REGISTER_ROWS:], "folded": [r for r in rows if not r["in_production"]],
            "all": rows, "by_functions": board.counts_functions(data)}


def _plan_b_view(rows: list) -> dict:
    """Suppliers with some plan B (drawn as bars) apart from those with none (one sentence)."""
    used = [r["vendor"] for r in rows if r["in_production"] and r["vendor"].get("fallback_coverage") is not None]
    return {"covered": [v for v in used if v["fallback_coverage"] > 0], "bare": [v["name"] for v in used if not v["fallback_coverage"]]}


def _calendar_view(retirements: list) -> dict:
    """The board's share of the calendar: up to half of it the models most recently past their date,
    the rest the nearest ahead (more of either when the other runs short), in date order; the
    whole calendar goes to the appendix."""
    past = sorted((r for r in retirements if r["days_left"] < 0), key=lambda r: r["days_left"], reverse=True)
    ahead = [r for r in retirements if r["days_left"] >= 0]
    keep = max(CALENDAR_ROWS // 2, CALENDAR_ROWS - len(ahead))
    chosen = past[:keep] + ahead[:CALENDAR_ROWS - len(past[:keep])]
    return {"rows": sorted(chosen, key=lambda r: r["retire_date"]), "more": len(retirements) - len(chosen),
            "past": past, "switched_off": sum(r["certain"] for r in past), "past_due": words.past_due(retirements),
            "unconfirmed": sum(not r["confirmed"] for r in retirements)}


def _charts(report, data: dict, previous_hhi, retirements: list) -> dict:
    ranked = [v for v in board.ranked_vendors(data) if v.get("share")]
    covered = [v for v in board.ranked_vendors(data) if v.get("fallback_coverage")]
    scores = data["scores"] or {}
    lock_in = [(row["vendor"]["name"], row["counts"]) for row in board.lock_in_classes(report, data)]
    return {
        "gauge": charts.gauge(scores.get("concentration_hhi", 0.0), previous_hhi),
        "shares": charts.bars(charts.top_with_other([(v["name"], v["share"]) for v in ranked])),
        "coverage": charts.bars([(v["name"], v["fallback_coverage"]) for v in covered][:charts.MAX_BARS]),
        "lock_in": charts.stacked(_top_stacked(lock_in)),
        "risk": charts.risk_bar(scores.get("components") or {}, RISK_TERMS),
        "timeline": charts.timeline(retirements),
    }


def _top_stacked(items: list) -> list:
    """At most MAX_BARS stacked rows: the rest summed, class by class, into one."""
    if len(items) <= charts.MAX_BARS:
        return items
    keep, rest = items[:charts.MAX_BARS - 1], items[charts.MAX_BARS - 1:]
    summed = [sum(counts[i] for _, counts in rest) for i in range(len(rest[0][1]))]
    return keep + [(f"{len(rest)} other suppliers", summed)]


def _confidence(data: dict, scores) -> dict:
    entries = board.prod_entries(data)
    s = data["scores"] or {}
    return {
        "skipped": len(data["skipped"]), "left_out": skips.summary(data["skipped"], data["partly_skipped"]),
        "entry_points": len(entries),
        "approximate": sum(bool(e.get("approximate")) for e in entries),
        "unresolved": getattr(scores, "unresolved_share", 0.0),
        "low": bool(s.get("low_confidence")), "reasons": list(s.get("low_confidence_reasons") or ()),
        "reach": s.get("reach", "resolved"), "modules": s.get("reach_unit") == "modules",
        "reached": s.get("call_sites_reached", 0), "call_sites": s.get("call_sites", 0),
    }


def _evidence_rows(data: dict) -> dict:
    prod = [dict(f, vendor_name=board.name_of(data, f["vendor"])) for f in data["findings"] if f["scope"] == "prod"]
    other = [f for f in data["findings"] if f["scope"] != "prod"]
    return {"rows": prod[:FINDINGS_LIMIT], "more": max(0, len(prod) - FINDINGS_LIMIT),
            "tests": sum(f["scope"] == "test" for f in other), "examples": sum(f["scope"] == "example" for f in other)}
