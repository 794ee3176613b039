"""The audit trail of a grade: each component of the risk sum with the call sites it came from.

`riskscan scan --explain-score` prints it and the JSON report carries it as `explain`, so a
reader can recompute any number of the score from the findings listed beside it.
"""
from __future__ import annotations

from .places import spot, where

FORMULAS = {
    "concentration": "HHI = sum over suppliers of (100 x share)^2; share = the supplier's part of the {unit} reaching its call sites",
    "blast_radius": "B = the worst supplier's share of production entry points that reach one of its call sites without a runtime plan B",
    "fallback_gap": "G = 100 x (1 - F); F = mean credit of the call sites weighted by the {unit} reaching each "
                    "(runtime fallback to another supplier 1, to a closely connected one 0.5, configuration switch 0.5, none 0)",
    "lock_in": "L = 100 x mean switching weight w of the call sites, weighted by the {unit} reaching each",
}
UNITS = {"entry_points": "entry points", "modules": "production modules (reach not traced)"}


def explain(report) -> dict:
    """Components, weights, points and per-site inputs of the report's score."""
    scores = report.exposure.scores
    unit = UNITS.get(scores.reach_unit, scores.reach_unit)
    values = {"concentration": scores.concentration_hhi, "blast_radius": _percent(scores.blast_radius_max),
              "fallback_gap": scores.fallback_gap, "lock_in": scores.lock_in}
    components = []
    for name, weight in scores.weights.items():
        components.append({
            "component": name, "value": round(values[name], 2), "weight": round(weight, 4),
            "points": round(scores.components.get(name, 0.0), 2), "formula": FORMULAS[name].format(unit=unit),
            "inputs": _inputs(name, scores),
        })
    left_out = [] if "blast_radius" in scores.weights else [{
        "component": "blast_radius", "why": "reach could not be traced from the entry points" if scores.reach == "unresolved"
        else "a library's users run their own entry points"}]
    return {
        "risk": round(scores.risk, 1), "grade": scores.grade, "grade_label": scores.grade_label or scores.grade,
        "reach": scores.reach, "unit": scores.reach_unit, "components": components, "left_out": left_out,
        "sum_before_gates": round(sum(scores.components.values()), 2), "gates": list(scores.gates_applied),
    }


def _percent(value):
    return 0.0 if value is None else 100.0 * value


def _inputs(name: str, scores) -> list:
    if name == "concentration":
        return [{"vendor": v.vendor, "share": round(v.share, 4), "call_sites": v.sites} for v in scores.vendors.values() if v.share]
    if name == "blast_radius":
        return [{"vendor": v.vendor, "blast_radius": round(v.blast_radius or 0.0, 4),
                 "entry_points_stopped": list(v.unprotected_entry_points)} for v in scores.vendors.values() if v.blast_radius]
    return [_site_row(site, name) for site in sorted(scores.primary, key=lambda s: (s.path, s.line, s.vendor))]


def _site_row(site, name: str) -> dict:
    row = {"where": where(spot(site)), "vendor": site.vendor, "feature": site.feature, "weight": site.reach_weight}
    if name == "fallback_gap":
        kind = "runtime" if site.fallback_credit > 0 else "config" if site.switchable_to else None
        row.update(credit=site.credit, fallback_kind=kind)
    else:
        row.update(w=round(site.lock_in, 4))
    return row


def explain_text(report) -> str:
    """The same, as lines for a terminal."""
    data = explain(report)
    out = [f"How the grade {data['grade_label']} ({data['risk']:.1f}/100) is computed (reach {data['reach']}, "
           f"counted by {UNITS.get(data['unit'], data['unit'])}):"]
    for c in data["components"]:
        out.append(f"  {c['component']}: {c['value']:.1f} x weight {c['weight']:.2f} = {c['points']:.1f} points")
        out.append(f"    {c['formula']}")
        for row in c["inputs"][:50]:
            out.append("      " + ", ".join(f"{k} {v}" for k, v in row.items()))
        if len(c["inputs"]) > 50:
            out.append(f"      ... {len(c['inputs']) - 50} more in --format json (explain)")
    for item in data["left_out"]:
        out.append(f"  {item['component']}: left out, {item['why']}")
    out.append(f"  sum {data['sum_before_gates']:.1f}; gates: {', '.join(data['gates']) or 'none'}")
    return "\n".join(out) + "\n"
