"""Why a grade is worse than its risk terms, said one way wherever a grade is shown.

Two rules move a grade past what the weighted terms give (DOMAIN.md 5): one supplier carrying
every call with no plan B sets the risk to at least SINGLE_VENDOR_FLOOR (F), and a production
model past its confirmed retirement date holds the grade at D or worse, one retiring within 90
days at C or worse. score.py applies them and states them in the reasons (with the figures the
JSON report cites); the renderers show `notes`, built from the JSON report's fields, beside the
grade and the score bar, so no report prints a letter its numbers do not explain.
"""
from __future__ import annotations

from .retirement_words import gate_ending

CAPS = {"retired": "D", "retiring_90d": "C"}  # lifecycle gate -> the best grade it allows
SINGLE_VENDOR_FLOOR = 80.0
GRADES = ((20.0, "A"), (35.0, "B"), (50.0, "C"), (65.0, "D"))
GRADE_ORDER = "ABCDF"


def grade_for(risk: float) -> str:
    """Letter for a 0-100 risk: A <= 20, B <= 35, C <= 50, D <= 65, F above."""
    return next((letter for bound, letter in GRADES if risk <= bound), "F")


def floor_reason(name: str, terms: float) -> tuple:
    """(text, figures) of the single-vendor floor's reason."""
    text = (f"All AI use depends on {name}, and nothing takes over if it fails, so the risk counts as at least "
            f"{SINGLE_VENDOR_FLOOR:.0f} (grade F; its terms add up to {terms:.0f}).")
    return text, (("scores.method.single_vendor_floor", SINGLE_VENDOR_FLOOR), ("scores.risk_terms", terms))


def cap_reason(key: str, places: int, risk: float, grade: str) -> tuple:
    """(text, figures) of a retirement cap's reason: how many places, and what it does to `grade` (the final one)."""
    subject = "1 place in production code uses a model" if places == 1 else f"{places} places in production code use models"
    owner = "its supplier" if places == 1 else "their supplier"
    cap, alone = CAPS[key], grade_for(risk)
    figures = ((f"scores.gate_sites.{key}", places),)
    if grade == cap and alone != cap:
        effect = f"so the grade is {cap}, not the {alone} that a risk of {risk:.0f} alone gives"
        figures += (("scores.risk", risk),)
    else:  # the terms, or another cap, already give this grade or a worse one
        effect = f"which on its own would hold the grade at {cap} or worse"
    return f"{subject} {owner} {gate_ending(key)} (confirmed date), {effect}.", figures


def notes(scores: dict) -> list:
    """Short sentences for beside a grade: each rule that made it worse than its terms give, from the
    JSON report's `scores` (`grade`, `risk`, `risk_terms`, `gates`, `gate_sites`). Empty when the
    grade is what the terms give."""
    if not scores:
        return []
    out, gates = [], scores.get("gates") or ()
    terms = scores.get("risk_terms", scores.get("risk", 0.0))
    if "single_vendor_no_fallback" in gates:
        out.append(f"Risk {scores['risk']:.0f}, not the {terms:.0f} its terms add up to: one supplier carries every AI "
                   "call with no plan B, and that counts as at least "
                   f"{SINGLE_VENDOR_FLOOR:.0f}.")
    alone = grade_for(scores.get("risk", 0.0))
    for key, cap in CAPS.items():
        count = (scores.get("gate_sites") or {}).get(key, 0)
        if key in gates and count and scores.get("grade") == cap and alone != cap:
            which = "a model" if count == 1 else "models"
            out.append(f"Grade {cap}, not {alone}: {count} production {_places(count)} {'uses' if count == 1 else 'use'} "
                       f"{which} the supplier {gate_ending(key)} (confirmed date), which holds the grade at {cap} or worse.")
    return out


def badge(scores: dict) -> str:
    """A few words for under a grade letter ("capped at D: a retired model"); empty when the terms alone give the grade."""
    if not scores:
        return ""
    alone, gates = grade_for(scores.get("risk", 0.0)), scores.get("gates") or ()
    for key, cap in CAPS.items():
        if key in gates and scores.get("grade") == cap and alone != cap:
            return f"capped at {cap}: " + ("a model past its retirement date" if key == "retired" else "a model retiring within 90 days")
    if "single_vendor_no_fallback" in gates:
        return f"raised to {SINGLE_VENDOR_FLOOR:.0f}: one supplier, no plan B"
    return ""


def _places(count: int) -> str:
    return "place" if count == 1 else "places"
