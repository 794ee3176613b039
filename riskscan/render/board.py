"""What a board reads, in business words: headlines, decisions, the supplier register and its tables.

The HTML report and the Markdown summary both draw on these facts, and every figure comes from
`report_dict` (the JSON contract) or the scores behind it, so a report never re-derives a number.
Wording follows DOMAIN.md section 6: business impact first, one number per sentence, absolute
dates, and every risk paired with a decision.
"""
from __future__ import annotations

from datetime import date

from .. import retirement_words as words
from ..decisions import as_date, share_unit
from ..model import SITE_KINDS
from ..score import provider_name
from ..places import place, spot, where

ENTRY_KINDS = {
    "http": "web route", "cli": "command", "task": "background task", "lambda": "serverless function",
    "main": "script", "script": "installed command", "notebook": "notebook",
}
VENDOR_KINDS = {"hosted_api": "hosted API", "cloud_platform": "cloud platform",
                "local_runtime": "self-hosted runtime", "gateway": "gateway"}
SUBSTITUTABILITY = {"SB_1": "easily substitutable", "SB_2": "substitutable with difficulty",
                    "SB_3": "not easily substitutable"}
SERVICES = {
    "chat": "chat", "completions": "text completion", "embeddings": "embeddings (search index)",
    "responses": "Responses API", "assistants": "assistants", "threads": "conversation threads",
    "batch": "batch jobs", "realtime": "real-time voice", "images": "images", "audio": "speech",
    "moderation": "moderation", "rerank": "re-ranking", "files": "file storage",
    "vector_stores": "vector stores", "fine_tuning": "fine-tuning", "agents": "agents",
    "structured_output": "structured output", "prompt_caching": "prompt caching",
    "server_tools": "hosted tools", "prompts": "stored prompts", "computer_use": "computer use",
}
# DOMAIN.md 2.3 weights grouped into what leaving costs, cheapest first (upper bound of w, label, consequence).
LOCK_IN_CLASSES = (
    (0.10, "change a setting", "changing supplier means changing a setting"),
    (0.30, "edit and re-test the calls", "changing supplier means editing the calls and re-testing the prompts"),
    (0.60, "rewrite supplier-specific features", "changing supplier means rewriting supplier-specific features"),
    (0.80, "export data the supplier holds", "changing supplier means exporting the data the supplier holds"),
    (1.00, "re-index or retrain", "changing supplier means re-indexing or retraining"),
)
CONSEQUENCES = {
    "embeddings": "changing supplier means re-indexing every stored document",
    "fine_tuning": "changing supplier means retraining and re-testing the fine-tuned model",
    "assistants": "changing supplier means exporting the threads it holds and rebuilding them",
    "threads": "changing supplier means exporting the threads it holds and rebuilding them",
    "vector_stores": "changing supplier means exporting the documents it stores and re-indexing them",
    "files": "changing supplier means exporting the files it holds",
    "responses": "changing supplier means rewriting code built on its own interface",
    "batch": "changing supplier means rewriting the batch jobs",
    "realtime": "changing supplier means rewriting the real-time voice integration",
}
KIND_WORDS = {"import": "imports", "call": "calls", "adapter": "adapters", "model_string": "model names",
              "endpoint": "endpoints", "env_var": "settings", "secret": "keys", "manifest": "dependencies",
              "legacy_api": "old APIs", "lifecycle": "model dates", "type": "SDK types"}
CODE_HOSTS = ("github.com", "gitlab.com", "raw.githubusercontent.com")
MATRIX_ROWS = 10
MATRIX_VENDORS = 6
GAP_ROWS = 8


def short_path(where: str, keep: int = 2) -> str:
    """"src/a/b/c/d.py:12" as "…/c/d.py:12": the board report names a place, the appendix gives it in full."""
    parts = where.split("/")
    return where if len(parts) <= keep + 1 else "…/" + "/".join(parts[-keep:])


