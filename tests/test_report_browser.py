"""The CIO report in a real browser: headless chromium renders it, and the page is checked as drawn.

Needs chromium (CI installs Debian's package); skips with the reason where there is none. Beyond
what the page shows, the layout itself is checked, on screen and in print, on the example app and
on a generated product with 22 suppliers and 23 dated models: no two text boxes overlap, no text
overflows its box or chart, no column is squeezed to a few letters, no word breaks inside, and the
board report prints on at most eight A4 pages. Screenshots and PDFs land in test-artifacts/ (or
$RISKSCAN_TEST_ARTIFACTS) for people to look at.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from riskscan.render import render
from riskscan.render.html import PRINT_PAGES

from browser import Chromium, find_chromium
from conftest import ROOT
from report_support import HOSTILE, REPOS, crowded_report, example_report, hostile_report, json_of, scanned

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium browser found (CI installs Debian's chromium; "
                                                          "apt-get install chromium to run this here)")
ARTIFACTS = Path(os.environ.get("RISKSCAN_TEST_ARTIFACTS", ROOT / "test-artifacts"))

FIGURES = """(() => {
  const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const grade = document.querySelector('.grade');
  const charts = [...document.querySelectorAll('svg.chart')].map((svg) => ({
    cls: svg.getAttribute('class'), visible: visible(svg),
    shapes: [...svg.querySelectorAll('rect, line, circle')].filter((s) => {
      const b = s.getBBox(); return b.width > 0 || b.height > 0; }).length }));
  return { title: document.title, grade: grade && visible(grade) ? grade.innerText.trim() : null,
           kpis: [...document.querySelectorAll('.kpi .figure')].filter(visible).map((e) => e.innerText.trim()),
           headings: [...document.querySelectorAll('h2')].map((h) => h.id), charts,
           scripts: document.scripts.length, text: document.body.innerText,
           handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length };
})()"""


@pytest.fixture
def browser(tmp_path):
    chromium = Chromium(CHROMIUM, tmp_path / "profile")
    yield chromium
    chromium.close()


def open_page(browser, page: str, path: Path) -> dict:
    path.write_text(page, encoding="utf-8")
    url = path.resolve().as_uri()
    browser.open(url)
    return dict(browser.evaluate(FIGURES), problems=browser.problems(url))


def test_report_renders_with_figures_and_charts_and_nothing_else(browser, tmp_path):
    report = example_report()
    data = json_of(report)
    previous = json_of(scanned(str(REPOS / "single_vendor")))
    page = open_page(browser, render(report, "html", baseline=previous), tmp_path / "report.html")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.screenshot(ARTIFACTS / "report.png")
    browser.pdf(ARTIFACTS / "report.pdf")
    assert_layout(browser, "example")

    s = data["scores"]
    assert page["title"] == f"AI supplier risk report: {data['root']}"
    assert page["grade"] == s["grade"]
    assert page["kpis"] == [f"{s['concentration_hhi']:,.0f}", f"{100 * s['blast_radius_max']:.0f}%",
                            f"{100 * s['fallback_coverage']:.0f}%", f"{s['lock_in']:.0f}/100"]
    assert {"summary", "register", "concentration", "blast-radius", "controls", "changes", "appendix"} <= set(page["headings"])
    assert len(page["charts"]) >= 5 and all(c["visible"] and c["shapes"] > 0 for c in page["charts"]), page["charts"]
    assert "OpenAI" in page["text"] and "Grade F → " in page["text"]
    assert page["scripts"] == 0 and page["handlers"] == 0
    assert page["problems"] == {"console": [], "requests": []}
    assert (ARTIFACTS / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (ARTIFACTS / "report.pdf").read_bytes()[:5] == b"%PDF-"


def test_hostile_names_render_as_text(browser, tmp_path):
    page = open_page(browser, render(hostile_report(tmp_path), "html"), tmp_path / "hostile.html")
    browser.screenshot(tmp_path / "hostile.png")
    assert page["scripts"] == 0 and page["handlers"] == 0
    assert HOSTILE in page["text"]  # shown to the reader, never parsed as markup
    assert page["problems"] == {"console": [], "requests": []}


def test_the_probe_sees_a_network_request_when_there_is_one(browser, tmp_path):
    """A control: the same checks flag a page that loads something, so their silence above means something."""
    page = open_page(browser, '<!DOCTYPE html><title>x</title><img src="http://127.0.0.1:9/pixel.png">', tmp_path / "leak.html")
    assert page["problems"]["requests"] == ["http://127.0.0.1:9/pixel.png"]


def assert_layout(browser, name: str) -> None:
    """Screen and print layouts both clean, the board report within its page budget; artifacts saved."""
    for media, width in (("screen", 1100), ("print", 718)):  # 718 px: A4 less the 11 mm margins of @page
        browser.media(media, width)
        problems = browser.layout_problems()
        assert problems["boxes"] > 100, problems  # the probe saw the page
        for kind in ("overlaps", "overflows", "squeezed", "broken"):
            assert problems[kind] == [], (media, kind, problems[kind])
    browser.media("screen", 1100)
    browser.screenshot(ARTIFACTS / f"{name}.png")  # pdf() below prints without any emulation
    total = browser.pdf(ARTIFACTS / f"{name}.pdf")
    browser.hide(".appendix, footer")
    board = browser.pdf(ARTIFACTS / f"{name}-board.pdf")
    assert 1 <= board <= PRINT_PAGES < total, (board, total)


def test_a_crowded_report_lays_out_without_collisions_and_fits_its_page_budget(browser, tmp_path):
    report = crowded_report(tmp_path)
    data = json_of(report)
    assert len(data["vendors"]) >= 20 and len(data["lifecycle"]["calendar"]) >= 20  # the load the layout must carry
    page = open_page(browser, render(report, "html"), tmp_path / "crowded.html")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert page["problems"] == {"console": [], "requests": []}
    assert_layout(browser, "crowded")
    labels = browser.evaluate("[...document.querySelectorAll('svg.timeline .mark-label')].map((t) => t.textContent)")
    assert len(labels) >= 6 and any("+2" in label for label in labels)  # models sharing a date share a label


def test_the_probe_sees_overlapping_and_squeezed_text(browser, tmp_path):
    """A control: the layout checks flag a page with the faults the old report had."""
    faulty = ('<!DOCTYPE html><body style="width:600px">'
              '<svg width="300" height="40"><text x="10" y="20">gpt-5 2026-12-11</text><text x="14" y="22">o3 2026-12-11</text>'
              '<text x="280" y="30">1,800 clipped</text></svg>'
              '<table style="width:100%"><tr><td style="width:90%">wide</td><td style="overflow-wrap:anywhere">mem0/embeddings/aws_bedrock.py:53</td></tr></table>'
              '<table style="table-layout:fixed;width:300px"><tr><th style="width:40px;overflow-wrap:break-word">Functions</th><th>Supplier</th></tr></table>'
              '<p style="width:80px;white-space:nowrap">averyveryverylongunbreakableword</p></body>')
    open_page(browser, faulty, tmp_path / "faulty.html")
    problems = browser.layout_problems()
    assert ["gpt-5 2026-12-11", "o3 2026-12-11"] in problems["overlaps"]
    assert any("1,800 clipped" in o for o in problems["overflows"]) and any(o.startswith("P:") for o in problems["overflows"])
    assert any("aws_bedrock" in s for s in problems["squeezed"])
    assert any(b.startswith("Functions") for b in problems["broken"])
