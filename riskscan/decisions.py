"""Decisions a board can act on: each risk paired with a decision, ranked by urgency x production exposure.

Computed once, after the scores, and rendered by the HTML and Markdown reports as they are.
Urgency: a leaked key or a model already switched off is "now" (never a date in the past); a
model retiring soon is due before its date, the nearer the more urgent; an outage without plan B
comes next, then concentration and switching cost. Exposure: the production entry points (or,
without traced reach, production modules) behind the code the decision is about. Findings in
tests or examples never outrank production: production decisions sort first. Each decision
names every function and place it is about (`path:line`, `path[cell 3]:line` in a notebook: places.py);
the reports show the first few and say how many more, the JSON keeps them all. Within production,
decisions due now come first, then those due by a date, then the rest; within each, urgency x
exposure decides. A model the operator has certainly switched off outranks one that only may be
off (an earliest date) and one whose date is unconfirmed ("Verify, then fix"); among dated
decisions of equal priority, a confirmed date comes before an unconfirmed one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import retirement_words as words
from .score import provider_name
from .places import spot, where
from .render import plural

MAX_DECISIONS = 6
RETIREMENT_WINDOW = 180  # days: the lifecycle window of the report
URGENCY = {"secret": 1.0, "retired": 1.0, "outage": 0.5, "hard_wired": 0.4, "concentration": 0.3, "lock_in": 0.2}
MODULE_LEVEL = "module level"  # code outside any function, in a decision's function list


@dataclass(frozen=True)
class Decision:
    kind: str  # secret, retired, retiring, outage, hard_wired, concentration, lock_in, none
    risk: str
    decision: str
    recommended: str
    due: str  # "now", an ISO date in the future, or "" (review)
    urgency: float  # 0-1
    exposure: int  # production entry points (or modules) behind it
    functions: tuple = ()  # dotted names of every function it is about ("module level" for code outside one)
    locations: tuple = ()  # every place: "path:line", or "path[cell 3]:line" in a notebook
    production: bool = True
    confirmed: bool = True  # a retirement date the operator's own page gives (retirement_words)
    certain: bool = True  # ... and an exact one: the model is switched off, not "may be"

    @property
    def tier(self) -> int:
        """Due now before due by a date before undated: a broken call outranks a possible outage."""
        return 0 if self.due == "now" else 1 if self.due else 2

    @property
    def doubt(self) -> int:
        """0 certain, 1 an earliest date (confirmed), 2 an unconfirmed date."""
        return 0 if self.certain else 1 if self.confirmed else 2

    @property
    def priority(self) -> float:
        return self.urgency * (1 + self.exposure) if self.production else 0.0

    def sort_key(self) -> tuple:
        """Production first, then the tier; due now, what is certain before what may be; then priority."""
        return (not self.production, self.tier, self.doubt if self.tier == 0 else 0, -self.priority, self.doubt,
                self.kind, self.locations)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "risk": self.risk, "decision": self.decision, "recommended": self.recommended,
                "due": self.due, "urgency": round(self.urgency, 3), "exposure": self.exposure,
                "priority": round(self.priority, 3), "functions": list(self.functions),
                "locations": list(self.locations), "production": self.production,
                "confirmed": self.confirmed, "certain": self.certain}


def decide(report) -> list:
    """The report's decisions, most urgent and most exposed first."""
    exposure = report.exposure
    if exposure is None:
        return []
    found = _secrets(report) + _retirements(report) + _outages(report) + _concentration(report) + _lock_in(report)
    found.sort(key=Decision.sort_key)
    if not found:
        found.append(Decision("none", "No supplier risk needs a decision now.", "Re-run this report at the next release.",
                              "Monitor", "", 0.0, 0))
    return found[:MAX_DECISIONS]


# --- what each decision is about ------------------------------------------------------------

def _sites_at(report, places) -> list:
    """Finding indices of call sites at these spots ((path, line), or (path, line, cell) in a notebook)."""
    wanted = set(places)
    return [i for i, f in enumerate(report.findings) if spot(f) in wanted and f.is_call_site]