def source_host(url: str) -> str:
    """The site a source URL is on ("docs.anthropic.com", "github.com/openai"): the board report's citation.

    On a code host the owner is part of the site: github.com/openai is OpenAI's, github.com/BerriAI
    is not. The appendix gives the whole URL.
    """
    host, _, path = url.split("://", 1)[-1].partition("/")
    host = host.split("@")[-1]
    owner = path.split("/", 1)[0]
    return f"{host}/{owner}" if host in CODE_HOSTS and owner else host or url


def pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def concentration(scores) -> str:
    """The headline concentration figure with its unit, the one wording of every format: a library's
    is measured over its hard-wired call sites, so a library with none has no figure (not an HHI of 0)."""
    get = scores.get if isinstance(scores, dict) else lambda key, default=None: getattr(scores, key, default)
    value, band = get("concentration_hhi", 0.0), get("concentration_band", "low")
    if get("project_kind") == "library":
        if not value:
            return "n/a (no hard-wired call sites)"
        return f"HHI {value:,.0f} over hard-wired call sites ({band})"
    return f"HHI {value:,.0f}{' by module' if get('reach_unit') == 'modules' else ''} ({band})"


def name_of(data: dict, vendor_id: str) -> str:
    return provider_name(vendor_id, lambda v: next((row["name"] for row in data["vendors"] if row["id"] == v), v))


def scores_of(report):
    """The live `score.Scores` (None for a scan without scores)."""
    return getattr(report.exposure, "scores", None)


def prod_entries(data: dict) -> list:
    return [e for e in data["entry_points"] if e.get("scope", "prod") == "prod"]


def ranked_vendors(data: dict) -> list:
    """Vendor rows, the largest share of AI-dependent functions first."""
    return sorted(data["vendors"], key=lambda v: (-(v.get("share") or 0), -v["call_sites"], v["id"]))


# --- the executive summary -------------------------------------------------------------------

def headlines(data: dict, scores) -> list:
    """Three plain sentences: who we depend on, what stops if they fail, how much has a plan B.

    Each uses the figures of the JSON report as they are; without traced reach the second one
    says so and gives the module-level figure instead of a share of user-facing functions.
    """
    ranked = [v for v in ranked_vendors(data) if v.get("share")]
    if not ranked or not data.get("scores") or scores is None:
        if data.get("scores") and data["scores"].get("project_kind") == "library":
            return [_library_sentence(data["scores"], data), plan_b_sentence(data["scores"]),
                    "No call site is hard-wired to one provider."]
        if data.get("scores") and data["scores"].get("grade") == "?":  # files that may hold AI code were not read
            unread = data["scores"].get("unread_file_count", 0)
            return [f"No AI supplier was found in the files analysed, but {unread} file{'s' if unread != 1 else ''} "
                    "that mention one could not be analysed.",
                    "Whether any user-facing function depends on an AI supplier is unknown.",
                    "Fix or exclude the files that could not be analysed, then scan again."]
        return ["No AI supplier is called from this code base.",
                "No user-facing function depends on an AI supplier.",
                "There is no AI supplier to plan a switch away from."]
    if scores.project_kind == "library":
        return [_library_sentence(data["scores"], data), _dependence_sentence(ranked, scores), plan_b_sentence(data["scores"])]
    return [_dependence_sentence(ranked, scores), _outage_sentence(data, scores), plan_b_sentence(data["scores"])]


def _dependence_sentence(ranked: list, scores) -> str:
    top, unit = ranked[0], share_unit(scores)
    if len(ranked) == 1:
        return f"All of our {unit} rely on {top['name']} alone."
    leaders = [v["name"] for v in ranked if abs(v["share"] - top["share"]) < 0.005]
    if len(leaders) > 1:
        return f"{_join(leaders)} each carry {pct(top['share'])} of our {unit}."
    return f"{top['name']} carries {pct(top['share'])} of our {unit}."


