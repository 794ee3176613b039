"""The portfolio in a board's words: headlines and "if it fails" sentences, shared by the HTML and Markdown reports.

Every figure comes from the portfolio JSON (`aggregate.organisation`), so the two formats and the
JSON never disagree. Wording follows DOMAIN.md section 6: business impact first, one number per
sentence, absolute dates.
"""
from __future__ import annotations

from ..render.board import pct

WEIGHTING = ("Shares count production AI call sites (each place in the code that sends a request in normal "
             "operation), and, second, the entry points that reach them (web routes, commands, tasks), "
             "weighted by their configured criticality.")


def headlines(org: dict) -> list:
    """Who the organisation depends on, what stops if that supplier fails, how much has a plan B."""
    suppliers = [s for s in org["suppliers"] if s["call_sites"]]
    total = org["summary"]["repositories"]
    if not suppliers:
        return [f"None of our {total} repositories calls an AI supplier."]
    top = suppliers[0]
    return [f"{top['name']} carries {pct(top['share_call_sites'])} of our AI call sites, "
            f"in {len(top['repositories'])} of {total} repositories.",
            if_fails(top, org), plan_b_sentence(org["plan_b"])]


def if_fails(supplier: dict, org: dict) -> str:
    """"If X fails: N of M repositories and K entry points stop", with what is not known said as such."""
    fails, total = supplier["if_fails"], org["summary"]
    entries, unknown = fails["entry_points_stop"], len(fails["repositories_not_resolved"])
    partly = len(fails.get("repositories_partly_resolved") or ())
    if not entries:
        text = f"If {supplier['name']} failed, no entry point is known to stop"
        if unknown or partly:
            return text + f"; it is used in {_repositories(unknown + partly)} where what stops is not {'fully ' if not unknown else ''}known."
        return text + ": a plan B takes over."
    text = (f"If {supplier['name']} failed, {'at least ' if partly else ''}{entries} of our {total['entry_points']} entry points "
            f"would stop, in {len(fails['repositories_stop'])} of {total['repositories']} repositories")
    if fails["entry_points_down_after_switch"] != entries:
        text += f" ({fails['entry_points_down_after_switch']} after switching supplier by configuration)"
    if partly:
        text += f"; in {_repositories(partly)} some of its call sites were not traced to an entry point"
    return text + (f"; in {unknown} more it is not known what stops." if unknown else ".")


def entry_reach(supplier: dict) -> str:
    """A supplier's entry-point reach as a table cell: "not known" when none of its call sites was
    traced to an entry point, "N or more" when some were not, never a zero that means "unknown"."""
    known = supplier.get("reach_known", "all")
    if known == "none":
        return "not known"
    return f"{supplier['reach']:g} or more" if known == "partial" else f"{supplier['reach']:g}"


def entry_share(supplier: dict) -> str:
    known = supplier.get("reach_known", "all")
    return "not known" if known == "none" else pct(supplier["share_entry_points"]) + (" or more" if known == "partial" else "")


def calendar_status(row: dict) -> str:
    """A portfolio calendar row's status in retirement_words' terms, marked when the date is unconfirmed."""
    label = row.get("label") or str(row.get("status") or "").replace("_", " ")
    return label if row.get("confirmed", True) else f"{label} (unconfirmed date)"


def days_text(row: dict) -> str:
    """Days left, or how long ago the date passed ("past" is not "off": an earliest or unconfirmed date only may be)."""
    days = row.get("days_left")
    if days is None:
        return "n/a"
    return f"passed {-days} days ago" if days < 0 else str(days)


def _repositories(count: int) -> str:
    return f"{count} repository" if count == 1 else f"{count} repositories"


def plan_b_sentence(cover: dict) -> str:
    if not cover["call_sites"]:
        return "There is no AI call to plan a switch away from."
    text = f"{pct(cover['runtime_share'])} of our AI call sites have a plan B with another supplier at run time"
    if cover["reports_with_config_data"]:
        text += f"; {pct(cover['config_share'])} more can be switched to another by configuration"
    return text + "."


def criticality(value: str) -> str:
    return value or "not assessed"
