"""How sure a model retirement date is, said in one vocabulary by every output (terminal, JSON, SARIF, Markdown, HTML).

A date is *certain* only when the operator's own documentation gives it as an exact day. An
`earliest` date is a promise not to switch off sooner, so once it has passed the model *may*
already be off, never "was switched off". A date that no operator page confirms is
*unconfirmed*: it is shown, marked as such, and never drives a gate. Every sentence and table
label about a retirement is built here, so the formats cannot drift apart.

| the date                | has passed                                    | lies ahead                                      |
| ----------------------- | --------------------------------------------- | ----------------------------------------------- |
| exact, confirmed        | was switched off on D                         | is switched off on D                            |
| earliest, confirmed     | may already be switched off (earliest date D) | may be switched off from D (earliest date)      |
| unconfirmed             | may already be switched off (D, unconfirmed)  | may be switched off on D (unconfirmed)          |
| an alias's snapshot     | may have stopped working on D, when the version behind it was switched off | may stop working on D, when the version behind it is switched off |
"""
from __future__ import annotations

UNCONFIRMED = "unconfirmed"
UNCONFIRMED_MEANING = "no page of the supplier's own confirms it, so it drives no gate until someone verifies it with the supplier"
# Short labels for a table's status column, one per (state, certain).
_LABELS = {
    ("retired", True): "switched off", ("retired", False): "may be off",
    ("retiring", True): "switches off soon", ("retiring", False): "may switch off soon",
    ("scheduled", True): "scheduled", ("scheduled", False): "may switch off",
    ("at_risk", True): "at risk", ("at_risk", False): "at risk",
}


def certain(date_kind: str, confirmed: bool) -> bool:
    """Only an exact day from the operator's own documentation is a certainty."""
    return confirmed and date_kind == "exact"


def fate(state: str, when: str, date_kind: str = "exact", confirmed: bool = True, days=None) -> str:
    """What happens to the model, as a verb phrase: "was switched off on 2025-07-21", "may already be switched off ...".

    `state` is lifecycle's state on the as-of day: retired (the date has passed), retiring or
    scheduled (it lies ahead), at_risk (an undated alias whose snapshot has this date; `days`
    from the as-of day to the date tells whether that has passed).
    """
    past = state == "retired" or (days is not None and days <= 0)
    if state == "at_risk":
        text = (f"may have stopped working on {when}, when the version behind it was switched off" if past
                else f"may stop working on {when}, when the version behind it is switched off")
        return text if confirmed else f"{text} ({UNCONFIRMED})"
    if not confirmed:
        return f"may already be switched off ({when}, {UNCONFIRMED})" if past else f"may be switched off on {when} ({UNCONFIRMED})"
    if date_kind == "earliest":
        return f"may already be switched off (earliest date {when})" if past else f"may be switched off from {when} (earliest date)"
    return f"was switched off on {when}" if past else f"is switched off on {when}"


def switched_off_now(name: str, model: str, state: str, date_kind: str = "exact", confirmed: bool = True) -> str:
    """A decision's risk once the date has passed, without the date: a board acts on it now, not on a day gone by."""
    subject = f"the model name {model}" if state == "at_risk" else f"the model {model}"
    if certain(date_kind, confirmed) and state != "at_risk":
        return f"{name} has switched off {subject}: every call naming it fails."
    why = (f"{UNCONFIRMED} date" if not confirmed else "the version behind it is past its date" if state == "at_risk"
           else "its earliest date has passed")
    return f"{name} may already have switched off {subject} ({why}): calls naming it may fail."


def label(state: str, date_kind: str = "exact", confirmed: bool = True) -> str:
    """The status cell of a calendar row: "switched off", "may be off", "scheduled", ..."""
    return _LABELS.get((state, certain(date_kind, confirmed)), state.replace("_", " "))


def gate_ending(key: str) -> str:
    """The end of the grade-gate sentence "N places in the code use models their supplier ..." (score.py)."""
    return {"retired": "has switched off, or may already have", "retiring_90d": "switches off within three months"}[key]