def _functions(report, indices, places=()) -> tuple:
    """The enclosing functions of these sites, else of any finding at these places (a model named in settings)."""
    wanted = set(places)
    chosen = list(indices) or [i for i, f in enumerate(report.findings) if spot(f) in wanted]
    return _names(report.findings[i].function for i in chosen)


def _names(functions) -> tuple:
    return tuple(dict.fromkeys(name or MODULE_LEVEL for name in functions))


def _exposure(report, indices) -> int:
    """Production entry points reaching these sites; without traced reach, their production modules."""
    sites = report.exposure.sites
    units = set()
    for i in indices:
        site = sites.get(i)
        if site is not None:
            units |= site.reach if site.reach else site.modules if report.exposure.scores.reach_unit == "modules" else set()
    return len(units)


def _where(places) -> tuple:
    """Every place, once: the reports show the first few and count the rest."""
    return tuple(dict.fromkeys(where(item) for item in places))


# --- decisions ----------------------------------------------------------------------------------

def _secrets(report) -> list:
    keys = [f for f in report.findings if f.kind == "secret"]
    if not keys:
        return []
    prod = [f for f in keys if f.scope == "prod"]
    chosen = prod or keys
    return [Decision("secret", f"{plural(len(keys), 'supplier API key')} {'is' if len(keys) == 1 else 'are'} written into the source code.",
                     "Revoke these keys now and keep keys in a secret manager.", "Fix now", "now", URGENCY["secret"],
                     len(chosen), _names(f.function for f in chosen), _where(spot(f) for f in chosen), bool(prod))]


def _retirements(report) -> list:
    """One decision per retiring model, due now when it is (or may already be) switched off.

    The wording of the date's certainty is retirement_words' (one vocabulary in every output); a
    date no operator page confirms asks to verify it with the supplier before acting.
    """
    as_of = report.as_of or date.today()
    by_model: dict = {}
    for record in report.lifecycle or ():
        get = record.get if isinstance(record, dict) else (lambda key, default=None, r=record: getattr(r, key, default))
        when = as_date(get("retire_date"))
        if when is None or (when - as_of).days > RETIREMENT_WINDOW:
            continue
        key = (str(get("model") or ""), when, str(get("vendor") or get("operator") or ""), str(get("status") or ""),
               str(get("date_kind") or "exact"), get("confirmed", True) is not False)
        if get("path"):
            by_model.setdefault(key, []).append(spot(record))
    return [_retirement(report, key, places, as_of) for key, places in by_model.items()]


def _retirement(report, key: tuple, places: list, as_of: date) -> Decision:
    model, when, vendor, state, date_kind, confirmed = key
    days = (when - as_of).days
    indices = _sites_at(report, places)
    name = report.vendors[vendor].name if vendor in report.vendors else vendor
    if days <= 0:
        risk = words.switched_off_now(name, model, state, date_kind, confirmed)
    else:
        subject = "the model name" if state == "at_risk" else "the model"
        risk = f"{name}: {subject} {model} {words.fate(state, when.isoformat(), date_kind, confirmed, days)}."
    due = "now" if days <= 0 else when.isoformat()
    move = "now" if days <= 0 else f"before {when.isoformat()}"
    if confirmed:
        decision = f"Move this code to a supported model {move}."
        recommended = "Fix now" if days <= 90 else "Plan the move"
    else:
        decision = f"Confirm the date with {name}, then move this code to a supported model {move}."
        recommended = "Verify, then fix"
    urgency = URGENCY["retired"] if days <= 0 else max(0.1, 1.0 - days / RETIREMENT_WINDOW)
    return Decision("retired" if days <= 0 else "retiring", risk, decision, recommended, due, urgency,
                    _exposure(report, indices), _functions(report, indices, places), _where(places),
                    confirmed=confirmed, certain=words.certain(date_kind, confirmed) and state != "at_risk")