def _library_sentence(s: dict, data: dict) -> str:
    offered = [name_of(data, v) for v in s.get("providers_offered_ids", ())]
    hard = s["call_sites_without_plan_b"]
    choice = f"Users can choose among {len(offered)} providers by configuration ({_join(offered)})" if offered else \
        "Users cannot choose the provider by configuration"
    return f"{choice}; {hard} of {s['call_sites']} production AI call sites are hard-wired to one provider."


def _join(names: list) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _outage_sentence(data: dict, scores) -> str:
    s = data["scores"]
    if s["blast_radius_max"] is None:
        worst = max(data["vendors"], key=lambda v: (v.get("blast_radius_modules") or 0, v["call_sites"]))
        stopped = worst.get("modules_stopped", 0)
        verbs = "uses AI runs or imports" if s["module_count"] == 1 else "use AI run or import"
        return ("Which user-facing functions stop if a supplier fails could not be traced from the entry points; "
                f"at module level, {stopped} of {s['module_count']} production module{'' if s['module_count'] == 1 else 's'} "
                f"that {verbs} code calling {worst['name']} with no runtime plan B.")
    worst = max(data["vendors"], key=lambda v: (v.get("blast_radius") or 0, v.get("exposure") or 0))
    if not worst.get("blast_radius"):
        return "No single supplier outage would stop a user-facing function: each one has a plan B."
    text = (f"If {worst['name']} were unavailable, {worst['entry_points_stopped']} of our {s['entry_point_count']} "
            "user-facing functions would stop")
    if worst.get("switchable_to") and worst["entry_points_stopped_after_switch"] < worst["entry_points_stopped"]:
        text += (f"; switching to {_join([name_of(data, v) for v in worst['switchable_to']])} by configuration "
                 f"would bring back all but {worst['entry_points_stopped_after_switch']}")
    if s["reach"] == "partial":
        text += (f" (entry points reach only {s['call_sites_reached']} of {s['call_sites']} production AI call sites, "
                 "so this may understate it)")
    return text + "."


def plan_b_sentence(scores: dict) -> str:
    coverage = scores["fallback_coverage"]
    if coverage is None:  # files that may call AI suppliers were not read (score.py's unknown grade)
        return "Whether our AI calls have a plan B is unknown: files that mention AI suppliers could not be analysed."
    switchable = scores.get("call_sites_switchable", 0)
    if switchable:
        bare, total = scores["call_sites_without_plan_b"], scores["call_sites"]
        runtime = total - bare - switchable
        return (f"Plan B coverage is {pct(coverage)} (a switch by configuration counts half): of {total} production AI "
                f"call sites, {runtime} {_have(runtime)} a runtime plan B with another supplier, {switchable} can only be "
                f"switched by configuration, and {bare} {_have(bare)} none.")
    if coverage >= 1:
        return "Every AI call has a runtime plan B with another supplier."
    if coverage <= 0:
        return "None of our AI calls has a plan B with another supplier."
    return f"Only {pct(coverage)} of our AI calls have a runtime plan B with another supplier."


SHOWN_PLACES = 3  # functions and places a decision row names before "and N more" (the JSON keeps all)


def _have(count: int) -> str:
    return "has" if count == 1 else "have"


def decisions(report) -> list:
    """The report's decisions (decisions.py), as rows with where they apply: the first few functions
    and places, and how many more there are."""
    rows = []
    for d in report.decisions:
        row = d.as_dict()
        row["where"] = "; ".join(filter(None, [_first(d.functions), _first(d.locations)]))
        row["due"] = d.due or "review"
        rows.append(row)
    return rows


def _first(items, limit: int = SHOWN_PLACES) -> str:
    """"a, b, c and 4 more"."""
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


# --- the supplier register and its tables ------------------------------------------------------

