"""The committed learned catalogue (rules/learned/, scripts/learn_catalogue.py) against the hand-written adapters."""
from __future__ import annotations

import pytest

from riskscan.learn.coverage import compare, undefined
from riskscan.ruleset import builtin_rules_dir, load_catalogue

# What the committed catalogue reproduces today (82.4% of the hand-written adapters the pinned
# versions define; 53 more name classes of other releases, rules/learned/NOT_DEFINED); the goal is
# 0.95 (see the xfail below). Raising this floor when the catalogue improves keeps it from sliding back.
FLOOR = 0.82


def test_learned_catalogue_loads_and_is_valid():
    catalogue = load_catalogue()
    learned = sum(n for (source, kind), n in catalogue.symbol_counts.items() if kind == "learned")
    assert learned > 0


def test_learned_catalogue_reproduces_hand_written_adapters_above_the_floor():
    coverage = compare()
    missed = "\n".join(f"  {q} -> {v}" + (f" (learned {i})" if i else "") for q, v, i in coverage.missed)
    assert len(coverage.compared) > 300
    assert coverage.ratio >= FLOOR, f"{coverage.ratio:.1%} reproduced; missed:\n{missed}"


@pytest.mark.xfail(reason="82.4% today: requests on a client a provider object hands out (pydantic-ai models), "
                          "on a client chosen with getattr (haystack), boto3 clients built by helper functions "
                          "(langchain-aws) and OpenAI-SDK subclasses whose provider sits in another class keep it "
                          "below the goal", strict=False)
def test_learned_catalogue_reproduces_95_percent_of_hand_written_adapters():
    coverage = compare()
    missed = "\n".join(f"  {q} -> {v}" + (f" (learned {i})" if i else "") for q, v, i in coverage.missed)
    assert coverage.ratio >= 0.95, f"{coverage.ratio:.1%} reproduced; missed:\n{missed}"


def test_names_counted_apart_are_defined_by_no_learned_file():
    """rules/learned/NOT_DEFINED leaves names out of the comparison: none of them may be a name the
    learned files map (that would hide a miss), and each is inside a learned package."""
    import tomllib

    coverage = compare()
    assert coverage.not_defined, "the pinned versions define every hand-written name: drop NOT_DEFINED"
    learned = set()
    for path in (builtin_rules_dir() / "learned").glob("*.toml"):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        learned.update(q for table in ("adapters", "routers") for rule in data.get(table, ()) for q in rule["qualnames"])
    assert not {q for q, _ in coverage.not_defined} & learned


def test_undefined_matches_names_as_scans_match_rules():
    public = {"acme.chat.Chat", "acme.Embeddings", "acme.models.groq.GroqChat"}
    names = ["acme.Chat", "acme.chat.Chat", "acme.models.GroqChat", "acme.Embeddings", "acme.Claude", "acme.chat.Stream"]
    assert undefined(names, public) == ["acme.Claude", "acme.chat.Stream"]
