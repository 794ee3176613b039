"""The committed learned catalogue (rules/learned/, scripts/learn_catalogue.py) against the hand-written adapters."""
from __future__ import annotations

import pytest

from riskscan.learn.coverage import compare
from riskscan.ruleset import load_catalogue

# What the committed catalogue reproduces today; the goal is 0.95 (see the xfail below). Raising
# this floor when the catalogue improves keeps it from sliding back.
FLOOR = 0.40


def test_learned_catalogue_loads_and_is_valid():
    catalogue = load_catalogue()
    learned = sum(n for (source, kind), n in catalogue.symbol_counts.items() if kind == "learned")
    assert learned > 0


def test_learned_catalogue_reproduces_hand_written_adapters_above_the_floor():
    coverage = compare()
    missed = "\n".join(f"  {q} -> {v}" + (f" (learned {i})" if i else "") for q, v, i in coverage.missed)
    assert len(coverage.compared) > 300
    assert coverage.ratio >= FLOOR, f"{coverage.ratio:.1%} reproduced; missed:\n{missed}"


@pytest.mark.xfail(reason="calls on clients returned by methods (llama_index `self._get_client()`), inherited "
                          "self attributes and SDK data types counted as call sites keep it below the goal", strict=False)
def test_learned_catalogue_reproduces_95_percent_of_hand_written_adapters():
    coverage = compare()
    missed = "\n".join(f"  {q} -> {v}" + (f" (learned {i})" if i else "") for q, v, i in coverage.missed)
    assert coverage.ratio >= 0.95, f"{coverage.ratio:.1%} reproduced; missed:\n{missed}"