def counts_functions(data: dict) -> bool:
    """Whether the register counts user-facing functions per supplier, or (no function reaches one) call sites.

    A library or a script collection has no web route or command that reaches a supplier, so
    "functions: 0" for every supplier would say nothing; its call sites are the measure instead.
    Issue 12's `scores.reach` ("unresolved") says the same where it is present.
    """
    if ((data.get("scores") or {}).get("reach")) == "unresolved":
        return False
    return any(e["vendors"] for e in prod_entries(data))


def register(data: dict, scores, retirements: list) -> list:
    """DORA-shaped rows (B_07.01), one per supplier, the largest share first: what each does for us, how hard to replace.

    `in_production` is False for a supplier the code only names (an import, a setting, a test):
    the report folds those into one line.
    """
    live = getattr(scores, "vendors", {}) or {}
    by_functions = counts_functions(data)
    rows = []
    for vendor in ranked_vendors(data):
        own = [f for f in data["findings"] if f["vendor"] == vendor["id"] and f["scope"] == "prod"]
        sites = [f for f in own if f["kind"] in SITE_KINDS]
        functions = [e for e in prod_entries(data) if vendor["id"] in e["vendors"]]
        nearest = next((r for r in retirements if r["vendor"] == vendor["id"]), None)
        rows.append({
            "vendor": vendor, "kind": VENDOR_KINDS.get(vendor["kind"], vendor["kind"]),
            "services": _services(own), "models": _models(own), "functions": functions,
            "reach": len(functions) if by_functions else vendor.get("call_sites", len(sites)),
            "substitutability": vendor.get("substitutability"),
            "substitutability_text": SUBSTITUTABILITY.get(vendor.get("substitutability"), "not assessed"),
            "alternatives": [name_of(data, v) for v in getattr(live.get(vendor["id"]), "alternatives", ())],
            "retirement": nearest, "evidence": [place(f["path"], f["line"], f.get("cell")) for f in sites],
            "in_production": bool(vendor.get("call_sites") or vendor.get("share") or functions),
            "seen_as": sorted({KIND_WORDS.get(f["kind"], f["kind"]) for f in data["findings"] if f["vendor"] == vendor["id"]}),
        })
    return rows


def _models(findings: list) -> list:
    """Model names a supplier's production code gives: routed strings and the `model=` of calls."""
    named = {f["detail"] for f in findings if f["kind"] == "model_string"}
    named |= {f["model"] for f in findings if f["kind"] in ("call", "adapter") and f.get("model")}
    return sorted(named)


def _services(findings: list) -> list:
    features = {f["feature"] for f in findings if f["kind"] in ("call", "adapter", "model_string")}
    return sorted(SERVICES[f] for f in features if f in SERVICES) or (["chat"] if features else [])


def matrix(data: dict) -> dict:
    """Entry points x vendors: "stops" when the function needs that vendor with no plan B.

    Functions that depend on the suppliers in the same way share one row ("18 functions"), so the
    grid shows every distinct pattern, most common first, up to MATRIX_ROWS; its columns are the
    MATRIX_VENDORS suppliers that stop the most functions. `fails` ranks every supplier by what
    its outage stops, `resilient` names those whose outage stops nothing, and `all` is every
    function for the appendix.
    """
    using = [e for e in prod_entries(data) if e["vendors"]]
    involved = [v for v in ranked_vendors(data) if any(v["id"] in e["vendors"] for e in using)]
    stops = {v["id"]: [e for e in using if v["id"] in e["unprotected_vendors"]] for v in involved}
    patterns = _patterns(using)[:MATRIX_ROWS]
    shown = {v for group in patterns for v in group[0]["vendors"]}
    columns = sorted((v for v in involved if v["id"] in shown), key=lambda v: -len(stops[v["id"]]))[:MATRIX_VENDORS]
    rows = [{"entries": group, "label": _group_label(group), "cells": [_cell(group[0], v["id"]) for v in columns]}
            for group in patterns]
    rows = [row for row in rows if any(row["cells"])]
    names = {v["id"]: v["name"] for v in involved}
    every = [{"entry": e, "label": ENTRY_KINDS.get(e["kind"], e["kind"]),
              "stops": [names[v] for v in e["unprotected_vendors"] if v in names],
              "covered": [names[v] for v in e["vendors"] if v in names and v not in e["unprotected_vendors"]]} for e in using]
    fails = sorted(({"vendor": v, "stops": stops[v["id"]]} for v in involved if stops[v["id"]]), key=lambda f: -len(f["stops"]))
    return {"vendors": columns, "rows": rows, "more": len(using) - sum(len(r["entries"]) for r in rows),
            "functions": len(using), "hidden_vendors": [v["name"] for v in involved if v not in columns], "all": every,
            "without_ai": sum(not e["vendors"] and e.get("reach", "traced") == "traced" for e in prod_entries(data)),
            "untraced": sum(not e["vendors"] and e.get("reach") == "untraced" for e in prod_entries(data)), "fails": fails,
            "resilient": [v["name"] for v in involved if not stops[v["id"]]]}


