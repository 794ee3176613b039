"""Policy checks: which findings break which rule (by code and place), suppressions, and the code documentation."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from riskscan.api import ScanOptions, scan
from riskscan.checks import BY_CODE, CHECKS, render_markdown
from riskscan.config import find_config, load_config
from riskscan.gate import retired_lookup
from riskscan.model import Finding, Report
from riskscan.policy import Policy, apply_suppressions, evaluate, in_gateway, suppression

from conftest import FIXTURES, ROOT

GATE = FIXTURES / "repos" / "policy_gate"


@pytest.fixture(scope="module")
def gate_report():
    config = load_config(find_config(GATE))
    options = ScanOptions(**config.scan_fields(), excludes=tuple(config.data["exclude"]), as_of=date(2026, 11, 23))
    return scan(GATE, options), Policy.from_config(config)


def places(violations):
    return {(v.code, v.path, v.line) for v in violations}


def test_policy_gate_fixture_violations_are_exact(gate_report):
    report, policy = gate_report
    outcome = apply_suppressions(evaluate(report, policy, retired_lookup(report)), GATE)
    assert places(outcome.violations) == {
        ("RS101", "shop/api.py", 4), ("RS101", "shop/api.py", 9), ("RS101", "shop/api.py", 19),
        ("RS201", "shop/api.py", 19),
        ("RS202", "shop/api.py", 19), ("RS203", "shop/api.py", 19),  # shown at their first evidence
        ("RS101", "shop/jobs.py", 3), ("RS103", "shop/jobs.py", 3),
        ("RS101", "shop/jobs.py", 7), ("RS103", "shop/jobs.py", 7), ("RS201", "shop/jobs.py", 7),
        ("RS302", "shop/jobs.py", 7),  # deepseek-chat, retired on 2026-07-24 (rules/lifecycle/deepseek.toml)
        ("RS101", "shop/search.py", 3), ("RS102", "shop/search.py", 3),
        ("RS101", "shop/search.py", 7), ("RS102", "shop/search.py", 7), ("RS201", "shop/search.py", 7),
        ("RS301", "shop/settings.py", 3),
    }
    # nothing inside the gateway, in qa/ (test_paths) or in the excluded scratch/ folder
    assert not {v.path for v in outcome.violations} & {"shop/llm/gateway.py", "qa/check_api.py", "scratch/try_groq.py"}


def test_one_violation_per_code_and_line_through_its_most_telling_finding(gate_report):
    report, policy = gate_report
    line7 = [v for v in evaluate(report, policy) if v.path == "shop/jobs.py" and v.line == 7]
    assert sorted(v.code for v in line7) == ["RS101", "RS103", "RS201"]
    assert all("chat.completions.create" in v.message for v in line7)  # the call, not its client or endpoint


def test_suppressions_are_counted_by_kind(gate_report):
    report, policy = gate_report
    outcome = apply_suppressions(evaluate(report, policy), GATE)
    silenced = {(v.code, v.path, v.line, how) for v, how in outcome.suppressed}
    assert silenced == {("RS101", "shop/reports.py", 3, "code"), ("RS101", "shop/reports.py", 7, "bare"),
                        ("RS201", "shop/reports.py", 7, "bare")}
    assert outcome.suppressed_counts() == {"code": 1, "bare": 2}


def test_repo_wide_limits_carry_their_evidence(gate_report):
    report, policy = gate_report
    by_code = {v.code: v for v in evaluate(report, policy) if v.code in ("RS202", "RS203")}
    assert by_code["RS202"].message.startswith("concentration HHI 6,543 is above the policy maximum 5,000")
    assert ("shop/llm/gateway.py", 12) in by_code["RS202"].evidence
    assert by_code["RS203"].vendor == "openai" and "44% of entry points stop" in by_code["RS203"].message
    assert ("shop/llm/gateway.py", 12) not in by_code["RS203"].evidence  # that site has a fallback
    assert by_code["RS203"].touches({"shop/reports.py"}) and not by_code["RS203"].touches({"README.md"})


def test_without_configuration_only_secrets_and_retired_models_are_checked():
    report = scan(FIXTURES / "repos" / "single_vendor")
    assert evaluate(report, Policy()) == []
    secrets = scan(FIXTURES / "repos" / "secrets_repo")
    assert {v.code for v in evaluate(secrets, Policy())} == {"RS301"}
    assert evaluate(secrets, Policy(no_secrets=False)) == []


def test_secrets_are_violations_in_every_scope_and_stay_redacted():
    finding = Finding("openai", "secret", "tests/test_x.py", 3, 4, detail="sk-pro…[REDACTED 48 chars]", scope="test")
    (violation,) = evaluate(_report([finding]), Policy())
    assert violation.code == "RS301" and "REDACTED" in violation.message


def _report(findings):
    return Report(root="r", findings=findings, skipped=[], files_scanned=1, lines_scanned=1, vendors={})


CALL = Finding("openai", "call", "app/x.py", 5, 0, detail="openai.OpenAI().chat.completions.create", feature="chat")


@pytest.mark.parametrize("finding, expected", [
    (CALL, {"RS101", "RS102", "RS201"}),
    (replace(CALL, has_fallback=True, fallback_to=("anthropic",)), {"RS101", "RS102"}),
    (replace(CALL, fallback_target=True), {"RS101", "RS102"}),  # runs only when another provider failed
    (replace(CALL, feature="client"), {"RS101", "RS102"}),  # constructing a client is no call site
    (replace(CALL, path="app/llm/gateway.py"), {"RS102", "RS201"}),
    (replace(CALL, kind="import", feature=None), {"RS101", "RS102"}),
    (replace(CALL, kind="import", feature=None, type_only=True), set()),
    (replace(CALL, scope="test"), set()),
    (replace(CALL, kind="model_string", feature="config", detail="gpt-4o"), {"RS102"}),  # a setting, not a use
    (replace(CALL, kind="env_var", feature=None, detail="OPENAI_API_KEY"), {"RS102"}),
    (replace(CALL, vendor="deepseek"), {"RS101", "RS103", "RS201"}),  # denied wins over not-allowed
])
def test_which_checks_a_finding_fails(finding, expected):
    policy = Policy(gateway_modules=("app/llm",), allowed_providers=("anthropic",), denied_providers=("deepseek",),
                    require_fallback=True)
    assert {v.code for v in evaluate(_report([finding]), policy)} == expected


def test_importing_the_projects_own_provider_module_is_not_direct_use(tmp_path):
    """`from shop.llm.openai_gateway import complete` uses the gateway; the gateway itself is what the policy checks."""
    (tmp_path / "shop" / "llm").mkdir(parents=True)
    for name in ("shop/__init__.py", "shop/llm/__init__.py"):
        (tmp_path / name).write_text("")
    (tmp_path / "shop/llm/openai_gateway.py").write_text(
        "import openai\n\n\ndef complete(p):\n    return openai.OpenAI().chat.completions.create(model=p, messages=[])\n")
    (tmp_path / "shop/api.py").write_text("from shop.llm.openai_gateway import complete\n\n\ndef answer(q):\n    return complete(q)\n")
    report = scan(tmp_path)
    assert ("shop/api.py", "import", "first-party") in {(f.path, f.kind, f.framework) for f in report.findings}  # attribution.py's
    policy = Policy(gateway_modules=("shop/llm",), require_fallback=True)
    assert places(evaluate(report, policy)) == {("RS201", "shop/llm/openai_gateway.py", 5)}


def test_retired_models_come_from_the_lifecycle_lookup():
    routed = Finding("anthropic", "model_string", "app/x.py", 3, 10, detail="anthropic/claude-2.1")
    current = replace(routed, line=4, detail="anthropic/claude-sonnet-4-5")
    retired = {"anthropic/claude-2.1": {"retire_date": "2025-07-21", "date_kind": "exact"}}
    found = evaluate(_report([routed, current]), Policy(), retired=lambda f: retired.get(f.detail))
    assert [(v.code, v.line, v.message) for v in found] == [
        ("RS302", 3, "model 'anthropic/claude-2.1' (anthropic) was switched off on 2025-07-21")]
    assert evaluate(_report([routed]), Policy(no_retired_models=False), retired=lambda f: {}) == []


def test_an_earliest_date_is_never_worded_as_retired():
    """`check` words a date as `scan` does (retirement_words): an earliest date only "may" be past."""
    routed = Finding("google", "model_string", "app/x.py", 3, 10, detail="gemini-2.5-flash")
    facts = {"retire_date": "2026-06-17", "date_kind": "earliest"}
    (violation,) = evaluate(_report([routed]), Policy(), retired=lambda f: facts)
    assert violation.message == "model 'gemini-2.5-flash' (google) may already be switched off (earliest date 2026-06-17)"
    assert "retired since" not in violation.message


@pytest.mark.parametrize("path, module, glob, inside", [
    ("app/llm/gateway.py", "app.llm.gateway", "app/llm/**", True),
    ("app/llm/gateway.py", "app.llm.gateway", "app/llm", True),
    ("app/llm/gateway.py", "app.llm.gateway", "app.llm", True),
    ("app/llm/gateway.py", "app.llm.gateway", "app.llm.*", True),
    ("app/llm/gateway.py", "app.llm.gateway", "app/llm/gateway.py", True),
    ("app/llmx/gateway.py", "app.llmx.gateway", "app/llm", False),
    ("app/llmx/gateway.py", "app.llmx.gateway", "app.llm", False),
    ("app/api.py", "app.api", "app/llm/**", False),
])
def test_gateway_globs(path, module, glob, inside):
    assert in_gateway(path, module, [glob]) is inside


@pytest.mark.parametrize("text, codes", [
    ("import openai", None),
    ("import openai  # riskscan: ignore", frozenset()),
    ("import openai  # riskscan: ignore[RS101]", frozenset({"RS101"})),
    ("import openai  # riskscan:ignore[rs101, RS201] -- reason", frozenset({"RS101", "RS201"})),
    ("import openai  # noqa  # riskscan: ignore[direct-sdk-outside-gateway]", frozenset({"DIRECT-SDK-OUTSIDE-GATEWAY"})),
])
def test_suppression_comments(text, codes):
    assert suppression(text) == codes


def test_a_suppression_for_another_code_does_not_silence(tmp_path):
    finding = replace(CALL, snippet="client.chat.completions.create()  # riskscan: ignore[RS201]")
    violations = evaluate(_report([finding]), Policy(gateway_modules=("app/llm",), require_fallback=True))
    outcome = apply_suppressions(violations, tmp_path)
    assert [v.code for v in outcome.violations] == ["RS101"] and outcome.suppressed_counts() == {"code": 1}


def test_long_lines_are_read_from_the_file_for_their_comment(tmp_path):
    line = "x = client.chat.completions.create(" + "a" * 300 + ")  # riskscan: ignore"
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "x.py").write_text("\n" * 4 + line + "\n")
    finding = replace(CALL, snippet=line[:240])
    outcome = apply_suppressions(evaluate(_report([finding]), Policy(require_fallback=True)), tmp_path)
    assert outcome.violations == [] and outcome.suppressed_counts() == {"bare": 1}


# ------------------------------------------------------------------ the code catalogue and its documentation
def test_codes_are_stable_unique_and_documented():
    assert [c.code for c in CHECKS] == ["RS101", "RS102", "RS103", "RS201", "RS202", "RS203", "RS301", "RS302"]
    assert len({c.slug for c in CHECKS}) == len(CHECKS)
    for check in CHECKS:
        assert re.fullmatch(r"RS[123]\d\d", check.code) and re.fullmatch(r"[a-z]+(-[a-z]+)+", check.slug)
        assert all(len(text) > 20 for text in (check.what, check.why, check.fix)) and check.example
        assert check.enabled_by in Policy.__dataclass_fields__


def test_docs_page_is_generated_from_the_catalogue():
    page = ROOT / "docs" / "policy-codes.md"
    assert page.read_text(encoding="utf-8") == render_markdown(), "run: riskscan codes --format markdown > docs/policy-codes.md"


def test_readme_lists_every_code():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for check in CHECKS:
        assert re.search(rf"\|\s*`?{check.code}`?\s*\|\s*`{check.slug}`", readme), check.code
    assert BY_CODE["RS101"].repo_wide is False and BY_CODE["RS202"].repo_wide is True


def test_the_gate_reads_retired_models_from_the_scans_lifecycle_findings():
    from types import SimpleNamespace

    routed = Finding("anthropic", "model_string", "app/x.py", 3, 10, detail="anthropic/claude-2.1")
    marker = SimpleNamespace(kind="lifecycle", check="retired", path="app/x.py", cell=None, line=3, column=10,
                             facts=(("retire_date", "2025-07-21"),))
    lookup = retired_lookup(_report([routed, marker]))
    if lookup is None:
        pytest.skip("riskscan.lifecycle is not installed")
    assert lookup(routed)["retire_date"] == "2025-07-21" and lookup(replace(routed, line=4)) is None
    (violation,) = evaluate(_report([routed]), Policy(), retired=lookup)
    assert violation.code == "RS302" and violation.message.endswith("was switched off on 2025-07-21")
