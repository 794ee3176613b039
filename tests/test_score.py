"""Scores from in-memory call sites: each component is asserted, not only the total (STYLE.md point 5)."""
from __future__ import annotations

import pytest

from riskscan.score import (
    EntryPoint, Site, compute_scores, concentration_band, effective_credit, grade_for, hhi,
    lock_in_weight, substitutability,
)

NAMES = {"openai": "OpenAI", "azure_openai": "Azure OpenAI", "anthropic": "Anthropic", "ollama": "Ollama"}
E = ("E1", "E2", "E3", "E4")


def worked_example(extra=()):
    """DOMAIN.md section 5's tiny repo: E1 /chat route, E2 nightly, E3 triage, E4 dev CLI."""
    return [
        Site("openai", "openai", "chat", "chat.py", 10, {"E1"}, 1.0, ("anthropic",), 0.20, modules={"app.chat"}),
        Site("openai", "openai", "responses", "summarize.py", 7, {"E1", "E2"}, 0.0, (), 0.60,
             modules={"app.summarize"}),
        Site("openai", "openai", "embeddings", "search.py", 12, {"E1"}, 0.0, (), 0.90, modules={"app.search"}),
        Site("anthropic", "anthropic", "chat", "classify.py", 5, {"E3"}, 1.0, ("openai",), 0.10,
             modules={"jobs.classify"}),
        Site("ollama", None, "chat", "local.py", 3, {"E4"}, 0.0, (), 0.10, modules={"tools.local"}),
        # the plans B: they run only when the primary fails, so they add nothing to R_v, F or L
        Site("anthropic", "anthropic", "chat", "chat.py", 14, {"E1"}, lock_in=0.3, is_fallback_target=True,
             modules={"app.chat"}),
        Site("openai", "openai", "chat", "classify.py", 5, {"E3"}, lock_in=0.1, is_fallback_target=True,
             modules={"jobs.classify"}),
        *extra,
    ]


@pytest.fixture
def example():
    return compute_scores(worked_example(), [EntryPoint(e) for e in E], names=NAMES)


# --- the worked example, component by component ----------------------------------------------

def test_example_concentration(example):
    assert example.concentration_hhi == pytest.approx(3750)
    assert example.concentration_band == "high"
    assert example.concentration_hhi_callsites == pytest.approx(4400)
    shares = {v: s.share for v, s in example.vendors.items()}
    assert shares == pytest.approx({"openai": 0.5, "anthropic": 0.25, "ollama": 0.25})
    assert list(example.vendors)[0] == "openai"


def test_example_blast_radius(example):
    vendors = example.vendors
    assert vendors["openai"].blast_radius == pytest.approx(0.5)
    assert vendors["anthropic"].blast_radius == 0
    assert vendors["ollama"].blast_radius == pytest.approx(0.25)
    assert example.blast_radius_max == pytest.approx(0.5)
    assert vendors["openai"].unprotected_entry_points == ("E1", "E2")
    assert vendors["anthropic"].entry_points == ("E3",)
    assert vendors["anthropic"].unprotected_entry_points == ()


def test_example_module_blast_radius(example):
    # OpenAI takes down summarize and search (chat is covered) out of five modules.
    assert example.vendors["openai"].blast_radius_modules == pytest.approx(2 / 5)
    assert example.vendors["ollama"].blast_radius_modules == pytest.approx(1 / 5)
    assert example.blast_radius_modules_max == pytest.approx(2 / 5)


def test_example_fallback_and_lock_in(example):
    assert example.fallback_coverage == pytest.approx(2 / 6)
    assert example.fallback_coverage_callsites == pytest.approx(2 / 5)
    assert example.fallback_gap == pytest.approx(66.667, abs=1e-3)
    assert example.lock_in == pytest.approx(41.667, abs=1e-3)
    assert example.vendors["openai"].lock_in == pytest.approx(100 * 2.3 / 4)
    assert example.vendors["openai"].substitutability == "SB_2"
    assert example.vendors["anthropic"].substitutability == "SB_1"
    assert [(s.path, s.lock_in) for s in example.lock_in_top][:2] == [("summarize.py", 0.6), ("search.py", 0.9)]


