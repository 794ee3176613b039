"""The committed learned catalogue (rules/learned/, scripts/learn_catalogue.py) against the hand-written adapters."""
from __future__ import annotations

from riskscan.learn.coverage import compare, undefined
from riskscan.ruleset import builtin_rules_dir, load_catalogue

# The goal (issue 17): the committed catalogue reproduces at least 95% of the hand-written adapters
# the pinned versions define (95.7% today: 443 of 463; 57 more name classes of other releases or
# removed-class placeholders, rules/learned/NOT_DEFINED). The test lists every miss when it fails.
FLOOR = 0.95


def test_learned_catalogue_loads_and_is_valid():
    catalogue = load_catalogue()
    learned = sum(n for (source, kind), n in catalogue.symbol_counts.items() if kind == "learned")
    assert learned > 0


def test_learned_catalogue_reproduces_hand_written_adapters_above_the_floor():
    coverage = compare()
    missed = "\n".join(f"  {q} -> {v}" + (f" (learned {i})" if i else "") for q, v, i in coverage.missed)
    assert len(coverage.compared) > 300
    assert coverage.ratio >= FLOOR, f"{coverage.ratio:.1%} reproduced; missed:\n{missed}"


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
