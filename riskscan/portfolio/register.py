"""The register of information export: one CSV row per repository x supplier, shaped after DORA B_07.01.

Columns follow the template's assessment fields where code can evidence them (c0050
substitutability, c0070 impact of discontinuing, c0080 alternative providers identified), plus
the functions supported, the repository's criticality and the evidence behind each row.
Reintegration, RTO/RPO, contracts and LEIs come from procurement, not from code.
"""
from __future__ import annotations

import csv
import io

from ..escape import printable
from ..places import split
from .facts import reach_known

COLUMNS = (
    "repository", "owner", "criticality", "supplier_id", "supplier", "company", "supplier_kind",
    "functions_supported", "function_count", "call_sites", "plan_b_runtime", "plan_b_config", "plan_b_none",
    "substitutability", "alternative_providers_identified", "alternative_providers", "impact_of_discontinuing",
    "nearest_retirement", "evidence", "evidence_link",
)
# A spreadsheet runs a cell that starts with one of these as a formula; names from a scanned tree must not.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def register_rows(members: list) -> list:
    rows = []
    for member in members:
        if member.facts is None:
            continue
        for vendor in sorted(member.facts["suppliers"]):
            rows.append(_row(member, vendor, member.facts["suppliers"][vendor]))
    return rows


def _row(member, vendor: str, supplier: dict) -> dict:
    nearest = min((r["retire_date"] for r in member.facts["retirements"] if r["vendor"] == vendor and r["retire_date"]),
                  default="")
    return {
        "repository": member.name, "owner": member.owner, "criticality": member.criticality or "not assessed",
        "supplier_id": vendor, "supplier": supplier["name"], "company": supplier["company"], "supplier_kind": supplier["kind"],
        "functions_supported": "; ".join(supplier["functions"]), "function_count": _function_count(member.facts, supplier),
        "call_sites": supplier["call_sites"], "plan_b_runtime": supplier["runtime"], "plan_b_config": supplier["config"],
        "plan_b_none": supplier["none"], "substitutability": supplier.get("substitutability") or "",
        "alternative_providers_identified": "yes" if supplier["alternatives"] else "no",
        "alternative_providers": "; ".join(supplier["alternatives"]),
        "impact_of_discontinuing": _impact(member.facts, supplier),
        "nearest_retirement": nearest, "evidence": "; ".join(supplier["evidence"]),
        "evidence_link": "; ".join(_link(member, where) for where in supplier["evidence"]),
    }


def _unknown(facts: dict, supplier: dict) -> bool:
    """No entry point was traced to any of the supplier's call sites: what depends on it is not known (never 0)."""
    return bool(supplier["call_sites"]) and (not facts["reached"] or reach_known(supplier) == "none")


def _function_count(facts: dict, supplier: dict):
    if _unknown(facts, supplier):
        return "not known"
    count = len(supplier["functions"])
    return f"at least {count}" if reach_known(supplier) == "partial" else count


def _impact(facts: dict, supplier: dict) -> str:
    if _unknown(facts, supplier):
        return "not resolved: no entry point was found to reach its call sites"
    stops, down = len(supplier["stops"]), len(supplier["stays_down"])
    text = f"{stops} of {facts['entry_points']} functions stop"
    if reach_known(supplier) == "partial":
        missing = supplier.get("unreached", 0)
        text = (f"at least {text}; {missing} of its {supplier['call_sites']} call sites "
                f"{'was' if missing == 1 else 'were'} not traced to an entry point")
    return text + (f"; {down} stay down after switching by configuration" if down != stops else "")


def _link(member, where: str) -> str:
    """A browsable link when the manifest gives a template, else the report and the place in it."""
    path, line, _ = split(where)  # a notebook's "path[cell 3]:line" links to the notebook
    if member.link:
        return member.link.format(path=path, line="" if line is None else line)
    return f"{member.source}#{where}" if member.source else where


def render_csv(members: list) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in register_rows(members):
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue()


def _cell(value):
    if not isinstance(value, str):
        return value
    value = printable(value)
    return "'" + value if value.startswith(_FORMULA) else value
