"""Markdown for pull-request comments and CI job summaries: readable, and inert whatever the tree holds."""
from __future__ import annotations

import re

from riskscan.render import render
from riskscan.render.markdown import md

from report_support import HOSTILE, REPOS, example_report, hostile_report, json_of, scanned


def table_rows(text: str, header: str) -> list:
    lines = text.splitlines()
    start = lines.index(header)
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def cells(row: str) -> int:
    """Columns of a GFM table row: pipes not escaped with a backslash."""
    return len(re.findall(r"(?<!\\)\|", row)) - 1


def test_summary_leads_with_grade_sentences_and_figures():
    report = example_report()
    data = json_of(report)
    text = render(report, "markdown")
    assert text.startswith(f"## AI vendor risk: {md(data['root'])} — grade **{data['scores']['grade']}**")
    assert f"{data['scores']['concentration_hhi']:,.0f} ({data['scores']['concentration_band']})" in text
    assert "### Decisions to take" in text and "### AI suppliers" in text
    assert len(table_rows(text, "| supplier | share | if it fails | plan B | lock-in | production call sites |")) == len(data["vendors"])
    assert "<details><summary>Findings (" in text and "supportdesk/llm/gateway.py:29" in text
    assert "<details><summary>Skipped files (1)</summary>" in text


def test_hostile_strings_cannot_inject_markup_or_break_tables(tmp_path):
    text = render(hostile_report(tmp_path), "markdown")
    assert "<script" not in text and "</script" not in text
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in text
    header = "| severity | where | rule | what |"
    assert all(cells(row) == 4 for row in table_rows(text, header))


def test_md_escapes_table_and_emphasis_characters():
    assert md("a|b*c_d[e](f)`g`") == r"a\|b\*c\_d\[e\](f)\`g\`"
    assert md("x\n| y") == r"x \| y"
    assert md(HOSTILE) == "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"


def test_baseline_adds_the_changes_section():
    report = example_report()
    previous = json_of(scanned(str(REPOS / "single_vendor")))
    text = render(report, "markdown", baseline=previous)
    assert "### Changes since the previous report" in text
    assert "Grade F → " in text and "New suppliers: Anthropic" in text
    assert "### Changes since" not in render(report, "markdown")


def test_empty_repository_says_so(tmp_path):
    (tmp_path / "README.md").write_text("no code")
    from riskscan.api import ScanOptions, scan

    text = render(scan(tmp_path, ScanOptions(jobs=1)), "markdown")
    assert "No AI vendor touchpoints found" in text
