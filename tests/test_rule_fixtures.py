"""Every rule file has an annotated fixture with the same stem; findings must match exactly.

The comparison is of (line, vendor, kind) sets, so a false positive cannot hide behind a miss
(bandit's count-based examples can); `# todo-expect:` marks known misses that must stay missing
until fixed, so fixing one forces the annotation to be updated.
"""
from __future__ import annotations

import pytest

from riskscan.api import ScanOptions, scan
from riskscan.model import DERIVED_KINDS
from riskscan.ruleset import builtin_rules_dir, rule_files

from conftest import FIXTURES, read_annotations

RULE_FILES = [(kind, path) for kind, path in rule_files(builtin_rules_dir()) if kind != "learned"]  # learned files have their own tests
# What vendor and router rules produce; model lifecycle and legacy-API findings have their own tests.
EVIDENCE_KINDS = ("import", "call", "adapter", "model_string", "endpoint", "env_var", "secret")


def _fixture_for(kind, rule_path):
    return FIXTURES / ("vendors" if kind == "vendor" else "routers") / f"{rule_path.stem}.py"


@pytest.mark.parametrize("kind,rule_path", RULE_FILES, ids=[p.stem for _, p in RULE_FILES])
def test_fixture_findings_match_annotations(kind, rule_path, catalogue):
    fixture = _fixture_for(kind, rule_path)
    assert fixture.is_file(), f"{rule_path.name} has no annotated fixture {fixture.relative_to(FIXTURES.parent)}"
    expected, _, todo = read_annotations(fixture)
    report = scan(fixture, ScanOptions(jobs=1), catalogue=catalogue)
    assert not report.skipped, report.skipped
    # what the vendor and router rules find; the lifecycle and legacy tables have their own tests
    found = {(f.line, f.vendor, f.kind) for f in report.findings if f.kind not in DERIVED_KINDS}
    missing = sorted(expected - found)
    unexpected = sorted(found - expected - todo)
    fixed_todos = sorted(found & todo)
    assert not missing and not unexpected and not fixed_todos, (
        f"\n{fixture.name}: missing {missing}\nunexpected {unexpected}\ntodo now found (turn into expect) {fixed_todos}"
    )


@pytest.mark.parametrize("kind,rule_path", RULE_FILES, ids=[p.stem for _, p in RULE_FILES])
def test_fixture_has_positive_and_negative_cases(kind, rule_path):
    fixture = _fixture_for(kind, rule_path)
    if not fixture.is_file():
        pytest.fail(f"missing fixture {fixture}")
    expected, ok_lines, _ = read_annotations(fixture)
    assert expected, f"{fixture.name} has no `# expect:` line"
    assert ok_lines, f"{fixture.name} has no `# ok:` line (lookalikes that must stay silent)"


def test_every_fixture_has_a_rule_file():
    stems = {p.stem for _, p in RULE_FILES}
    for fixture in list((FIXTURES / "vendors").glob("*.py")) + list((FIXTURES / "routers").glob("*.py")):
        if fixture.stem != "__init__":
            assert fixture.stem in stems, f"{fixture} has no rule file"
