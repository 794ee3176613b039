"""The control mapping: which regulatory asks this scan gives evidence for, and what it cannot show.

Sources are DOMAIN.md section 1 (DORA, EBA, NIST AI RMF, ISO/IEC 42001, EU AI Act, OWASP LLM03).
"""
from __future__ import annotations

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


def controls(data: dict, retirements: list) -> list:
    """One row per control: the evidence this scan provides, in numbers, and the gap."""
    scores = data.get("scores") or {}
    vendors = len(data["vendors"])
    evidence = {
        "register": f"{vendors} AI supplier(s), each mapped to the functions it supports (supplier register).",
        "concentration": f"Concentration HHI {scores.get('concentration_hhi', 0):,.0f} ({scores.get('concentration_band', 'low')});"
                         " a substitutability class per supplier.",
        "fallback": f"{pct(scores.get('fallback_coverage'))} of AI calls have a coded fallback to another supplier.",
        "contingency": f"Worst single-supplier outage stops {pct(scores.get('blast_radius_max'))} of user-facing functions.",
        "inventory": f"An inventory of {vendors} AI supplier(s) from the code; an AI-BOM with --format cyclonedx.",
        "monitoring": "Changes since the previous report (--baseline)"
                      + ("; model retirement dates." if retirements else "."),
        "supply_chain": f"AI-BOM of SDKs, models and services; {_secrets(data)} hard-coded key(s) found"
                        + (f"; {len(retirements)} model(s) with a retirement date." if retirements else "."),
    }
    return [{"control": name, "asks": asks, "evidence": evidence[key], "gap": gap,
             "status": "Partly evidenced" if vendors else "Nothing to evidence"} for name, asks, key, gap in CONTROLS]


def _secrets(data: dict) -> int:
    return sum(f["kind"] == "secret" for f in data["findings"])
