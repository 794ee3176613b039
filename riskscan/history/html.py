"""A history for a board: the trend of grade, concentration, call sites and plan B, and the steps that moved it."""
from __future__ import annotations

from .. import __version__
from ..portfolio.aggregate import plan_b
from ..portfolio.html import lines
from ..render.board import pct
from ..render.html import environment


def render_html(doc: dict) -> str:
    return environment().get_template("history.html.j2").render(**context(doc))


def context(doc: dict) -> dict:
    rows = [_row(p) for p in doc["points"]]
    return {
        "doc": doc, "rows": rows, "version": __version__, "pct": pct,
        "chart": {
            "risk": lines(rows, "risk", 100.0), "hhi": lines(rows, "hhi", 10000.0),
            "call_sites": lines(rows, "call_sites", max([r["call_sites"] for r in rows] + [1])),
            "runtime": lines(rows, "runtime_share", 1.0),
        },
        "number": lambda value: f"{value:,.0f}",
    }


def _row(point: dict) -> dict:
    """One commit as the trend shows it; `period` labels the chart's points."""
    facts = point["facts"]
    cover = plan_b([facts])
    return {"period": point["date"][:10], "commit": point["commit"][:12], "subject": point["subject"],
            "grade": facts["grade"], "grade_label": facts.get("grade_label") or facts["grade"], "risk": facts["risk"], "hhi": facts["hhi"], "call_sites": facts["call_sites"],
            "runtime_share": cover["runtime_share"], "config_share": cover["config_share"],
            "suppliers": sorted(row["name"] for row in facts["suppliers"].values() if row["call_sites"])}