def _patterns(entries: list) -> list:
    """Entries grouped by how they depend on suppliers (which stop them, which have a plan B), largest group first."""
    groups = {}
    for e in entries:
        key = (tuple(sorted(e["unprotected_vendors"])), tuple(sorted(set(e["vendors"]) - set(e["unprotected_vendors"]))))
        groups.setdefault(key, []).append(e)
    return sorted(groups.values(), key=lambda g: (-len(g), -len(g[0]["unprotected_vendors"]), g[0]["name"]))


def _group_label(group: list) -> dict:
    """A row's name: the function itself, or "N functions" with the kinds they are and the first names."""
    if len(group) == 1:
        e = group[0]
        kind = ENTRY_KINDS.get(e["kind"], e["kind"])
        return {"name": e["name"], "meta": f"{kind}: {e['detail']}" if e.get("detail") else kind}
    kinds = sorted({ENTRY_KINDS.get(e["kind"], e["kind"]) for e in group})
    return {"name": f"{len(group)} functions", "meta": f"{' and '.join(kinds)}s, e.g. {group[0]['name']}"}


def module_exposure(report) -> list:
    """Without traced reach (or for a library): per supplier, the production modules that run or
    import its call sites with no runtime plan B, labelled as a module-level figure. Modules are
    named by their files: dotted names depend on where each import root was found
    (`app.api` beside `backend.scripts.seed`), a path reads the same for every module."""
    scores = scores_of(report)
    if scores is None or scores.reach_unit != "modules":
        return []
    files = {r.module: r.path for r in getattr(report, "results", ()) if r.module}
    rows = []
    for vendor in scores.vendors.values():
        if vendor.modules_stopped:
            named = sorted(files.get(m, m) for m in vendor.modules_stopped)
            rows.append({"vendor": name_of_rule(report, vendor.vendor), "count": len(named),
                         "of": scores.module_count, "share": vendor.blast_radius_modules,
                         "modules": named[:8], "more": max(0, len(named) - 8)})
    rows.sort(key=lambda r: (-r["count"], r["vendor"]))
    return rows


def _cell(entry: dict, vendor_id: str) -> str:
    if vendor_id in entry["unprotected_vendors"]:
        return "stops"
    return "covered" if vendor_id in entry["vendors"] else ""


def primary_sites(report) -> list:
    """(finding dict, Site) for production call sites that run in normal operation."""
    from .json_report import finding_dict

    sites = getattr(report.exposure, "sites", {}) or {}
    return [(finding_dict(report.findings[i], report.vendors), site) for i, site in sorted(sites.items())
            if not site.is_fallback_target]


