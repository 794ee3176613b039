"""DOMAIN.md section 5's worked example, rebuilt as fixtures/repos/worked_example, gives its numbers."""
from __future__ import annotations

from datetime import date

import pytest

from riskscan.api import ScanOptions, scan

from conftest import FIXTURES


@pytest.fixture(scope="module")
def exposure(catalogue):
    # DOMAIN.md's read date: the example's lifecycle gate (claude-sonnet-4-5 retires 2026-11-30) depends on the day
    report = scan(FIXTURES / "repos" / "worked_example", ScanOptions(jobs=1, as_of=date(2026, 11, 23)), catalogue)
    return report.exposure


def test_concentration(exposure):
    scores = exposure.scores
    assert scores.concentration_hhi == pytest.approx(3750)
    assert scores.concentration_band == "high"
    assert scores.concentration_hhi_callsites == pytest.approx(4400)
    shares = {v: s.share for v, s in scores.vendors.items()}
    assert shares == pytest.approx({"openai": 0.5, "anthropic": 0.25, "ollama": 0.25})


def test_blast_radius_fallback_and_lock_in(exposure):
    scores = exposure.scores
    radius = {v: s.blast_radius for v, s in scores.vendors.items()}
    assert radius == pytest.approx({"openai": 0.5, "anthropic": 0.0, "ollama": 0.25})
    assert scores.fallback_coverage == pytest.approx(2 / 6)
    assert scores.lock_in == pytest.approx(41.67, abs=0.01)


def test_risk_and_grade(exposure):
    scores = exposure.scores
    assert scores.components == pytest.approx({"concentration": 11.25, "blast_radius": 12.5, "fallback_gap": 16.667, "lock_in": 8.333}, abs=0.01)
    assert scores.risk == pytest.approx(48.75, abs=0.01)
    assert scores.grade == "C"


def test_each_entry_point_reaches_what_the_example_says(exposure):
    # An entry point reaches its plan B too (issue 12): /chat falls back to Anthropic, triage to OpenAI.
    reached = {(e.path, e.name): (list(e.vendors), list(e.unprotected_vendors)) for e in exposure.entry_points}
    assert reached == {
        ("api.py", "chat"): (["anthropic", "openai"], ["openai"]),
        ("jobs/nightly.py", "__main__"): (["openai"], ["openai"]),
        ("jobs/triage.py", "__main__"): (["anthropic", "openai"], []),
        ("tools/dev_cli.py", "__main__"): (["ollama"], ["ollama"]),
    }
    assert exposure.scores.reach == "resolved" and not exposure.scores.low_confidence
