"""The portfolio never shows an unknown as zero, and keeps every uncertainty mark its reports carry:
"F?" grades, call sites no entry point was traced to, earliest and unconfirmed retirement dates."""
from __future__ import annotations

import csv
import io
import json

from riskscan.cli import main

AS_OF = "2026-12-03"


def finding(vendor, path, line, model=None):
    return {"rule_id": f"{vendor}.call", "vendor": vendor, "kind": "call", "path": path, "line": line, "column": 0,
            "scope": "prod", "type_only": False, "has_fallback": False, "fallback_to": [], "fallback_target": False,
            "feature": "chat", "fallback_kind": None, "switchable_to": [], "is_call_site": True, "model": model}


def calendar_row(model, vendor, when, days, kind, status, confirmed, where):
    return {"model": model, "vendor": vendor, "operator": vendor, "retire_date": when, "date_kind": kind, "status": status,
            "days_left": days, "confirmed": confirmed, "where": where}


def report(root, grade, label, findings, entries, unreached, calendar=()):
    vendors = sorted({f["vendor"] for f in findings})
    return {
        "schema_version": "1.0", "tool": {"name": "riskscan", "version": "0.1.0", "rules_version": "r"}, "root": root,
        "summary": {"files_scanned": 3, "lines_scanned": 30, "project_kind": "application"},
        "scores": {"grade": grade, "grade_label": label, "risk": 80.0, "concentration_hhi": 5000.0, "lock_in": 30.0,
                   "reach": "partial", "unreached": unreached, "low_confidence": label.endswith("?")},
        "vendors": [{"id": v, "name": v.capitalize(), "company": v, "kind": "hosted_api", "findings": 2, "prod_findings": 2,
                     "call_sites": sum(f["vendor"] == v for f in findings), "exposure": 0.5, "lock_in": 30.0,
                     "substitutability": "SB_2"} for v in vendors],
        "entry_points": entries, "findings": findings, "skipped": [],
        "lifecycle": {"as_of": AS_OF, "calendar": list(calendar)},
    }


def entry(name, line, vendors):
    return {"path": "app/api.py", "name": name, "kind": "http", "line": line, "scope": "prod", "vendors": vendors,
            "unprotected_vendors": vendors, "switchable_vendors": [], "criticality": 1.0}


def portfolio(tmp_path, capsys):
    """`agents`: OpenAI partly traced, Anthropic never traced (grade F?); `bot`: both traced."""
    agents = report("agents", "F", "F?", [finding("openai", "a/llm.py", 3), finding("openai", "a/other.py", 9),
                                          finding("anthropic", "a/claude.py", 5, "claude-3-haiku-20240307")],
                    [entry("ask", 10, ["openai"]), entry("health", 20, [])], ["a/other.py:9", "a/claude.py:5"],
                    [calendar_row("gemini-2.5-flash", "google", "2026-06-17", -169, "earliest", "retired", True, ["a/g.py:4"]),
                     calendar_row("gpt-3.5-turbo", "openai", "2026-10-23", -41, "exact", "retired", False, ["a/llm.py:3"])])
    bot = report("bot", "D", "D", [finding("openai", "b/llm.py", 3), finding("anthropic", "b/c.py", 4)],
                 [entry("chat", 5, ["openai", "anthropic"])], [],
                 [calendar_row("text-davinci-003", "openai", "2024-01-04", -1064, "exact", "retired", True, ["b/llm.py:3"])])
    folder = tmp_path / "reports"
    folder.mkdir()
    for data in (agents, bot):
        (folder / f"{data['root']}.json").write_text(json.dumps(data))
    outs = {ext: tmp_path / f"p.{ext}" for ext in ("json", "csv", "md", "html")}
    assert main(["portfolio", str(folder), "--as-of", AS_OF, "-q", *[f"-o{p}" for p in outs.values()]]) == 0
    capsys.readouterr()
    return {ext: p.read_text(encoding="utf-8") for ext, p in outs.items()}


def test_an_untraced_supplier_is_not_known_never_zero(tmp_path, capsys):
    out = portfolio(tmp_path, capsys)
    org = json.loads(out["json"])
    suppliers = {s["id"]: s for s in org["suppliers"]}
    assert suppliers["openai"]["reach_known"] == "partial" and suppliers["anthropic"]["reach_known"] == "partial"
    assert suppliers["anthropic"]["if_fails"]["repositories_not_resolved"] == ["agents"]
    assert suppliers["openai"]["if_fails"]["repositories_partly_resolved"] == ["agents"]
    rows = {(r["repository"], r["supplier_id"]): r for r in csv.DictReader(io.StringIO(out["csv"]))}
    claude = rows[("agents", "anthropic")]
    assert claude["function_count"] == "not known" and claude["impact_of_discontinuing"].startswith("not resolved")
    assert "0 of" not in claude["impact_of_discontinuing"]
    gpt = rows[("agents", "openai")]
    assert gpt["function_count"] == "at least 1"
    assert gpt["impact_of_discontinuing"] == ("at least 1 of 2 functions stop; 1 of its 2 call sites was not traced to "
                                              "an entry point")
    assert rows[("bot", "anthropic")]["function_count"] == "1"  # traced: a plain number
    assert "If Openai failed, at least 2 of our 3 entry points would stop" in out["md"]
    assert "| Openai | 2 | 3 | 60% | 1.5 or more | 50% or more |" in out["md"]  # agents' untraced sites may add more
    assert "in 1 more it is not known what stops" in out["md"]  # Anthropic in agents


def test_uncertain_grades_keep_their_mark(tmp_path, capsys):
    out = portfolio(tmp_path, capsys)
    org = json.loads(out["json"])
    assert [(w["name"], w["grade"], w["grade_label"]) for w in org["worst"]][0] == ("agents", "F", "F?")
    assert "| agents | F? |" in out["md"]
    assert '<td class="grade-cell">F?</td>' in out["html"]


def test_the_calendar_keeps_certainty_marks(tmp_path, capsys):
    out = portfolio(tmp_path, capsys)
    rows = {r["model"]: r for r in json.loads(out["json"])["retirements"]}
    assert (rows["text-davinci-003"]["label"], rows["text-davinci-003"]["certain"]) == ("switched off", True)
    assert rows["gemini-2.5-flash"]["fate"] == "may already be switched off (earliest date 2026-06-17)"
    assert rows["gpt-3.5-turbo"]["confirmed"] is False and "unconfirmed" in rows["gpt-3.5-turbo"]["fate"]
    md = out["md"]
    assert "already off" not in md and "already off" not in out["html"]
    assert "| `gemini-2.5-flash` | google | 2026-06-17 (earliest) | passed 169 days ago | may be off |" in md
    assert "may be off (unconfirmed date)" in md and "may be off (unconfirmed date)" in out["html"]
    assert "| `text-davinci-003` | openai | 2024-01-04 | passed 1064 days ago | switched off |" in md
