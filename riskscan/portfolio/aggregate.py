"""Organisation figures from the members' facts: the portfolio JSON contract (README, "Portfolio JSON contract").

Two weightings of supplier shares, both over production code:
- by call sites: each production call site that runs in normal operation counts once;
- by entry points: each supplier's R_v of DOMAIN.md 5(1) (the criticality of the entry points
  that reach one of its primary call sites), summed over repositories.
A repository whose entry points reach no AI code (a library, or reach not resolved) counts in
the first and not in the second, and is listed apart under "if it fails".
"""
from __future__ import annotations

from datetime import date
from typing import Optional

from .. import __version__
from .. import retirement_words as words
from ..score import concentration_band, hhi
from .facts import PLAN_B_KINDS, present, reach_known
from .inputs import PORTFOLIO_KIND

SCHEMA_VERSION = "1.0"
SB_ORDER = ("SB_1", "SB_2", "SB_3")
GRADE_ORDER = "ABCDF"


def organisation(members: list, as_of: date, name: str = "", top: int = 10) -> dict:
    scanned = [m for m in members if m.facts is not None]
    facts = [m.facts for m in scanned]
    suppliers = _suppliers(scanned)
    return {
        "schema_version": SCHEMA_VERSION, "kind": PORTFOLIO_KIND,
        "tool": {"name": "riskscan", "version": __version__},
        "name": name, "as_of": as_of.isoformat(),
        "summary": _summary(members, facts, suppliers),
        "concentration": {"by_call_sites": _band(hhi(shares(facts, "call_sites"))),
                          "by_entry_points": _band(hhi(shares(facts, "reach")))},
        "plan_b": plan_b(facts),
        "lock_in": _weighted_lock_in([row for f in facts for row in f["suppliers"].values()]),
        "suppliers": suppliers,
        "repositories": [_repository(m) for m in members],
        "failed": [{"name": m.name, "source": m.source, "error": m.error} for m in members if m.facts is None],
        "retirements": _retirements(scanned, as_of),
        "worst": _worst(scanned, top),
        "changes": _changes(scanned, top),
        "trend": trend(members),
        "notes": sorted({note for m in members for note in m.notes} | set(_rules_note(facts))),
    }


# --- shares and concentration ------------------------------------------------------------------

def totals(facts: list, key: str) -> dict:
    """Supplier id -> the sum of one count over the repositories."""
    out: dict = {}
    for one in facts:
        for vendor, row in one["suppliers"].items():
            out[vendor] = out.get(vendor, 0) + row[key]
    return out


def shares(facts: list, key: str) -> dict:
    weights = {v: w for v, w in totals(facts, key).items() if w}
    total = sum(weights.values())
    return {v: w / total for v, w in weights.items()} if total else {}


def _band(value: float) -> dict:
    return {"hhi": round(value, 1), "band": concentration_band(value)}


def plan_b(facts: list) -> dict:
    """Production call sites by plan B: another supplier at run time, a switch in configuration, none."""
    counts = {kind: sum(f[kind] for f in facts) for kind in PLAN_B_KINDS}
    total = sum(f["call_sites"] for f in facts)
    return {"call_sites": total, **counts,
            "runtime_share": _ratio(counts["runtime"], total), "config_share": _ratio(counts["config"], total),
            "reports_with_config_data": sum(bool(f.get("config_aware")) for f in facts), "reports": len(facts)}


def _ratio(part: float, total: float) -> Optional[float]:
    return round(part / total, 4) if total else None


# --- suppliers ---------------------------------------------------------------------------------

def _suppliers(members: list) -> list:
    facts = [m.facts for m in members]
    by_sites, by_reach = shares(facts, "call_sites"), shares(facts, "reach")
    ids = sorted({v for f in facts for v in f["suppliers"]})
    rows = [_supplier(vendor, members, by_sites.get(vendor, 0.0), by_reach.get(vendor, 0.0)) for vendor in ids]
    return sorted(rows, key=lambda r: (-r["call_sites"], -r["reach"], r["id"]))


