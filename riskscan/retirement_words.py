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


def past_due(rows: list, shown: int = 4) -> str:
    """One sentence on production models past their retirement date, for every report's header
    (HTML banner, terminal, Markdown), counted as the grade's reason counts them: places, split
    by whether a confirmed date backs them. `rows` are calendar rows (lifecycle.retirement_calendar
    or the HTML report's): `model`, `status`, `date_kind`, `confirmed`, `days_left`, `where`.
    Empty when none is past its date."""
    past = [r for r in rows if (r.get("days_left") or 0) <= 0]
    if not past:
        return ""
    places = sum(len(set(r.get("where") or ())) or 1 for r in past)
    gated = sum(len(set(r.get("where") or ())) or 1 for r in past if r.get("confirmed", True) and _status(r) == "retired")
    head = (f"Production code names {_count(len(past), 'model')} past {'its' if len(past) == 1 else 'their'} retirement date, "
            f"in {_count(places, 'place')}")
    if gated:
        head += f"; {_count(gated, 'place')} with a confirmed date {'holds' if gated == 1 else 'hold'} the grade at D or worse"
    items = [_past_item(r) for r in past[:shown]]
    more = f"; and {len(past) - shown} more" if len(past) > shown else ""
    return f"{head}: {'; '.join(items)}{more}."


def _past_item(row: dict) -> str:
    where = len(set(row.get("where") or ())) or 1
    confirmed = row.get("confirmed", True)
    if _status(row) == "at_risk":
        what = "may have stopped working (the version behind it is past its date)"
    elif certain(str(row.get("date_kind") or "exact"), confirmed):
        what = "switched off"
    else:
        what = "may already be switched off"
    sure = ("unconfirmed date, so it does not lower the grade" if not confirmed
            else "confirmed earliest date" if row.get("date_kind") == "earliest" else "confirmed date")
    return f"{row.get('model')} ({_count(where, 'place')}) {what}, {sure}"


def _status(row: dict) -> str:
    """lifecycle's state on the as-of day: `status` in the JSON calendar, `state` in the HTML report's rows."""
    return str(row.get("status") or row.get("state") or "")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"