def gaps(report) -> list:
    """Call sites without a plan B, the ones most functions depend on first."""
    bare = [(f, s) for f, s in primary_sites(report) if not s.protected_after_switch]
    bare.sort(key=lambda pair: (-len(pair[1].reach), pair[0]["path"], pair[0]["line"]))
    modules = getattr(scores_of(report), "reach_unit", "") == "modules"
    return [{"finding": f, "functions": len(s.modules) if modules else len(s.reach), "vendor": name_of_rule(report, f["vendor"])}
            for f, s in bare[:GAP_ROWS]]


def name_of_rule(report, vendor_id: str) -> str:
    rule = report.vendors.get(vendor_id)
    return rule.name if rule is not None else vendor_id


def lock_in_classes(report, data: dict) -> list:
    """Per vendor, how many call sites fall in each switching-cost class (for the stacked bars)."""
    counts = {}
    for finding, site in primary_sites(report):
        index = _lock_in_class(site.lock_in)
        counts.setdefault(finding["vendor"], [0] * len(LOCK_IN_CLASSES))[index] += 1
    return [{"vendor": v, "counts": counts[v["id"]]} for v in ranked_vendors(data) if v["id"] in counts]


def lock_in_top(report, scores) -> list:
    """The five sites whose switch would cost most, with what leaving them means."""
    rows = []
    for site in getattr(scores, "lock_in_top", ())[:5]:
        default = LOCK_IN_CLASSES[_lock_in_class(site.lock_in)][2]
        rows.append({"where": where(spot(site)), "vendor": name_of_rule(report, site.vendor),
                     "service": SERVICES.get(site.feature, site.feature), "weight": site.lock_in,
                     "consequence": CONSEQUENCES.get(site.feature, default), "functions": len(site.reach)})
    return rows


def _lock_in_class(weight: float) -> int:
    return next(i for i, (bound, *_) in enumerate(LOCK_IN_CLASSES) if weight <= bound + 1e-9)


# --- model retirement calendar -------------------------------------------------------------------

def as_of(report) -> date:
    """The date the scan judged retirements by (lifecycle's --as-of), else today."""
    return as_date(report.as_of) or date.today()


def retirements(report, as_of: date) -> list:
    """Lifecycle records from `report.lifecycle` (riskscan/lifecycle.py), one row per model, nearest date first.

    Each record (a dict or an object) names `model`, `vendor`, `retire_date` and where it is used
    (`path`, `line`), and may carry `status` (lifecycle's state), `date_kind`, `confirmed`,
    `source_url` and `read_date`. Each row says how sure its date is in retirement_words' terms
    (`certain`, `label`, `fate`).
    """
    rows = {}
    for record in report.lifecycle or ():
        row = _retirement(record, as_of)
        if row is not None:
            key = (row["retire_date"], row["vendor"], row["model"])
            row["vendor_name"] = name_of_rule(report, row["vendor"])
            rows.setdefault(key, dict(row, where=[]))["where"] += [row["where"]] if row["where"] else []
    return [rows[key] for key in sorted(rows)]


def _retirement(record, as_of: date):
    get = record.get if isinstance(record, dict) else (lambda key, default=None: getattr(record, key, default))
    when = as_date(get("retire_date"))
    if when is None:
        return None
    where = place(get("path"), get("line"), get("cell")) if get("path") else ""
    state, kind, confirmed = str(get("status") or ""), str(get("date_kind") or "exact"), get("confirmed", True) is not False
    days = (when - as_of).days
    return {"model": str(get("model") or ""), "vendor": str(get("vendor") or get("operator") or ""),
            "retire_date": when.isoformat(), "days_left": days, "state": state, "date_kind": kind,
            "confirmed": confirmed, "certain": words.certain(kind, confirmed), "label": words.label(state, kind, confirmed),
            "fate": words.fate(state, when.isoformat(), kind, confirmed, days),
            "source_url": str(get("source_url") or ""), "read_date": str(get("read_date") or ""), "where": where}