def _supplier(vendor: str, members: list, share_sites: float, share_reach: float) -> dict:
    using = [(m, m.facts["suppliers"][vendor]) for m in members if vendor in m.facts["suppliers"]]
    first = using[0][1]
    return {
        "id": vendor, "name": first["name"], "company": first["company"], "kind": first["kind"],
        "repositories": [m.name for m, _ in using],
        "call_sites": sum(row["call_sites"] for _, row in using), "share_call_sites": round(share_sites, 4),
        "reach": round(sum(row["reach"] for _, row in using), 2), "share_entry_points": round(share_reach, 4),
        "reach_known": _known([row for _, row in using if row["call_sites"]]),
        "plan_b": {kind: sum(row[kind] for _, row in using) for kind in PLAN_B_KINDS},
        "if_fails": _if_fails(using),
        "lock_in": _weighted_lock_in([row for _, row in using]),
        "substitutability": max((row["substitutability"] for _, row in using if row.get("substitutability") in SB_ORDER),
                                key=SB_ORDER.index, default=None),
        "alternatives": sorted({a for _, row in using for a in row["alternatives"]}),
    }


def _known(rows: list) -> str:
    """"all" when every call site of the supplier was traced to the entry points, "none" when none
    was (its entry-point reach is not known, not zero), "partial" otherwise (a lower bound)."""
    states = {reach_known(row) for row in rows}
    return "all" if states <= {"all"} else "none" if states == {"none"} else "partial"


def _if_fails(using: list) -> dict:
    """"If X fails: N of M repositories and K entry points stop", now and after switching by configuration."""
    stop = [(m, row) for m, row in using if row["stops"]]
    down = [(m, row) for m, row in using if row["stays_down"]]
    return {
        "repositories_stop": [m.name for m, _ in stop],
        "entry_points_stop": sum(len(row["stops"]) for _, row in stop),
        "repositories_down_after_switch": [m.name for m, _ in down],
        "entry_points_down_after_switch": sum(len(row["stays_down"]) for _, row in down),
        # call sites no entry point was found to reach: what stops there is not known, or only in part
        "repositories_not_resolved": [m.name for m, row in using if row["call_sites"] and
                                      (not m.facts["reached"] or reach_known(row) == "none")],
        "repositories_partly_resolved": [m.name for m, row in using if m.facts["reached"] and reach_known(row) == "partial"],
    }


def _weighted_lock_in(rows: list) -> Optional[float]:
    """Lock-in (0-100) averaged over call sites: each repository's supplier figure weighs its call sites."""
    pairs = [(row["lock_in"], row["call_sites"]) for row in rows if row.get("lock_in") is not None and row["call_sites"]]
    weight = sum(w for _, w in pairs)
    return round(sum(v * w for v, w in pairs) / weight, 1) if weight else None


# --- repositories ---------------------------------------------------------------------------------

def _summary(members: list, facts: list, suppliers: list) -> dict:
    return {
        "repositories": len(members), "scanned": len(facts), "failed": len(members) - len(facts),
        "with_ai": sum(bool(f["call_sites"]) for f in facts), "suppliers": sum(bool(s["call_sites"]) for s in suppliers),
        "call_sites": sum(f["call_sites"] for f in facts), "entry_points": sum(f["entry_points"] for f in facts),
        "entry_points_ai": sum(f["entry_points_ai"] for f in facts),
        "grades": {g: sum(f["grade"] == g for f in facts) for g in GRADE_ORDER},
    }


def _repository(member) -> dict:
    row = {"name": member.name, "owner": member.owner, "criticality": member.criticality, "source": member.source}
    if member.facts is None:
        return {**row, "error": member.error}
    f = member.facts
    return {**row, "grade": f["grade"], "grade_label": _label(f), "risk": f["risk"], "hhi": f["hhi"], "lock_in": f["lock_in"],
            "call_sites": f["call_sites"], "entry_points": f["entry_points"],
            "suppliers": sorted(v for v, s in f["suppliers"].items() if s["call_sites"]),
            "project_kind": f.get("project_kind"), "tool_version": f["tool_version"], "history_points": len(member.history)}


def _worst(members: list, top: int) -> list:
    graded = [m for m in members if m.facts.get("risk") is not None]
    graded.sort(key=lambda m: (-m.facts["risk"], m.name))
    return [{"name": m.name, "grade": m.facts["grade"], "grade_label": _label(m.facts), "risk": m.facts["risk"],
             "owner": m.owner, "criticality": m.criticality} for m in graded[:top]]


def _label(facts: dict):
    """The grade as its report shows it: "F?" when reach could not be traced (facts of older reports: the letter)."""
    return facts.get("grade_label") or facts.get("grade")


