"""Issue 12: every figure says what is known, inferred or unknown, and agrees with the evidence beside it.

End to end over the fixture repositories: reach status, module-level exposure when reach cannot
be traced, project kind, configuration switches, one call-site count, numbers in reasons that
equal the JSON fields they name, decisions without past dates, and the gates' explanation.
"""
from __future__ import annotations

import json
import re

import pytest

from riskscan.cli import main

from conftest import FIXTURES

REPOS = FIXTURES / "repos"
AS_OF = "2026-12-03"
SCANNED = sorted(p for p in REPOS.iterdir() if p.is_dir()) + [FIXTURES / "example_app"]


def scan(path, fmt="json", capsys=None, *extra):
    assert main(["scan", str(path), "--format", fmt, "--as-of", AS_OF, "--no-cache", "-q", *extra]) == 0
    out = capsys.readouterr().out
    return json.loads(out) if fmt in ("json", "sarif") else out


def field(data: dict, path: str):
    """`scores.call_sites`, `vendors[openai].blast_radius`: a figure's field in the JSON report."""
    value = data
    for part in path.split("."):
        name, _, key = part.partition("[")
        value = value[name]
        if key:
            value = next(row for row in value if row["id"] == key.rstrip("]"))
    return value


_NUMBER = re.compile(r"(?<![\w.-])(\d[\d,]*(?:\.\d+)?)(%?)")


def numbers(text: str, vendor_names) -> list:
    for name in sorted(vendor_names, key=len, reverse=True):
        text = text.replace(name, "")
    return [(float(n.replace(",", "")), bool(pct)) for n, pct in _NUMBER.findall(text)]


@pytest.mark.parametrize("repo", SCANNED, ids=lambda p: p.name)
def test_every_number_in_every_reason_equals_the_field_it_names(repo, capsys):
    data = scan(repo, capsys=capsys)
    if not data["scores"]:
        return
    names = [v["name"] for v in data["vendors"]]
    for reason in data["scores"]["reasons"]:
        figures = reason["figures"]
        for figure in figures:
            assert field(data, figure["field"]) == pytest.approx(figure["value"], abs=0.05), (reason["text"], figure)
        for number, is_pct in numbers(reason["text"], names):
            shown = [round(100 * f["value"]) if is_pct else round(f["value"]) for f in figures]
            assert round(number) in shown, f"{number} in {reason['text']!r} is not one of its figures {figures}"


@pytest.mark.parametrize("repo", SCANNED, ids=lambda p: p.name)
def test_the_vendor_table_adds_up_to_the_reasons_count(repo, capsys):
    data = scan(repo, capsys=capsys)
    if not data["scores"]:
        return
    scores = data["scores"]
    assert sum(v["call_sites"] for v in data["vendors"]) == scores["call_sites"]
    assert sum(v["call_sites_without_plan_b"] for v in data["vendors"]) == scores["call_sites_without_plan_b"]
    call_sites = [f for f in data["findings"] if f["is_call_site"] and f["scope"] == "prod" and not f["fallback_target"]]
    assert len(call_sites) == scores["call_sites"]


@pytest.mark.parametrize("repo", SCANNED, ids=lambda p: p.name)
def test_headline_never_contradicts_the_entry_point_list(repo, capsys):
    data = scan(repo, capsys=capsys)
    if not data["scores"]:
        return
    prod = [e for e in data["entry_points"] if e["scope"] == "prod"]
    reaching = [e for e in prod if e["vendors"]]
    text = scan(repo, "text", capsys)
    html = scan(repo, "html", capsys)
    if not reaching:
        assert data["scores"]["blast_radius_max"] is None or not data["scores"]["call_sites"]
        for out in (text, html, scan(repo, "markdown", capsys)):
            assert "user-facing functions would stop" not in out and "worst blast radius" not in out
            assert not re.search(r"\d+ of \d+ entry points stop", out)
    for decision in data["decisions"]:
        dates = re.findall(r"(?:on|before|by) (\d{4}-\d{2}-\d{2})", decision["risk"] + " " + decision["decision"])
        dates += [decision["due"]] if re.match(r"\d{4}-", decision["due"]) else []
        assert all(date > AS_OF for date in dates), decision  # never a date in the past (model names may hold one)


def test_plugin_registry_cli_is_unresolved_and_module_level_everywhere(capsys):
    repo = REPOS / "plugin_cli"
    data = scan(repo, capsys=capsys)
    s = data["scores"]
    assert data["summary"]["project_kind"] == "application"
    assert s["reach"] == "unresolved" and s["reach_unit"] == "modules"
    assert s["grade_label"] == s["grade"] + "?" and s["low_confidence"]
    assert s["low_confidence_reasons"][0].startswith("reach could not be traced from the entry points: none of the 4 entry points")
    assert s["blast_radius_max"] is None and "blast_radius" not in s["components"]
    assert s["weights"] == pytest.approx({"concentration": 0.4, "fallback_gap": 1 / 3, "lock_in": 0.2667}, abs=1e-3)
    assert all(e["vendors"] == [] for e in data["entry_points"])
    text = scan(repo, "text", capsys)
    assert f" {s['grade_label']} " in text and "blast radius unknown" in text and "no AI call traced" in text
    markdown = scan(repo, "markdown", capsys)
    assert "(module level)" in markdown and "could not be traced" in markdown
    html = scan(repo, "html", capsys)
    assert "Reach could not be traced" in html and "module level" in html
    sarif = scan(repo, "sarif", capsys)
    properties = sarif["runs"][0]["properties"]
    assert properties["exposureLevel"] == "module" and properties["reach"] == "unresolved"