def test_example_risk_and_grade(example):
    assert example.components == pytest.approx(
        {"concentration": 11.25, "blast_radius": 12.5, "fallback_gap": 16.6667, "lock_in": 8.3333}, abs=1e-3)
    assert example.risk == pytest.approx(48.75)
    assert abs(example.risk - 48.8) <= 0.05 + 1e-9
    assert example.grade == "C"
    assert example.gates_applied == ()
    assert not example.low_confidence


def test_example_reasons_are_business_sentences_with_evidence(example):
    by_text = {r.text: r for r in example.reasons}
    blast = by_text["If OpenAI is unavailable, 2 of 4 entry points stop (50%)."]
    assert blast.evidence == (("summarize.py", 7), ("search.py", 12))
    gap = by_text["3 of 5 production AI call sites have no plan B with another supplier."]
    assert set(gap.evidence) == {("summarize.py", 7), ("search.py", 12), ("local.py", 3)}
    assert "HHI 3,750: one supplier dominates (above 1,800 is highly concentrated)." in by_text
    embeddings = by_text["Switching embeddings away from OpenAI means re-indexing all stored documents."]
    assert embeddings.evidence == (("search.py", 12),)
    assert embeddings.weight == pytest.approx(0.20 * 100 * 0.9 / 6)
    assert 3 <= len(example.reasons) <= 5
    weights = [r.weight for r in example.reasons]
    assert weights == sorted(weights, reverse=True)
    assert weights[0] == pytest.approx(example.components["fallback_gap"])


def test_fallback_targets_do_not_change_the_example():
    bare = [s for s in worked_example() if not s.is_fallback_target]
    with_targets = compute_scores(worked_example(), E)
    without = compute_scores(bare, E)
    assert (with_targets.concentration_hhi, with_targets.fallback_coverage, with_targets.lock_in, with_targets.risk) \
        == pytest.approx((without.concentration_hhi, without.fallback_coverage, without.lock_in, without.risk))
    assert with_targets.vendors["anthropic"].alternatives == ("openai",)


# --- whole-repository shapes -----------------------------------------------------------------

def test_one_vendor_without_fallback_grades_f_whatever_the_lock_in():
    sites = [Site("openai", "openai", "chat", "a.py", 1, {"E1"}, lock_in=0.05),
             Site("openai", "openai", "chat", "b.py", 2, {"E2"}, lock_in=0.05)]
    # E3 and E4 never touch AI, so the weighted sum alone stays below 80.
    scores = compute_scores(sites, E, names=NAMES)
    assert sum(scores.components.values()) < 80
    assert scores.risk == 80 and scores.grade == "F"
    assert scores.gates_applied == ("single_vendor_no_fallback",)
    assert scores.reasons[0].text == ("All AI use depends on OpenAI, and nothing takes over if it fails, so the risk counts "
                                      f"as at least 80 (grade F; its terms add up to {sum(scores.components.values()):.0f}).")
    assert scores.reasons[0].kind == "gate"


def test_one_vendor_reaching_everything_scores_above_the_floor():
    sites = [Site("openai", "openai", "assistants", "a.py", 1, set(E), lock_in=0.8)]
    scores = compute_scores(sites, E)
    assert scores.concentration_hhi == 10000 and scores.blast_radius_max == 1
    assert scores.risk == pytest.approx(80 + 0.2 * 80)
    assert scores.gates_applied == ()  # the sum already exceeds the floor


def test_diversified_app_with_cross_vendor_fallbacks_grades_a_or_b():
    vendors = ("openai", "anthropic", "google", "mistral")
    sites = [Site(v, v, "chat", f"{v}.py", 1, {e}, 1.0, (vendors[(i + 1) % 4],), 0.10)
             for i, (v, e) in enumerate(zip(vendors, E))]
    scores = compute_scores(sites, E)
    assert scores.concentration_hhi == pytest.approx(2500)
    assert scores.blast_radius_max == 0 and scores.fallback_gap == 0
    assert scores.lock_in == pytest.approx(10)
    assert scores.risk == pytest.approx(9.5)
    assert scores.grade in ("A", "B")


def test_empty_input_is_no_risk():
    scores = compute_scores([], [EntryPoint("E1")])
    assert (scores.risk, scores.grade, scores.concentration_hhi, scores.vendors) == (0, "A", 0, {})
    assert scores.reasons[0].text == "No AI vendor use was found."
    assert scores.reasons[0].evidence == ()


# --- gates -----------------------------------------------------------------------------------

