"""The portfolio as Markdown, for an issue, a wiki page or a CI job summary."""
from __future__ import annotations

from ..render.board import pct
from ..render.markdown import md
from . import words


def render_markdown(org: dict) -> str:
    out = _summary(org) + _suppliers(org) + _outages(org) + _retirements(org) + _worst(org) + _changes(org)
    out += _trend(org) + _repositories(org)
    return "\n".join(out).rstrip() + "\n"


def _table(head: tuple, rows: list) -> list:
    line = "| " + " | ".join(head) + " |"
    return [line, "| " + " | ".join("---" for _ in head) + " |"] + ["| " + " | ".join(map(str, r)) + " |" for r in rows] + [""]


def _summary(org: dict) -> list:
    s, c = org["summary"], org["concentration"]
    title = f"## AI supplier risk across {md(org['name']) if org['name'] else 'the portfolio'}"
    out = [title, "", f"As of {org['as_of']}: {s['repositories']} repositories ({s['with_ai']} use AI), "
           f"{s['suppliers']} suppliers, {s['call_sites']} production AI call sites, {s['entry_points']} entry points.", ""]
    out += [f"- {md(sentence)}" for sentence in words.headlines(org)] + [""]
    lock = "n/a" if org["lock_in"] is None else f"{org['lock_in']:.0f}/100"
    return out + _table(("HHI by call sites", "HHI by entry points", "plan B at run time", "plan B by configuration", "lock-in"),
                        [(f"{c['by_call_sites']['hhi']:,.0f} ({c['by_call_sites']['band']})",
                          f"{c['by_entry_points']['hhi']:,.0f} ({c['by_entry_points']['band']})",
                          pct(org["plan_b"]["runtime_share"]), pct(org["plan_b"]["config_share"]), lock)])


def _suppliers(org: dict) -> list:
    if not org["suppliers"]:
        return []
    rows = [(md(s["name"]), len(s["repositories"]), s["call_sites"], pct(s["share_call_sites"]), words.entry_reach(s),
             words.entry_share(s), s["plan_b"]["runtime"], s["plan_b"]["config"],
             "n/a" if s["lock_in"] is None else f"{s['lock_in']:.0f}", s["substitutability"] or "n/a") for s in org["suppliers"]]
    return ["### Suppliers", "", md(words.WEIGHTING), ""] + _table(
        ("supplier", "repositories", "call sites", "share", "entry points", "share", "plan B run time", "plan B config",
         "lock-in", "substitutability"), rows)


def _outages(org: dict) -> list:
    rows = [s for s in org["suppliers"] if s["if_fails"]["entry_points_stop"] or s["if_fails"]["repositories_not_resolved"]
            or s["if_fails"].get("repositories_partly_resolved")]
    if not rows:
        return []
    return ["### If a supplier fails", ""] + [f"- {md(words.if_fails(s, org))}{_stopping(s)}" for s in rows] + [""]


def _stopping(supplier: dict) -> str:
    names = supplier["if_fails"]["repositories_stop"]
    return f" Repositories: {', '.join(md(n) for n in names)}." if names else ""


def _retirements(org: dict) -> list:
    if not org["retirements"]:
        return []
    rows = [(f"`{md(r['model'])}`", md(r["vendor"]), r["retire_date"] + (" (earliest)" if r["date_kind"] == "earliest" else ""),
             words.days_text(r), md(words.calendar_status(r)), ", ".join(md(x["name"]) for x in r["repositories"]))
            for r in org["retirements"]]
    return ["### Model retirement calendar", ""] + _table(("model", "supplier", "retirement date", "days left", "status",
                                                           "repositories"), rows)


def _worst(org: dict) -> list:
    if not org["worst"]:
        return []
    rows = [(md(w["name"]), md(w.get("grade_label") or w["grade"]), f"{w['risk']:.0f}", md(w["owner"]) or "—", words.criticality(w["criticality"]))
            for w in org["worst"]]
    return ["### Worst grades", ""] + _table(("repository", "grade", "risk", "owner", "criticality"), rows)


def _changes(org: dict) -> list:
    if not org["changes"]:
        return []
    rows = [(md(c["name"]), f"{md(c.get('grade_label_before') or c['grade_before'] or 'n/a')} → "
             f"{md(c.get('grade_label_after') or c['grade_after'] or 'n/a')}", _signed(c["risk_change"]),
             ", ".join(c["suppliers_added"]) or "—", ", ".join(c["suppliers_removed"]) or "—", md(c["since"]))
            for c in org["changes"]]
    return ["### Biggest changes", ""] + _table(("repository", "grade", "risk change", "suppliers added",
                                                 "suppliers removed", "since"), rows)


def _signed(value) -> str:
    return "n/a" if value is None else f"{value:+.1f}"


def _trend(org: dict) -> list:
    if not org["trend"]:
        return []
    rows = [(t["period"], t["repositories"], t["suppliers"], t["call_sites"], f"{t['hhi_call_sites']:,.0f}",
             pct(t["runtime_share"]), pct(t["config_share"])) for t in org["trend"]]
    return ["### Trend", ""] + _table(("month", "repositories", "suppliers", "call sites", "HHI", "plan B run time",
                                       "plan B config"), rows)


def _repositories(org: dict) -> list:
    rows = [(md(r["name"]), md(r["owner"]) or "—", words.criticality(r["criticality"]),
             md(r.get("grade_label") or r.get("grade") or "failed"), r.get("call_sites", "—"), ", ".join(r.get("suppliers", ())) or "—")
            for r in org["repositories"]]
    out = ["<details><summary>Repositories</summary>", ""] + _table(
        ("repository", "owner", "criticality", "grade", "call sites", "suppliers"), rows)
    out += [f"- **{md(f['name'])}** could not be scanned: {md(f['error'])}" for f in org["failed"]]
    out += [f"- Note: {md(n)}" for n in org["notes"]]
    return out + ["", "</details>", ""]
