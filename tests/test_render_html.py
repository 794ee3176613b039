"""The CIO report: one self-contained HTML file whose sections follow DOMAIN.md section 6."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser

from riskscan.model import Report
from riskscan.render import render
from riskscan.render.html import context, render_html

from conftest import FIXTURES
from report_support import HOSTILE, REPOS, example_report, hostile_report, json_of, scanned

SECTIONS = ["summary", "register", "concentration", "blast-radius", "plan-b", "switching", "controls", "changes",
            "method", "appendix"]


class Tags(HTMLParser):
    """Every start tag with its attributes, to check what a browser would build."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(page: str) -> list:
    parser = Tags()
    parser.feed(page)
    return parser.tags


def without_lifecycle(report) -> Report:
    return replace(report, lifecycle=[])


def test_sections_follow_the_board_order():
    page = render(without_lifecycle(example_report()), "html")
    ids = re.findall(r'<h2 id="([^"]+)"', page)
    assert ids == SECTIONS
    for heading in ("Summary for the board", "AI supplier register", "Control mapping", "Method and limits",
                    "Appendix: evidence"):
        assert heading in page
    for control in ("DORA Art. 28(3)", "DORA Art. 29", "NIST AI RMF GOVERN 6.2", "ISO/IEC 42001 A.10", "OWASP LLM03:2025"):
        assert control in page


def test_summary_has_grade_three_sentences_and_decisions():
    report = example_report()
    data = json_of(report)
    view = context(report)
    assert len(view["headlines"]) == 3 and all(s.endswith(".") for s in view["headlines"])
    assert view["decisions"] and all(d["risk"] and d["decision"] for d in view["decisions"])
    page = render_html(report)
    assert f'<div class="grade grade-{data["scores"]["grade"]}"' in page
    assert f'{data["scores"]["concentration_hhi"]:,.0f}' in page
    for sentence in view["headlines"]:
        assert sentence in page


def test_register_matrix_and_charts_come_from_the_json_contract():
    report = example_report()
    data = json_of(report)
    view = context(report)
    assert [row["vendor"]["id"] for row in view["register"]["rows"]][0] == "openai"
    openai = view["register"]["rows"][0]
    assert "embeddings (search index)" in openai["services"] and openai["alternatives"] == ["Anthropic"]
    stops = {e["name"] for f in view["matrix"]["fails"] if f["vendor"]["id"] == "openai" for e in f["stops"]}
    assert stops == {e["name"] for e in data["entry_points"] if "openai" in e["unprotected_vendors"] and e["scope"] == "prod"}
    page = render_html(report)
    assert page.count('<svg class="chart') >= 5 and 'class="cell stops"' in page


def test_page_is_self_contained_and_runs_nothing():
    page = render(example_report(), "html")
    tags = tags_of(page)
    assert not [t for t, _ in tags if t in ("script", "link", "iframe", "img", "object", "embed")]
    assert all(attrs.get("href", "#").startswith("#") for _, attrs in tags)
    assert not any(name.startswith("on") for _, attrs in tags for name in attrs)
    assert "default-src 'none'" in page and "@import" not in page and "url(" not in page
    assert "@media print" in page and "@page" in page


def test_strings_from_the_tree_are_escaped(tmp_path):
    page = render(hostile_report(tmp_path), "html")
    assert HOSTILE not in page and "<script" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not [t for t, _ in tags_of(page) if t == "script"]


def test_secrets_stay_redacted():
    page = render(scanned(str(REPOS / "secrets_repo")), "html")
    assert "REDACTED" in page and "FAKEFAKEFAKEFAKEFAKE" not in page
    assert "Revoke these keys" in page


def example_as_of(day: date):
    from riskscan.api import ScanOptions, scan

    return scan(FIXTURES / "example_app", ScanOptions(jobs=1, as_of=day))


def test_retirement_calendar_appears_with_lifecycle_data():
    assert 'id="retirements"' not in render_html(without_lifecycle(example_report()))
    report = example_as_of(date(2026, 11, 23))  # settings.py names claude-sonnet-4-5-20250929 (off 2026-11-30)
    view = context(report)
    claude = next(r for r in view["retirements"] if r["model"] == "claude-sonnet-4-5-20250929")
    assert (claude["retire_date"], claude["days_left"]) == ("2026-11-30", 7) and claude["where"]
    assert any("2026-11-30" in d["risk"] for d in view["decisions"])
    page = render_html(report)
    assert 'id="retirements"' in page and '<svg class="chart timeline"' in page and "past their retirement date" not in page
    later = context(example_as_of(date(2027, 6, 1)))
    claude = next(r for r in later["retirements"] if r["model"] == "claude-sonnet-4-5-20250929")
    assert (claude["label"], claude["fate"]) == ("switched off", "was switched off on 2026-11-30")
    gpt4o = next(r for r in later["retirements"] if r["model"] == "gpt-4o-2024-08-06")  # only third parties date it
    assert (gpt4o["label"], gpt4o["fate"]) == ("may be off", "may already be switched off (2027-01-14, unconfirmed)")
    page = render_html(example_as_of(date(2027, 6, 1)))
    assert "past their retirement date" in page and '<span class="tag">unconfirmed</span>' in page


def test_changes_since_a_previous_report():
    report = example_report()
    previous = json_of(scanned(str(REPOS / "single_vendor")))
    view = context(report, baseline=previous)
    changes = view["changes"]
    assert changes["grade_before"] == "F" and changes["trend"] == "better"
    assert "Anthropic" in changes["vendors_added"] and changes["closed_gaps"]
    page = render_html(report, baseline=previous)
    assert "Grade F → " in page and "No previous report was given" not in page
    assert "No previous report was given" in render_html(report)