def diversified():
    return [Site(v, v, "chat", f"{v}.py", 1, {e}, 1.0, ("x",), 0.10)
            for v, e in zip(("openai", "anthropic", "google", "mistral"), E)]


def test_retired_model_caps_grade_at_d():
    scores = compute_scores(diversified(), E, gates={"retired": [("openai.py", 1, "gpt-3.5-turbo-0301")]})
    assert scores.risk == pytest.approx(9.5)  # the risk is unchanged; only the letter is capped
    assert scores.grade == "D" and scores.gates_applied == ("retired",)
    assert scores.reasons[0].text == ("1 place in production code uses a model its supplier has switched off, or may already "
                                      "have (confirmed date), so the grade is D, not the A that a risk of 10 alone gives.")
    assert scores.reasons[0].evidence == (("openai.py", 1),)


def test_retiring_model_caps_grade_at_c_and_worse_grades_stay():
    retiring = {"retiring_90d": [("a.py", 1, "claude-sonnet-4-5-20250929"), ("b.py", 2, "gpt-4o")]}
    assert compute_scores(diversified(), E, gates=retiring).grade == "C"
    single = [Site("openai", "openai", "chat", "a.py", 1, set(E))]
    assert compute_scores(single, E, gates=retiring).grade == "F"
    both = dict(retiring, retired=[("a.py", 1, "x")])
    assert compute_scores(diversified(), E, gates=both).grade == "D"


def test_unresolved_share_over_30_percent_is_low_confidence():
    assert compute_scores(diversified(), E, gates={"unresolved_share": 0.31}).low_confidence
    assert not compute_scores(diversified(), E, gates={"unresolved_share": 0.30}).low_confidence
    sites = diversified()[:2] + [Site("unresolved", None, "chat", "env.py", 1, {"E3"})]
    scores = compute_scores(sites, E)
    assert scores.unresolved_share == pytest.approx(1 / 3) and scores.low_confidence
    assert "unresolved" not in scores.vendors
    assert scores.concentration_hhi == pytest.approx(5000)  # unresolved stays out of the HHI


# --- formulas ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, band", [
    (0, "low"), (999.99, "low"), (1000, "moderate"), (1800, "moderate"), (1800.01, "high"), (10000, "high"),
])
def test_hhi_bands_at_their_boundaries(value, band):
    assert concentration_band(value) == band


def test_hhi_scale():
    assert hhi({"a": 1.0}) == 10000
    assert hhi({k: 0.25 for k in "abcd"}) == pytest.approx(2500)
    assert hhi({}) == 0


@pytest.mark.parametrize("risk, grade", [
    (0, "A"), (20, "A"), (20.01, "B"), (35, "B"), (50, "C"), (50.01, "D"), (65, "D"), (65.01, "F"), (100, "F"),
])
def test_grade_bands(risk, grade):
    assert grade_for(risk) == grade


@pytest.mark.parametrize("weight, sb", [(0.0, "SB_1"), (0.29, "SB_1"), (0.3, "SB_2"), (0.7, "SB_2"), (0.71, "SB_3")])
def test_substitutability_bands(weight, sb):
    assert substitutability(weight) == sb


def test_family_hhi_merges_azure_openai_into_openai():
    sites = [Site("openai", "openai", "chat", "a.py", 1, {"E1"}),
             Site("azure_openai", "openai", "chat", "b.py", 1, {"E2"}),
             Site("anthropic", "anthropic", "chat", "c.py", 1, {"E3"})]
    scores = compute_scores(sites, E[:3])
    assert scores.concentration_hhi == pytest.approx(10000 / 3)
    assert scores.concentration_hhi_family == pytest.approx((200 / 3) ** 2 + (100 / 3) ** 2)


def test_unknown_family_counts_as_its_own_operator():
    sites = [Site("ollama", None, "chat", "a.py", 1, {"E1"}), Site("vllm", None, "chat", "b.py", 1, {"E2"})]
    assert compute_scores(sites, E[:2]).concentration_hhi_family == pytest.approx(5000)