def _changes(members: list, top: int) -> list:
    """Against the previous report when one is given, else against the first commit of the history."""
    rows = []
    for m in members:
        before, since = (m.previous, "previous report") if m.previous else (
            (m.history[0]["facts"], f"commit {m.history[0]['commit'][:12]} ({m.history[0]['date'][:10]})") if m.history else (None, ""))
        if before is not None:
            rows.append(_change(m.name, before, m.facts, since))
    rows.sort(key=lambda r: (-abs(r["risk_change"] or 0), r["name"]))
    return rows[:top]


def _change(name: str, before: dict, after: dict, since: str) -> dict:
    old, new = present(before), present(after)
    delta = None if before.get("risk") is None or after.get("risk") is None else round(after["risk"] - before["risk"], 1)
    return {"name": name, "since": since, "grade_before": before.get("grade"), "grade_after": after.get("grade"),
            "grade_label_before": _label(before), "grade_label_after": _label(after),
            "risk_before": before.get("risk"), "risk_after": after.get("risk"), "risk_change": delta,
            "call_sites_before": before.get("call_sites"), "call_sites_after": after.get("call_sites"),
            "suppliers_added": sorted(new - old), "suppliers_removed": sorted(old - new)}


def _retirements(members: list, as_of: date) -> list:
    """Which repository uses which model retiring when, nearest date first."""
    rows: dict = {}
    for m in members:
        for r in m.facts["retirements"]:
            key = (r["retire_date"] or "", r["model"] or "", r["vendor"] or "")
            row = rows.setdefault(key, {"model": r["model"], "vendor": r["vendor"], "retire_date": r["retire_date"],
                                        "date_kind": r["date_kind"], "status": r["status"], "confirmed": True,
                                        "days_left": _days(r["retire_date"], as_of), "repositories": []})
            row["confirmed"] = row["confirmed"] and r.get("confirmed", True) is not False  # one report's doubt is doubt
            row["repositories"].append({"name": m.name, "where": list(r["where"] or ())})
    return [_certainty(rows[key]) for key in sorted(rows)]


def _certainty(row: dict) -> dict:
    """The row's certainty in retirement_words' terms, as every riskscan report says it: `certain`,
    `label` ("switched off", "may be off") and `fate` ("may already be switched off (earliest date ...)")."""
    kind, confirmed, status, when = row["date_kind"] or "exact", row["confirmed"], row["status"] or "", str(row["retire_date"])
    return dict(row, certain=words.certain(kind, confirmed) and status != "at_risk", label=words.label(status, kind, confirmed),
                fate=words.fate(status, when, kind, confirmed, row["days_left"]))


def _days(when, as_of: date) -> Optional[int]:
    try:
        return (date.fromisoformat(str(when)[:10]) - as_of).days
    except ValueError:
        return None


def _rules_note(facts: list) -> list:
    versions = sorted({f["rules_version"] for f in facts if f["rules_version"]})
    if len(versions) > 1:
        return [f"the reports were made with {len(versions)} different rule versions ({', '.join(versions)}): "
                "some differences between repositories may come from the rules, not the code"]
    return []


# --- the organisation over time ------------------------------------------------------------------

def trend(members: list) -> list:
    """One row per month of the histories: each repository at its newest commit of that month or before."""
    series = [m.history for m in members if m.history]
    months = sorted({point["date"][:7] for points in series for point in points})
    rows = []
    for month in months:
        facts = [p["facts"] for p in (_at(points, month) for points in series) if p is not None]
        rows.append(_trend_row(month, facts))
    return rows


def _at(points: list, month: str):
    """The newest point on or before the end of `month` (points are oldest first)."""
    chosen = None
    for point in points:
        if point["date"][:7] > month:
            break
        chosen = point
    return chosen


def _trend_row(month: str, facts: list) -> dict:
    cover = plan_b(facts)
    return {"period": month, "repositories": len(facts), "call_sites": cover["call_sites"],
            "suppliers": len(shares(facts, "call_sites")),
            "hhi_call_sites": round(hhi(shares(facts, "call_sites")), 1),
            "hhi_entry_points": round(hhi(shares(facts, "reach")), 1),
            "runtime_share": cover["runtime_share"], "config_share": cover["config_share"],
            "grades": {g: sum(f["grade"] == g for f in facts) for g in GRADE_ORDER}}
