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
    """"If X fails: N of M repositories and K entry points stop"."""
    fails, total = supplier["if_fails"], org["summary"]
    entries, unknown = fails["entry_points_stop"], len(fails["repositories_not_resolved"])
    if not entries:
        text = f"If {supplier['name']} failed, no entry point is known to stop"
        return text + (f"; it is used in {_repositories(unknown)} where what stops is not known." if unknown
                       else ": a plan B takes over.")
    text = (f"If {supplier['name']} failed, {entries} of our {total['entry_points']} entry points would stop, "
            f"in {len(fails['repositories_stop'])} of {total['repositories']} repositories")
    if fails["entry_points_down_after_switch"] != entries:
        text += f" ({fails['entry_points_down_after_switch']} after switching supplier by configuration)"
    return text + (f"; in {unknown} more it is not known what stops." if unknown else ".")


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