def test_criticality_weights_the_shares_and_the_blast_radius():
    sites = [Site("openai", "openai", "chat", "a.py", 1, {"E1"}), Site("anthropic", "anthropic", "chat", "b.py", 1, {"E2"})]
    scores = compute_scores(sites, [EntryPoint("E1", crit=3.0), EntryPoint("E2")])
    assert scores.vendors["openai"].share == pytest.approx(0.75)
    assert scores.vendors["openai"].blast_radius == pytest.approx(0.75)
    assert scores.vendors["openai"].share_callsites == pytest.approx(0.5)


@pytest.mark.parametrize("kwargs, w", [
    (dict(feature="chat", openai_compatible=True, config_driven=True), 0.05),
    (dict(feature="chat", via_router=True), 0.10),
    (dict(feature="chat", via_router=True, config_driven=True), 0.05),
    (dict(feature="chat", openai_compatible=True), 0.20),
    (dict(feature="chat"), 0.30),
    (dict(feature="chat", config_driven=True), 0.15),
    (dict(feature="prompt_caching"), 0.40),
    (dict(feature="responses"), 0.60),
    (dict(feature="batch"), 0.60),
    (dict(feature="realtime"), 0.60),
    (dict(feature="assistants"), 0.80),
    (dict(feature="vector_stores"), 0.80),
    (dict(feature="files"), 0.80),
    (dict(feature="embeddings"), 0.90),
    (dict(feature="embeddings", via_router=True, config_driven=True), 0.90),  # config does not re-index
    (dict(feature="embeddings", index_fed=False), 0.30),
    (dict(feature="fine_tuning"), 1.00),
    (dict(feature="chat", fine_tuned=True, via_router=True), 1.00),
    (dict(feature="something_new"), 0.30),
])
def test_lock_in_weight_table(kwargs, w):
    assert lock_in_weight(**kwargs) == pytest.approx(w)


# --- fallback credit rules ------------------------------------------------------------------

def test_embeddings_never_get_cross_vendor_credit():
    site = Site("openai", "openai", "embeddings", "e.py", 1, {"E1"}, 1.0, ("voyage",), 0.9)
    assert effective_credit(site) == 0
    assert compute_scores([site], ["E1"]).vendors["openai"].blast_radius == 1
    assert effective_credit(Site("openai", "openai", "embeddings", "e.py", 1, {"E1"}, 1.0, dual_index=True)) == 1


def test_closely_connected_operator_caps_credit_at_half():
    related = {"openai": ("azure_openai",)}
    site = Site("openai", "openai", "chat", "a.py", 1, {"E1"}, 1.0, ("azure_openai",))
    assert effective_credit(site, related) == 0.5
    assert effective_credit(Site("azure_openai", "openai", "chat", "a.py", 1, {"E1"}, 1.0, ("openai",)), related) == 0.5
    assert effective_credit(Site("openai", "openai", "chat", "a.py", 1, {"E1"}, 1.0, ("openai",)), related) == 0.25
    assert effective_credit(Site("openai", "openai", "chat", "a.py", 1, {"E1"}, 1.0, ("anthropic",)), related) == 1
    scores = compute_scores([site], ["E1"], closely_connected=related)
    assert scores.fallback_coverage == 0.5
    assert scores.vendors["openai"].blast_radius == 0  # 0.5 keeps the entry point up


# --- reach edge cases ------------------------------------------------------------------------

def test_orphan_sites_weigh_one_in_coverage_and_lock_in_but_hold_no_share():
    sites = [Site("openai", "openai", "chat", "a.py", 1, {"E1", "E2"}, 1.0, ("anthropic",), 0.2),
             Site("anthropic", "anthropic", "batch", "orphan.py", 9, set(), 0.0, (), 0.6)]
    scores = compute_scores(sites, E[:2])
    assert scores.fallback_coverage == pytest.approx(2 / 3)
    assert scores.lock_in == pytest.approx(100 * (0.2 * 2 + 0.6) / 3)
    assert scores.vendors["anthropic"].share == 0
    assert scores.concentration_hhi == pytest.approx(10000)


