"""What changed along a history: when each supplier appeared or went, and the steps of plan B coverage and grade.

A supplier is present at a commit when production code shows any evidence of it (an import, a
call, a credential, a fallback). With `--every`, a change is dated at the first scanned commit
that shows it: it happened after the scanned commit before.
"""
from __future__ import annotations

from ..portfolio.facts import present


def suppliers(points: list) -> list:
    """Per supplier: the commit where it first appeared, where it was last seen, and where it went (if it did)."""
    rows: dict = {}
    previous: set = set()
    for point in points:
        present = _present(point)
        for vendor in sorted(present):
            row = rows.setdefault(vendor, {"id": vendor, "name": point["facts"]["suppliers"][vendor]["name"],
                                           "first_seen": _at(point), "removed": None})
            row["last_seen"] = _at(point)
            if vendor not in previous:
                row["removed"] = None  # back again
        for vendor in sorted(previous - present):
            rows[vendor]["removed"] = _at(point)
        previous = present
    return [dict(rows[v], present=v in previous) for v in sorted(rows)]


def events(points: list) -> list:
    """The steps of the trend, in commit order: suppliers added and removed, plan B and grade changes."""
    found = []
    for before, after in zip([None] + points[:-1], points):
        found += _supplier_events(before, after)
        if before is not None:
            found += _step_events(before, after)
    return found


def _supplier_events(before, after) -> list:
    old, new = (_present(before) if before else set()), _present(after)
    names = {**_names(before), **_names(after)}
    return ([_event(after, "supplier_added", f"{names[v]} appears in production code", supplier=v) for v in sorted(new - old)]
            + [_event(after, "supplier_removed", f"{names[v]} no longer appears in production code", supplier=v)
               for v in sorted(old - new)])


def _step_events(before: dict, after: dict) -> list:
    found = []
    for kind, label in (("runtime", "plan B at run time"), ("config", "switchable by configuration")):
        old, new = before["facts"][kind], after["facts"][kind]
        if old != new:
            found.append(_event(after, f"plan_b_{kind}", f"AI call sites with a {label}: {old} → {new} "
                                f"of {after['facts']['call_sites']}", before=old, after=new))
    old, new = before["facts"]["grade"], after["facts"]["grade"]
    if old != new:
        found.append(_event(after, "grade", f"grade {old or 'n/a'} → {new or 'n/a'}", before=old, after=new))
    return found


def _present(point: dict) -> set:
    return present(point["facts"])


def _names(point) -> dict:
    return {v: row["name"] for v, row in point["facts"]["suppliers"].items()} if point else {}


def _at(point: dict) -> dict:
    return {"commit": point["commit"], "date": point["date"]}


def _event(point: dict, kind: str, text: str, **extra) -> dict:
    return {**_at(point), "kind": kind, "text": text, **extra}
