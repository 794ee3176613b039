"""The CIO report: one self-contained HTML file (jinja2 with autoescape, inline CSS and SVG, no scripts).

Python computes every figure and chart coordinate; the templates only place them, and jinja2's
autoescape makes every string from the scanned tree inert. No string is ever marked safe.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from .. import __version__
from ..escape import printable
from . import board
from .changes import compare
from .controls import controls
from .json_report import report_dict

CHART_WIDTH = 560
BAR_HEIGHT = 22
LABEL_WIDTH = 200
HHI_MAX = 10000
HHI_BANDS = ((0, 1000, "low"), (1000, 1800, "moderate"), (1800, HHI_MAX, "high"))
FINDINGS_LIMIT = 500
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
    return {
        "data": data, "s": data["scores"], "version": __version__, "as_of": as_of.isoformat(),
        "headlines": board.headlines(data, scores), "decisions": board.decisions(report),
        "module_exposure": board.module_exposure(report),
        "register": board.register(data, scores, retirements), "matrix": board.matrix(data),
        "gaps": board.gaps(report), "lock_in_top": board.lock_in_top(report, scores),
        "retirements": retirements, "controls": controls(data, retirements),
        "changes": compare(baseline, data) if baseline else None,
        "chart": _charts(report, data, previous.get("concentration_hhi"), retirements),
        "confidence": _confidence(data, scores), "findings": _evidence_rows(data),
        "pct": board.pct, "lock_in_classes": [label for _, label, _ in board.LOCK_IN_CLASSES],
    }


def _charts(report, data: dict, previous_hhi, retirements: list) -> dict:
    ranked = board.ranked_vendors(data)
    scores = data["scores"] or {}
    return {
        "gauge": gauge(scores.get("concentration_hhi", 0.0), previous_hhi),
        "shares": bars([(v["name"], v.get("share") or 0.0) for v in ranked]),
        "coverage": bars([(v["name"], v["fallback_coverage"]) for v in ranked if v.get("fallback_coverage") is not None]),
        "lock_in": stacked([(row["vendor"]["name"], row["counts"]) for row in board.lock_in_classes(report, data)]),
        "risk": risk_bar(scores.get("components") or {}),
        "timeline": timeline(retirements),
    }


def gauge(value: float, previous=None) -> dict:
    """The HHI on its 0-10,000 scale with the 1,000 and 1,800 bands of the 2023 Merger Guidelines."""
    scale = CHART_WIDTH / HHI_MAX
    return {
        "width": CHART_WIDTH, "value": value, "x": round(min(value, HHI_MAX) * scale, 1),
        "bands": [{"x": round(lo * scale, 1), "w": round((hi - lo) * scale, 1), "name": name} for lo, hi, name in HHI_BANDS],
        "previous": None if previous is None else round(min(previous, HHI_MAX) * scale, 1),
    }


def bars(items: list) -> dict:
    """Horizontal bars for shares in [0, 1], one row per label."""
    rows = [{"label": label, "y": i * (BAR_HEIGHT + 6), "w": round(max(0.0, min(1.0, value)) * (CHART_WIDTH - LABEL_WIDTH), 1),
             "text": board.pct(value)} for i, (label, value) in enumerate(items)]
    return {"rows": rows, "height": len(rows) * (BAR_HEIGHT + 6) + 4, "width": CHART_WIDTH, "label_width": LABEL_WIDTH}


def stacked(items: list) -> dict:
    """One bar per label, split by class counts (the switching-cost classes)."""
    span = CHART_WIDTH - LABEL_WIDTH
    rows = []
    for i, (label, counts) in enumerate(items):
        total, x, segments = sum(counts) or 1, 0.0, []
        for index, count in enumerate(counts):
            if count:
                w = round(span * count / total, 1)
                segments.append({"x": round(x, 1), "w": w, "cls": index, "count": count})
                x += w
        rows.append({"label": label, "y": i * (BAR_HEIGHT + 6), "segments": segments, "total": sum(counts)})
    return {"rows": rows, "height": len(rows) * (BAR_HEIGHT + 6) + 4, "width": CHART_WIDTH, "label_width": LABEL_WIDTH}


def risk_bar(components: dict) -> dict:
    """The four weighted terms of the 0-100 risk score, side by side on one bar."""
    scale, x, parts = CHART_WIDTH / 100.0, 0.0, []
    for key, label in RISK_TERMS:
        value = components.get(key, 0.0)
        parts.append({"label": label, "value": value, "x": round(x, 1), "w": round(value * scale, 1), "cls": key})
        x += value * scale
    return {"width": CHART_WIDTH, "parts": parts}


def timeline(retirements: list, days: int = 365) -> dict:
    """Retirement dates over the next twelve months; dates already past sit at the left edge."""
    due = [r for r in retirements if r["days_left"] <= days]
    marks = [{"x": round(max(0, r["days_left"]) * CHART_WIDTH / days, 1), "row": i % 4,
              "overdue": r["days_left"] < 0, "label": r["model"], "date": r["retire_date"]}
             for i, r in enumerate(due)]
    return {"width": CHART_WIDTH, "marks": marks, "months": [round(m * CHART_WIDTH / 12, 1) for m in range(13)]}


def _confidence(data: dict, scores) -> dict:
    entries = board.prod_entries(data)
    s = data["scores"] or {}
    return {
        "skipped": len(data["skipped"]), "entry_points": len(entries),
        "approximate": sum(bool(e.get("approximate")) for e in entries),
        "unresolved": getattr(scores, "unresolved_share", 0.0),
        "low": bool(s.get("low_confidence")), "reasons": list(s.get("low_confidence_reasons") or ()),
        "reach": s.get("reach", "resolved"), "modules": s.get("reach_unit") == "modules",
        "reached": s.get("call_sites_reached", 0), "call_sites": s.get("call_sites", 0),
    }


def _evidence_rows(data: dict) -> dict:
    prod = [f for f in data["findings"] if f["scope"] == "prod"]
    other = [f for f in data["findings"] if f["scope"] != "prod"]
    return {"rows": prod[:FINDINGS_LIMIT], "more": max(0, len(prod) - FINDINGS_LIMIT),
            "tests": sum(f["scope"] == "test" for f in other), "examples": sum(f["scope"] == "example" for f in other)}
