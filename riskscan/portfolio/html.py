"""The portfolio for a board: one self-contained HTML file in the style of the CIO report, one page per question.

Like the repository report, Python computes every figure and chart coordinate (the charts of
`render/html.py`, plus a line chart for trends) and jinja2's autoescape makes every string inert.
"""
from __future__ import annotations

from datetime import date

from .. import __version__
from ..render import charts
from ..render.board import pct
from ..render.html import environment
from . import words
from .register import register_rows

PLAN_B_SLOTS = (1, 2, 4)  # runtime, config, none drawn in the report's green, amber and red classes
LINE_HEIGHT = 160


def render_html(org: dict, members: list) -> str:
    return environment().get_template("portfolio.html.j2").render(**context(org, members))


def context(org: dict, members: list) -> dict:
    as_of = date.fromisoformat(org["as_of"])
    suppliers = org["suppliers"]
    return {
        "org": org, "version": __version__, "headlines": words.headlines(org), "weighting": words.WEIGHTING,
        "fails": [{"supplier": s, "sentence": words.if_fails(s, org)} for s in suppliers],
        "matrix": matrix(org, members), "register": register_rows(members), "pct": pct,
        "criticality": words.criticality,
        "chart": {
            "gauge_sites": charts.gauge(org["concentration"]["by_call_sites"]["hhi"]),
            "gauge_entries": charts.gauge(org["concentration"]["by_entry_points"]["hhi"]),
            "shares_sites": charts.bars([(s["name"], s["share_call_sites"]) for s in suppliers if s["call_sites"]]),
            "shares_entries": charts.bars([(s["name"], s["share_entry_points"]) for s in suppliers if s["reach"]]),
            "plan_b": charts.stacked([(s["name"], _slots(s["plan_b"])) for s in suppliers if s["call_sites"]]),
            "timeline": charts.timeline([r for r in org["retirements"] if r["days_left"] is not None]),
            "trend_hhi": lines(org["trend"], "hhi_call_sites", 10000),
            "trend_cover": lines(org["trend"], "runtime_share", 1.0),
        },
        "hhi_text": lambda value: f"{value:,.0f}",
        "days": words.days_text, "status": words.calendar_status,
        "as_of": as_of.isoformat(),
    }


def _slots(plan_b: dict) -> list:
    counts = [0] * 5
    for slot, kind in zip(PLAN_B_SLOTS, ("runtime", "config", "none")):
        counts[slot] = plan_b[kind]
    return counts


def matrix(org: dict, members: list) -> dict:
    """Repositories x suppliers: "stops" (n entry points), "plan B", "uses" (nothing known to stop), or empty."""
    vendors = [s for s in org["suppliers"] if s["call_sites"] or s["if_fails"]["entry_points_stop"]]
    rows = []
    for member in members:
        if member.facts and any(v["id"] in member.facts["suppliers"] for v in vendors):
            rows.append({"name": member.name, "cells": [_cell(member.facts["suppliers"].get(v["id"])) for v in vendors]})
    return {"vendors": vendors, "rows": rows}


def _cell(row) -> dict:
    if row is None:
        return {"cls": "", "text": ""}
    if row["stops"]:
        return {"cls": "stops", "text": f"{len(row['stops'])} stop"}
    if row["functions"]:
        return {"cls": "covered", "text": "plan B"}  # entry points reach it, and none stops without it
    return {"cls": "", "text": "uses"}


def lines(trend: list, key: str, top: float) -> dict:
    """A line over the trend's periods, on a 0..top scale."""
    width, points = charts.CHART_WIDTH, []
    step = width / max(1, len(trend) - 1)
    for i, row in enumerate(trend):
        value = row.get(key)
        if value is not None:
            points.append({"x": round(i * step, 1), "y": round(LINE_HEIGHT * (1 - min(value, top) / top), 1),
                           "label": row["period"], "value": value})
    return {"width": width, "height": LINE_HEIGHT, "points": points, "top": top,
            "path": " ".join(f"{'M' if i == 0 else 'L'}{p['x']},{p['y']}" for i, p in enumerate(points))}
