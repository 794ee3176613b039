"""Model lifecycle: the retirement catalogue (rules/lifecycle/), which models in use retire when, and the grade gates.

Dates are data with a source and a read date; everything here is computed against one
reference day (`--as-of`), so the same tree and the same day always give the same report.
A row is *confirmed* when its source is on one of its operator's own domains (the file's
`domains`) and the row is not marked `unconfirmed`; only confirmed rows drive gates (the grade
caps and RS302). retirement_words.py says how sure each date is, in every output.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Iterable, Optional

from .datafiles import load_table
from .options import DEFAULT_WINDOW  # findings for models retiring within this many days (options: the CLI needs it early)
from .model import Finding
from .places import place
from .schema import Bool, Date, List, Str, Table, Tables

# Platforms of a catalogue vendor that publish their own retirement dates.
PLATFORMS = {"google_vertex": "google"}
STATUSES = ("deprecated", "retired", "at_risk")
DATE_KINDS = ("exact", "earliest")
GATE_DAYS = 90  # DOMAIN.md 5: a site retiring within 90 days caps the grade at C
_URL = r"https?://\S+"
_DOMAIN = r"[a-z0-9][a-z0-9.\-]*\.[a-z]{2,}(/[A-Za-z0-9_.\-/]*)?"
_VERTEX = re.compile(r"vertex|aiplatform", re.IGNORECASE)

SCHEMA = Table({
    "operator": Str(required=True, pattern=r"[a-z][a-z0-9_]*"),
    "name": Str(required=True, allow_empty=False),
    "policy": Str(),
    "policy_url": Str(pattern=_URL),
    "domains": List(Str(allow_empty=False, pattern=_DOMAIN)),
    "models": Tables({
        "ids": List(Str(allow_empty=False, pattern=r"[A-Za-z0-9_.:/@*?\[\]\-]+"), required=True),
        "status": Str(required=True, choices=STATUSES),
        "retire_date": Date(required=True),
        "date_kind": Str(required=True, choices=DATE_KINDS),
        "includes_fine_tunes": Bool(),
        "unconfirmed": Bool(),
        "source_url": Str(required=True, pattern=_URL),
        "read_date": Date(required=True),
        "note": Str(),
    }, required=True),
})


@dataclass(frozen=True)
class Retirement:
    """One catalogue row for one model id or glob: when its operator switches it off, and who says so."""

    operator: str
    pattern: str
    status: str
    retire_date: date
    date_kind: str
    source_url: str
    read_date: date
    confirmed: bool = True  # the source is the operator's own documentation, and the row is not marked unconfirmed
    operator_source: bool = True  # source_url is on one of the operator's domains
    includes_fine_tunes: bool = False
    note: str = ""
    source: str = ""  # file:line of the row

    def state(self, as_of: date, window: int) -> tuple:
        """(state, days from as_of to the date): retired, retiring (within `window`), scheduled, or at_risk."""
        days = (self.retire_date - as_of).days
        if self.status == "at_risk":
            return ("at_risk" if days <= window else "scheduled"), days
        if days <= 0:
            return "retired", days
        return ("retiring" if days <= window else "scheduled"), days


@dataclass(frozen=True)
class Lifecycle:
    """The catalogue indexed for lookups: exact ids first, then the most specific glob."""

    exact: dict  # (operator, id) -> Retirement
    globs: dict  # operator -> [Retirement], most specific first
    version: str = ""

    def lookup(self, operator: str, model: str) -> Optional[Retirement]:
        model = model.strip().lower()
        found = self._match(operator, model)
        if found is None and model.startswith("ft:"):
            base = self._match(operator, model.split(":")[1])
            found = base if base is not None and base.includes_fine_tunes else None
        return found

    def _match(self, operator: str, model: str) -> Optional[Retirement]:
        hit = self.exact.get((operator, model))
        if hit is not None:
            return hit
        return next((r for r in self.globs.get(operator, ()) if fnmatchcase(model, r.pattern)), None)

    def rows(self) -> list:
        """The catalogue rows in file order, each as the list of its entries (one per id): what `rules --check-sources` lists."""
        entries = list(self.exact.values()) + [e for group in self.globs.values() for e in group]
        grouped = {}
        for entry in entries:
            grouped.setdefault(entry.source, []).append(entry)
        return [grouped[source] for source in sorted(grouped, key=_source_order)]


def _source_order(source: str) -> tuple:
    path, _, line = source.rpartition(":")
    return (path, int(line)) if line.isdigit() else (source, 0)


def on_domain(url: str, domains: Iterable) -> bool:
    """Whether `url` is on one of `domains`: a host (its subdomains count) or a host with a path prefix.

    "google.com" covers google.com and cloud.google.com but not ai.google.dev; "github.com/openai/"
    covers that organisation's repositories on GitHub and nothing else there.
    """
    rest = url.split("://", 1)[-1]
    host, _, path = rest.partition("/")
    host = host.split("@")[-1].split(":")[0].lower()
    for domain in domains:
        name, slash, prefix = domain.lower().partition("/")
        if (host == name or host.endswith("." + name)) and (not slash or path.startswith(prefix)):
            return True
    return False


def unofficial_rows(lifecycle: Lifecycle) -> list:
    """Catalogue rows whose source is not on their operator's domains (`riskscan rules --check-sources`).

    Each is a dict: where the row is (file:line), operator, ids, source_url, read_date, retire_date.
    Such rows are unconfirmed by construction: shown in every output, never a gate.
    """
    return [{"where": row[0].source, "operator": row[0].operator, "ids": [e.pattern for e in row],
             "source_url": row[0].source_url, "read_date": row[0].read_date.isoformat(),
             "retire_date": row[0].retire_date.isoformat()}
            for row in lifecycle.rows() if not row[0].operator_source]


# --- loading ---------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def load_lifecycle(extra_dirs: tuple = (), operators: Optional[frozenset] = None) -> Lifecycle:
    """Validate and index rules/lifecycle/*.toml (plus `<dir>/lifecycle/` of each --rules folder).

    `operators` are the known operator ids (catalogue vendors); None skips that check.
    """
    known = None if operators is None else frozenset(operators) | frozenset(PLATFORMS)
    files, version = load_table("lifecycle", SCHEMA, extra_dirs, lambda f: _cross_check(f, known))
    exact, globs = {}, {}
    for file in files:
        operator, domains = file.data["operator"], file.data.get("domains", ())
        for i, row in enumerate(file.data["models"]):
            for pattern in row["ids"]:
                entry = _entry(operator, pattern.lower(), row, file.where(f"models[{i}]"), domains)
                if _is_glob(pattern):
                    globs.setdefault(operator, []).append(entry)
                else:
                    exact.setdefault((operator, entry.pattern), entry)
    for entries in globs.values():
        entries.sort(key=lambda r: (-len(r.pattern.replace("*", "")), r.pattern))
    return Lifecycle(exact, globs, version)


def _entry(operator: str, pattern: str, row: dict, source: str, domains) -> Retirement:
    official = on_domain(row["source_url"], domains)
    return Retirement(
        operator=operator, pattern=pattern, status=row["status"], retire_date=row["retire_date"],
        date_kind=row["date_kind"], source_url=row["source_url"], read_date=row["read_date"],
        confirmed=official and not row.get("unconfirmed", False), operator_source=official,
        includes_fine_tunes=row.get("includes_fine_tunes", False), note=row.get("note", ""), source=source,
    )


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def _cross_check(file, known: Optional[frozenset]) -> list:
    """What the schema cannot see: the operator, statuses that contradict their dates, ids listed twice."""
    data, problems = file.data, []
    if data["operator"] != file.path.stem:
        problems.append(("operator", f"{data['operator']!r} must equal the file name {file.path.stem!r}"))
    elif known is not None and data["operator"] not in known:
        problems.append(("operator", f"unknown operator {data['operator']!r} (a vendor id, or one of {', '.join(sorted(PLATFORMS))})"))
    seen, domains = {}, data.get("domains", ())
    for i, row in enumerate(data["models"]):
        key = f"models[{i}]"
        if not row.get("unconfirmed") and not on_domain(row["source_url"], domains):
            problems.append((f"{key}.source_url", f"{row['source_url']} is not on one of the operator's domains "
                             f"({', '.join(domains) or 'none listed in domains'}): cite the operator's own page, "
                             "or mark the row unconfirmed = true"))
        if row["status"] == "retired" and row["retire_date"] > row["read_date"]:
            problems.append((f"{key}.status", "'retired' but retire_date is after read_date (should it be 'deprecated'?)"))
        if row["status"] == "deprecated" and row["retire_date"] <= row["read_date"]:
            problems.append((f"{key}.status", "'deprecated' but retire_date was already past on read_date (should it be 'retired'?)"))
        for j, pattern in enumerate(row["ids"]):
            if pattern.lower() in seen:
                problems.append((f"{key}.ids[{j}]", f"{pattern!r} is already listed in models[{seen[pattern.lower()]}]"))
            seen.setdefault(pattern.lower(), i)
    return problems


# --- which model a finding uses, at which operator -------------------------------------------

def model_use(finding: Finding, catalogue) -> Optional[tuple]:
    """(operator, model id) a finding names, or None: a routed model string, or a vendor call's `model=`.

    The operator is the finding's vendor, refined where dates differ: Gemini on Vertex AI is
    `google_vertex`, and a gateway (OpenRouter) passes the model through to its maker.
    """
    if finding.service is not None:
        return None  # a vector index or another non-inference service: no model is asked for
    if finding.kind == "model_string":
        text = finding.detail
    elif finding.kind in ("call", "adapter") and finding.model:
        text = finding.model
    else:
        return None
    operator, prefix, model = finding.vendor, "", text.strip()
    for _ in range(2):
        match = re.match(r"^([A-Za-z0-9_.\-]+)[/:](.+)$", model)
        if not match or match.group(1).lower() not in catalogue.model_prefixes:
            break
        prefix, model = match.group(1).lower(), match.group(2)
        rule = catalogue.vendors.get(operator)
        if rule is None or rule.kind != "gateway":
            break
        operator = catalogue.vendor_for_model(model) or operator
    model = _resource_id(model)
    if operator == "google" and _VERTEX.search(f"{prefix} {finding.detail if finding.kind != 'model_string' else ''}"):
        operator = "google_vertex"
    return (operator, model) if model else None


def _resource_id(model: str) -> str:
    """The model id inside a resource name, which is what an operator's catalogue dates.

    Gemini's "models/gemini-2.0-flash" and Vertex's ".../publishers/google/models/<id>";
    Bedrock's ARNs "arn:aws:bedrock:<region>::foundation-model/<id>" and
    "arn:aws:bedrock:<region>:<account>:inference-profile/<profile id>".
    """
    if "models/" in model:
        return model.rsplit("models/", 1)[1]
    if model.lower().startswith("arn:") and "/" in model:
        return model.rsplit("/", 1)[1]
    return model


# --- findings, gates and the calendar --------------------------------------------------------

@dataclass(frozen=True)
class Use:
    """A model in use whose retirement date is known: where, which catalogue row, and its state on as_of."""

    finding: Finding
    operator: str
    model: str
    retirement: Retirement
    state: str
    days: int

    def record(self) -> dict:
        """The calendar record (report.lifecycle): one per place a dated model is used."""
        r, f = self.retirement, self.finding
        return {
            "model": self.model, "vendor": f.vendor, "operator": self.operator, "retire_date": r.retire_date,
            "date_kind": r.date_kind, "status": self.state, "catalogue_status": r.status, "days_left": self.days,
            "confirmed": r.confirmed, "source_url": r.source_url, "read_date": r.read_date.isoformat(),
            "path": f.path, "line": f.line, "cell": f.cell, "scope": f.scope, "note": r.note,
        }


def model_uses(findings: Iterable, catalogue, lifecycle: Lifecycle, as_of: date, window: int) -> list:
    """Every finding that names a model the catalogue dates, in the findings' order."""
    uses = []
    for finding in findings:
        named = model_use(finding, catalogue)
        retirement = lifecycle.lookup(*named) if named else None
        if retirement is not None:
            state, days = retirement.state(as_of, window)
            uses.append(Use(finding, named[0], named[1], retirement, state, days))
    return uses


def lifecycle_findings(uses: Iterable, as_of: date) -> list:
    """A `lifecycle` finding for each use already retired, retiring within the window, or at risk."""
    found = []
    for use in uses:
        if use.state == "scheduled":
            continue
        r, f = use.retirement, use.finding
        facts = (("operator", use.operator), ("retire_date", r.retire_date.isoformat()), ("date_kind", r.date_kind),
                 ("days_left", use.days), ("as_of", as_of.isoformat()), ("catalogue_status", r.status),
                 ("confirmed", r.confirmed), ("source_url", r.source_url), ("read_date", r.read_date.isoformat()))
        found.append(replace(
            f, kind="lifecycle", detail=f.detail if f.kind == "model_string" else f.model, model=use.model,
            check=use.state, facts=facts, level=_level(use), has_fallback=False, fallback_to=(),
            fallback_target=False, lock_in_class=None, arguments=(), feature=None,
        ))
    return found


def _level(use: Use) -> str:
    """retired is high, retiring within 90 days medium, the rest low; an unconfirmed date is never high."""
    if use.state == "retired":
        return "high" if use.retirement.confirmed else "medium"
    if use.state == "retiring" and use.days <= GATE_DAYS:
        return "medium"
    return "low"


def lifecycle_gates(uses: Iterable, scopes=("prod",)) -> dict:
    """score.compute_scores gates: (path, line, model), and the cell in a notebook, of production uses
    retired, or retiring within 90 days.

    At-risk aliases stay out: their date belongs to a snapshot, not to them; so do unconfirmed
    dates, which no operator page backs.
    """
    gates = {"retired": [], "retiring_90d": []}
    for use in uses:
        if use.finding.scope not in scopes or not use.retirement.confirmed:
            continue
        where = (use.finding.path, use.finding.line, use.model) + ((use.finding.cell,) if use.finding.cell is not None else ())
        if use.state == "retired":
            gates["retired"].append(where)
        elif use.state == "retiring" and use.days <= GATE_DAYS:
            gates["retiring_90d"].append(where)
    return {key: sorted(set(value)) for key, value in gates.items() if value}


def calendar_records(uses: Iterable, scopes=("prod",)) -> list:
    """One record per production place a dated model is used, nearest date first (report.lifecycle)."""
    records = [use.record() for use in uses if use.finding.scope in scopes]
    return sorted(records, key=lambda r: (r["retire_date"], r["model"], r["path"], r["line"]))


def retirement_calendar(report, horizon_days: Optional[int] = None) -> list:
    """Calendar rows for a report: one per (operator, model), with every place it is used.

    Reads the records the scan stored in `report.lifecycle`; `horizon_days` keeps the
    rows due within that many days of the scan's as-of date (overdue ones always stay).
    """
    rows = {}
    for record in report.lifecycle or ():
        if horizon_days is not None and record["days_left"] > horizon_days:
            continue
        key = (record["retire_date"], record["operator"], record["model"])
        row = rows.setdefault(key, dict(record, retire_date=record["retire_date"].isoformat(), where=[]))
        row["where"].append(place(record["path"], record["line"], record.get("cell")))
    for row in rows.values():
        for name in ("path", "line", "cell", "scope"):
            row.pop(name, None)
    return [rows[key] for key in sorted(rows)]


def retired_lookup(report):
    """finding -> the facts of the `lifecycle` finding that dates its model as past (by the scan's
    as-of date: `retire_date`, `date_kind`, ...), or None: for policy RS302, which words them with
    retirement_words (an earliest date "may already be" switched off, never "is retired").

    A `lifecycle` finding sits exactly where the model string or call that names the model is.
    Unconfirmed dates never make a violation.
    """
    retired = {(f.path, f.cell, f.line, f.column): dict(f.facts)
               for f in report.findings if f.kind == "lifecycle" and f.check == "retired" and dict(f.facts).get("confirmed", True)}
    return lambda finding: retired.get((finding.path, finding.cell, finding.line, finding.column))
