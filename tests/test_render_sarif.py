"""SARIF 2.1.0: valid against the official schema (a copy in tests/schemas), and useful to code scanning."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest

from riskscan.api import ScanOptions, scan
from riskscan.render import render
from riskscan.render.sarif import LEVELS

from conftest import FIXTURES
from report_support import HOSTILE, REPOS, example_report, hostile_report, scanned

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test dependency (pip install -e '.[test]')")
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def sarif_of(report) -> dict:
    return json.loads(render(report, "sarif"))


def assert_valid(document: dict) -> None:
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


@pytest.mark.parametrize("repo", ["example_app", "repos/secrets_repo", "repos/syntax_errors", "repos/first_party_shadow"])
def test_sarif_is_valid_against_the_official_schema(repo):
    assert_valid(sarif_of(scanned(str(FIXTURES / repo))))


def test_hostile_names_stay_valid_and_relative(tmp_path):
    document = sarif_of(hostile_report(tmp_path))
    assert_valid(document)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"]]
    assert f"{HOSTILE}.py" in {unquote(u) for u in uris}
    assert all(" " not in u and "<" not in u for u in uris)  # percent-encoded, a valid URI reference


def test_levels_follow_severity_and_rules_carry_help():
    document = sarif_of(scanned(str(REPOS / "secrets_repo")))
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert result["level"] == LEVELS[result["properties"]["severity"]]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert {r["level"] for r in run["results"]} >= {"error", "warning"}
    secret = next(rule for rule in rules if rule["id"].endswith(".secret"))
    assert secret["defaultConfiguration"]["level"] == "error" and "security" in secret["properties"]["tags"]
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert "What to do" in rule["help"]["text"] and "**Why it matters.**" in rule["help"]["markdown"]


def test_uris_are_relative_posix_paths_under_the_source_root():
    run = sarif_of(example_report())["runs"][0]
    locations = [r["locations"][0]["physicalLocation"] for r in run["results"]]
    for location in locations:
        uri = location["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "file:")) and "\\" not in uri and ":" not in uri
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        if uri.endswith(".ipynb"):
            assert "region" not in location  # lines count within a cell, not within the file
        else:
            assert location["region"]["startLine"] >= 1 and location["region"]["startColumn"] >= 1
    assert "%SRCROOT%" in run["originalUriBaseIds"]


def test_skipped_files_are_tool_configuration_notifications():
    run = sarif_of(scanned(str(REPOS / "syntax_errors")))["runs"][0]
    notes = run["invocations"][0]["toolConfigurationNotifications"]
    assert {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes} == {"blob.py", "broken.py"}
    assert all(n["descriptor"]["id"] == "skipped-file" and n["level"] == "warning" for n in notes)
    assert "syntax error" in next(n["message"]["text"] for n in notes if "broken.py" in n["message"]["text"])
    assert run["invocations"][0]["executionSuccessful"] is True


def test_fingerprints_survive_lines_added_above(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(REPOS / "single_vendor", repo)
    before = sarif_of(scan(repo, ScanOptions(jobs=1)))["runs"][0]["results"]
    app = repo / "app.py"
    app.write_text("# a comment\n# another one\n\n" + app.read_text(encoding="utf-8"), encoding="utf-8")
    after = sarif_of(scan(repo, ScanOptions(jobs=1)))["runs"][0]["results"]

    def prints(results):
        return {r["partialFingerprints"]["riskscan/v1"] for r in results}

    def lines(results):
        return {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results}

    assert prints(before) == prints(after) and len(prints(before)) == len(before)
    assert lines(before) != lines(after)