def _outages(report) -> list:
    scores = report.exposure.scores
    if scores.project_kind == "library":
        return _hard_wired(report)
    rows = []
    for vendor in scores.vendors.values():
        indices = [i for i, s in report.exposure.sites.items()
                   if s.vendor == vendor.vendor and not s.is_fallback_target and not s.protected_now]
        if not indices:
            continue
        if scores.reach_unit == "entry_points":
            if not vendor.blast_radius:
                continue
            stopped = len(vendor.unprotected_entry_points)
            risk = (f"If {vendor.name} is unavailable, {stopped} of {scores.entry_point_count} user-facing functions "
                    f"{'stops' if stopped == 1 else 'stop'}.")
            exposed = len(vendor.unprotected_entry_points)
        else:
            count = len(vendor.modules_stopped)
            risk = (f"Module level (reach not traced): {count} production module{' runs or imports' if count == 1 else 's run or import'} "
                    f"code calling {vendor.name} with no runtime plan B.")
            exposed = len(vendor.modules_stopped)
        switch = f" Switching to {_or(report, vendor.switchable_to)} by configuration needs a redeploy." if vendor.switchable_to else ""
        rows.append(Decision(
            "outage", risk, f"Fund a runtime plan B with a second supplier for these calls, or accept the outage risk.{switch}",
            "Fund a fallback", "", URGENCY["outage"], exposed, _functions(report, indices),
            _where(spot(report.findings[i]) for i in indices)))
    rows.sort(key=lambda d: -d.exposure)
    return rows[:2]


def _hard_wired(report) -> list:
    """A library's outage question: which calls can its users not point at another provider?"""
    rows = []
    for vendor in report.exposure.scores.vendors.values():
        indices = [i for i, s in report.exposure.sites.items()
                   if s.vendor == vendor.vendor and not s.is_fallback_target and not s.protected_after_switch]
        if indices:
            rows.append(Decision(
                "hard_wired", f"{plural(len(indices), 'call site')} {'is' if len(indices) == 1 else 'are'} hard-wired to {vendor.name}: "
                "users cannot choose another provider there.",
                "Decide whether to route these calls through the provider registry, or document the dependency.",
                "Offer a choice", "", URGENCY["hard_wired"], len(indices), _functions(report, indices),
                _where(spot(report.findings[i]) for i in indices)))
    rows.sort(key=lambda d: -d.exposure)
    return rows[:2]


def share_unit(scores) -> str:
    """What a supplier's share is a share of (the concentration score's basis); every report says the same."""
    if scores.project_kind == "library":
        return "hard-wired AI use, counted by the production modules behind it"
    return "AI-dependent functions" if scores.reach_unit == "entry_points" else "AI-using production modules (module level)"


def _concentration(report) -> list:
    scores = report.exposure.scores
    ranked = [v for v in scores.vendors.values() if v.share]
    if scores.concentration_band != "high" or not ranked:
        return []
    top = ranked[0]
    indices = [i for i, s in report.exposure.sites.items() if s.vendor == top.vendor and not s.is_fallback_target]
    unit = share_unit(scores)
    if top.share < 0.5:
        risk = f"Only {len(ranked)} suppliers carry our {unit} (highly concentrated)."
        decision = "Decide whether this spread is enough, or add a supplier."
    else:
        risk = f"{top.name} carries {100 * top.share:.0f}% of our {unit} (highly concentrated)."
        decision = f"Decide whether {top.name} may keep that share, or set a target to diversify."
    return [Decision("concentration", risk, decision, "Accept with a review date", "", URGENCY["concentration"],
                     _exposure(report, indices), _functions(report, indices),
                     _where(spot(report.findings[i]) for i in indices))]


def _lock_in(report) -> list:
    """Only deep lock-in asks for a decision: vendor-held data, own interfaces, vectors, fine-tunes (w >= 0.6)."""
    scores = report.exposure.scores
    if not any(site.lock_in >= 0.6 for site in scores.lock_in_top):
        return []
    decisions = []
    for reason in [r for r in scores.reasons if r.kind == "lock_in"][:2]:
        indices = _sites_at(report, reason.evidence)
        decisions.append(Decision("lock_in", reason.text, "Budget the switching cost now, or accept the lock-in for this function.",
                                  "Accept and record", "", URGENCY["lock_in"], _exposure(report, indices),
                                  _functions(report, indices), _where(reason.evidence)))
    return decisions


def _or(report, vendors) -> str:
    names = [provider_name(v, lambda v: report.vendors[v].name if v in report.vendors else v) for v in vendors]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def as_date(value):
    """A date from a date or an ISO string (lifecycle records carry either); None when it is neither."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