def test_without_any_reach_shares_count_modules_and_blast_radius_is_unknown():
    """DOMAIN.md 5.1: unresolved reach gives no entry-point figure; the B term is left out and the
    other weights scaled up; shares count the production modules that import each site's code."""
    sites = [Site("openai", "openai", "chat", "a.py", 1, modules={"app.a", "app.web"}),
             Site("openai", "openai", "chat", "b.py", 1, modules={"app.b"}),
             Site("anthropic", "anthropic", "chat", "c.py", 1, modules={"app.c"})]
    scores = compute_scores(sites, ["main"], names=NAMES)
    assert scores.reach == "unresolved" and scores.reach_unit == "modules"
    assert scores.vendors["openai"].blast_radius is None and scores.blast_radius_max is None
    assert scores.vendors["openai"].share == pytest.approx(3 / 4)
    assert set(scores.components) == {"concentration", "fallback_gap", "lock_in"}
    assert sum(scores.weights.values()) == pytest.approx(1.0)
    assert scores.weights["concentration"] == pytest.approx(0.40)
    assert scores.grade_label == scores.grade + "?" and scores.low_confidence
    assert scores.low_confidence_reasons[0].startswith("reach could not be traced from the entry points")
    texts = [r.text for r in scores.reasons]
    assert not any("entry points stop" in t for t in texts)
    assert any(t.startswith("Module level: 3 of 4 production modules") for t in texts)


def test_partial_reach_names_the_call_sites_no_entry_point_reaches():
    sites = [Site("openai", "openai", "chat", "a.py", 1, {"E1"}), Site("openai", "openai", "chat", "b.py", 2),
             Site("anthropic", "anthropic", "chat", "c.py", 3)]
    scores = compute_scores(sites, ["E1"], names=NAMES)
    assert scores.reach == "partial" and scores.call_sites_reached == 1
    reach = next(r for r in scores.reasons if r.kind == "reach")
    assert reach.text.startswith("Entry points reach 1 of 3 production AI call sites; 2 run from code")
    assert set(reach.evidence) == {("b.py", 2), ("c.py", 3)}
    assert scores.low_confidence and scores.grade_label == scores.grade


def test_a_configuration_switch_earns_half_credit_and_a_second_blast_radius():
    sites = [Site("openai", "openai", "chat", "a.py", 1, {"E1"}, switchable_to=("anthropic",)),
             Site("anthropic", "anthropic", "chat", "b.py", 2, {"E1"}, switchable_to=("openai",)),
             Site("openai", "openai", "chat", "c.py", 3, {"E2"})]
    scores = compute_scores(sites, ["E1", "E2"], names=NAMES)
    assert scores.fallback_coverage == pytest.approx((0.5 + 0.5 + 0) / 3)
    openai = scores.vendors["openai"]
    assert openai.blast_radius == pytest.approx(1.0)  # a switch needs a redeploy: both stop now
    assert openai.blast_radius_after_switch == pytest.approx(0.5)  # E2 stays down: no switch there
    assert openai.switchable_to == ("anthropic",)
    gap = next(r for r in scores.reasons if r.kind == "fallback_gap")
    assert gap.text == ("1 of 3 production AI call sites has no plan B with another supplier; 2 more can be switched "
                        "to another supplier only by configuration (a config change and a redeploy).")


def test_site_rejects_weights_outside_zero_one():
    with pytest.raises(ValueError, match="lock_in"):
        Site("openai", "openai", "chat", "a.py", 1, lock_in=1.5)
    with pytest.raises(ValueError, match="fallback_credit"):
        Site("openai", "openai", "chat", "a.py", 1, fallback_credit=-0.1)


def test_deep_lock_in_reasons_name_the_consequence():
    sites = [Site("openai", "openai", "fine_tuning", "ft.py", 1, {"E1"}, lock_in=1.0),
             Site("openai", "openai", "assistants", "bot.py", 2, {"E2"}, lock_in=0.8),
             Site("anthropic", "anthropic", "chat", "c.py", 3, {"E3"})]
    reasons = {r.text: r for r in compute_scores(sites, E, names=NAMES).reasons}
    retrain = reasons["Switching away from OpenAI means retraining and re-testing its fine-tuned models."]
    assert retrain.evidence == (("ft.py", 1),) and retrain.weight == pytest.approx(0.2 * 100 * 1.0 / 3)
    assert "Switching away from OpenAI means exporting the data it holds for us (assistants and threads)." in reasons


def test_only_fallback_sites_mean_no_normal_dependence():
    scores = compute_scores([Site("openai", "openai", "chat", "a.py", 1, {"E1"}, is_fallback_target=True)], ["E1"])
    assert (scores.risk, scores.grade) == (0, "A")
    assert scores.vendors["openai"].share == 0 and scores.vendors["openai"].sites == 0
