"""A history as Markdown: the steps first, then the trend table."""
from __future__ import annotations

from ..portfolio.aggregate import plan_b
from ..render.board import pct
from ..render.markdown import md

MAX_ROWS = 400  # a pull-request comment holds 65,536 characters


def render_markdown(doc: dict) -> str:
    out = [f"## AI supplier risk over time: {md(doc['repository'])}", "", _scope(doc), ""]
    out += _suppliers(doc) + _events(doc) + _points(doc)
    return "\n".join(out).rstrip() + "\n"


def _scope(doc: dict) -> str:
    points = doc["points"]
    if not points:
        return "No commit to scan."
    return (f"{len(points)} commits of `{md(doc['ref'])}` (first parent, every {md(doc['every'])}) from "
            f"{points[0]['date'][:10]} to {points[-1]['date'][:10]}, judged on {doc['as_of']}.")


def _suppliers(doc: dict) -> list:
    if not doc["suppliers"]:
        return []
    out = ["### Suppliers", "", "| supplier | first appeared | last seen | gone since |", "| --- | --- | --- | --- |"]
    for s in doc["suppliers"]:
        gone = _where(s["removed"]) if s["removed"] else "still used"
        out.append(f"| {md(s['name'])} | {_where(s['first_seen'])} | {_where(s['last_seen'])} | {gone} |")
    return out + [""]


def _events(doc: dict) -> list:
    if not doc["events"]:
        return []
    return ["### Steps", ""] + [f"- {_where(e)}: {md(e['text'])}" for e in doc["events"]] + [""]


def _points(doc: dict) -> list:
    rows = doc["points"][-MAX_ROWS:]
    out = ["<details><summary>Trend by commit</summary>", "",
           "| commit | date | grade | risk | HHI | suppliers | call sites | plan B run time | plan B config |",
           "| --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: |"]
    for p in rows:
        f = p["facts"]
        used = ", ".join(sorted(v for v, row in f["suppliers"].items() if row["call_sites"])) or "—"
        risk = "n/a" if f["risk"] is None else f"{f['risk']:.0f}"
        hhi = "n/a" if f["hhi"] is None else f"{f['hhi']:,.0f}"
        cover = plan_b([f])
        out.append(f"| `{p['commit'][:12]}` | {p['date'][:10]} | {md(f.get('grade_label') or f['grade'] or 'n/a')} | {risk} | {hhi} | {md(used)} "
                   f"| {f['call_sites']} | {pct(cover['runtime_share'])} | {pct(cover['config_share'])} |")
    if len(doc["points"]) > MAX_ROWS:
        out.append(f"\nThe {len(doc['points']) - MAX_ROWS} older commits are in the JSON history.")
    return out + ["", "</details>", ""]


def _where(at: dict) -> str:
    return f"`{at['commit'][:12]}` ({at['date'][:10]})"
