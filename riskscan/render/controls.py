"""The control mapping: which regulatory asks this scan gives evidence for, and what it cannot show.

Sources are DOMAIN.md section 1 (DORA, EBA, NIST AI RMF, ISO/IEC 42001, EU AI Act, OWASP LLM03).
"""
from __future__ import annotations

from . import plural
from .board import pct

# (framework and reference, what it asks, what still needs evidence from outside the code)
CONTROLS = (
    ("DORA Art. 28(3)", "A register of ICT third-party arrangements and the functions they support.",
     "register", "Contract references, supplier LEI, and which functions are critical or important."),
    ("DORA Art. 29", "An assessment of concentration: suppliers that are hard to substitute, or closely connected.",
     "concentration", "The legal and contractual side of substitutability."),
    ("DORA exit plans (RTS Art. 10); EBA GL 15", "A documented, tested exit plan for each arrangement.",
     "fallback", "Exit plans on paper, and evidence they were tested."),
    ("NIST AI RMF GOVERN 6.2", "Contingency processes for failures of third-party AI systems.",
     "contingency", "Incident procedures and who runs them."),
    ("NIST AI RMF MAP 4.1", "The third-party components of each AI system are mapped (an AI bill of materials).",
     "inventory", "Licences and data provenance of each component."),
    ("NIST AI RMF MANAGE 3.1", "Third-party AI risks are monitored over time.",
     "monitoring", "A schedule for re-running this report."),
    ("ISO/IEC 42001 A.10", "Supplier requirements for AI components are set and verified.",
     "inventory", "Supplier requirements in contracts, and their verification."),
    ("EU AI Act (inventory)", "Knowing which general-purpose AI providers each system uses.",
     "inventory", "The risk-tier classification of each system and our role in it."),
    ("OWASP LLM03:2025 Supply chain", "An up-to-date AI-BOM; no outdated or deprecated components.",
     "supply_chain", "Model provenance and licence review."),
)


def controls(data: dict, retirements: list, registered: int) -> list:
    """One row per control: the evidence this scan provides, in numbers, and the gap. `registered`:
    the suppliers the register lists as in production use (the others are only named in the code)."""
    scores = data.get("scores") or {}
    vendors = plural(len(data["vendors"]), "AI supplier")
    evidence = {
        "register": f"{plural(registered, 'AI supplier')} in production use, each mapped to the functions it supports "
                    "(supplier register).",
        "concentration": f"Concentration HHI {scores.get('concentration_hhi', 0):,.0f} ({scores.get('concentration_band', 'low')});"
                         " a substitutability class per supplier.",
        "fallback": _fallback(scores),
        "contingency": _contingency(scores, (data.get("summary") or {}).get("project_kind")),
        "inventory": f"An inventory of {vendors} from the code; an AI-BOM with --format cyclonedx.",
        "monitoring": "Changes since the previous report (--baseline)"
                      + ("; model retirement dates." if retirements else "."),
        "supply_chain": f"AI-BOM of SDKs, models and services; {plural(_secrets(data), 'hard-coded key')} found"
                        + (f"; {plural(len(retirements), 'model')} with a retirement date." if retirements else "."),
    }
    return [{"control": name, "asks": asks, "evidence": evidence[key], "gap": gap,
             "status": "Partly evidenced" if data["vendors"] else "Nothing to evidence"} for name, asks, key, gap in CONTROLS]


def _fallback(scores: dict) -> str:
    """Coded fallbacks counted as the plan B section counts them: a switch by configuration is not one."""
    total = scores.get("call_sites") or 0
    if not total:
        return "No production AI call site to fall back from."
    runtime = total - scores.get("call_sites_without_plan_b", 0) - scores.get("call_sites_switchable", 0)
    switchable = scores.get("call_sites_switchable", 0)
    text = f"{runtime} of {plural(total, 'production AI call site')} {'has' if runtime == 1 else 'have'} a coded fallback to another supplier"
    return text + (f"; {switchable} can be switched by configuration." if switchable else ".")


def _contingency(scores: dict, kind) -> str:
    """The worst outage in the unit the scores measured it in: functions, or modules when there are none to trace."""
    if scores.get("blast_radius_max") is not None:
        return f"Worst single-supplier outage stops {pct(scores.get('blast_radius_max'))} of user-facing functions."
    if not scores.get("call_sites"):
        return "No production AI call site, so no supplier outage stops anything."
    why = "A library: its users' functions are not in this code" if kind == "library" else "Reach to user-facing functions was not traced"
    return (f"{why}; the worst single-supplier outage reaches {pct(scores.get('blast_radius_modules_max'))} of "
            "AI-using production modules (module level).")


def _secrets(data: dict) -> int:
    return sum(f["kind"] == "secret" for f in data["findings"])