def test_provider_library_reports_providers_offered_and_hard_wired_calls(capsys):
    data = scan(REPOS / "provider_library", capsys=capsys)
    s = data["scores"]
    assert data["summary"]["project_kind"] == "library"
    assert s["grade_label"] == s["grade"]  # a library's grade does not rest on entry-point reach
    assert s["providers_offered_ids"] == ["anthropic", "ollama", "openai"]
    assert (s["call_sites"], s["call_sites_without_plan_b"], s["call_sites_switchable"]) == (4, 1, 3)
    assert s["blast_radius_max"] is None
    [switch] = data["switches"]
    assert (switch["path"], switch["kind"], switch["vendors"]) == ("polyllm/factory.py", "registry", ["anthropic", "ollama", "openai"])
    by_where = {(f["path"], f["line"]): f for f in data["findings"] if f["is_call_site"]}
    assert by_where[("polyllm/providers/anthropic.py", 10)]["fallback_kind"] == "config"
    assert by_where[("polyllm/providers/anthropic.py", 10)]["switchable_to"] == ["ollama", "openai"]
    assert by_where[("polyllm/memory.py", 14)]["fallback_kind"] is None  # the hard-wired embeddings
    assert any(r["text"].startswith("1 of 4 production AI call sites is hard-wired to one provider; users can choose among 3")
               for r in s["reasons"])
    assert "hard_wired" in [d["kind"] for d in data["decisions"]]


def test_config_switched_app_reports_blast_radius_now_and_after_switching(capsys):
    data = scan(REPOS / "config_switch_app", capsys=capsys)
    s = data["scores"]
    assert data["summary"]["project_kind"] == "mixed" and s["reach"] == "resolved" and not s["low_confidence"]
    entries = {e["name"]: e for e in data["entry_points"]}
    assert entries["chat"]["vendors"] == ["anthropic", "ollama", "openai"]
    assert entries["chat"]["switchable_vendors"] == ["anthropic", "ollama", "openai"]
    assert entries["search"]["switchable_vendors"] == []
    openai = next(v for v in data["vendors"] if v["id"] == "openai")
    assert (openai["blast_radius"], openai["blast_radius_after_switch"]) == (0.75, 0.5)
    assert openai["switchable_to"] == ["anthropic", "ollama"]
    assert s["fallback_coverage"] == pytest.approx(0.375)  # 3 switchable call sites x 0.5, one without plan B, by reach
    texts = [r["text"] for r in s["reasons"]]
    assert ("If OpenAI is unavailable, 3 of 4 entry points stop (75%); after switching to Anthropic or Ollama "
            "by configuration, 2 would stay down.") in texts


def test_check_says_why_it_cannot_judge_the_blast_radius_limit(tmp_path, capsys):
    import shutil

    repo = tmp_path / "plugin_cli"
    shutil.copytree(REPOS / "plugin_cli", repo)
    with (repo / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[tool.riskscan.policy]\nmax_blast_radius = 0.5\n")
    assert main(["check", "--root", str(repo), "--no-cache"]) == 0
    err = capsys.readouterr().err
    assert "RS203 max_blast_radius cannot be judged: reach could not be traced from the entry points" in err


def test_explain_score_lists_each_component_with_its_call_sites(capsys):
    assert main(["scan", str(REPOS / "worked_example"), "--as-of", "2026-11-23", "--no-cache", "-q",
                 "--format", "json", "-o", "/dev/null", "--explain-score"]) == 0
    out = capsys.readouterr().out
    assert "How the grade C (48.8/100) is computed (reach resolved" in out
    assert "fallback_gap: 66.7 x weight 0.25 = 16.7 points" in out
    assert "where app/summarize.py:8, vendor openai, feature responses, weight 2, credit 0.0" in out


def test_test_findings_never_outrank_production_decisions(capsys):
    data = scan(FIXTURES / "example_app", capsys=capsys)
    production = [d["production"] for d in data["decisions"]]
    assert production == sorted(production, reverse=True)
    assert all(d["functions"] and d["locations"] for d in data["decisions"] if d["kind"] != "none")
    assert data["decisions"][0]["due"] == "now"


def test_a_share_by_reach_names_the_suppliers_it_cannot_see(capsys):
    data = scan(REPOS / "partial_reach_app", capsys=capsys)
    scores = data["scores"]
    assert (scores["reach"], scores["call_sites_reached"], scores["call_sites"]) == ("partial", 2, 5)
    reason = next(r for r in scores["reasons"] if r["kind"] == "concentration")
    assert "Anthropic and Google (Gemini API / Vertex AI)" in reason["text"]
    assert "3,600" in reason["text"] and scores["concentration_hhi_callsites"] == pytest.approx(3600)
    assert set(reason["evidence"]) <= {"notes/summarise.py:7", "notes/summarise.py:12"}  # reached sites only


def test_a_library_with_no_hard_wired_call_site_prints_no_concentration_figure(tmp_path, capsys):
    import shutil

    library = tmp_path / "provider_library"
    shutil.copytree(REPOS / "provider_library", library)
    (library / "polyllm" / "memory.py").unlink()  # the one hard-wired use: now every call site is switchable
    data = scan(library, capsys=capsys)
    assert (data["summary"]["project_kind"], data["scores"]["concentration_hhi"]) == ("library", 0)
    text = scan(library, "text", capsys)
    assert "concentration n/a (no hard-wired call sites)" in text and "HHI 0" not in text
    html = scan(library, "html", capsys)
    assert "None of the" in html and "is hard-wired to one provider" in html
    assert "No AI supplier is called from the production code" not in html


def test_a_library_names_the_unit_of_its_concentration_figure(capsys):
    text = scan(REPOS / "provider_library", "text", capsys)
    assert "over hard-wired call sites (high)" in text.splitlines()[2]
