"""CycloneDX 1.6 AI-BOM: validated against the official schema that cyclonedx-python-lib ships (offline)."""
from __future__ import annotations

import json
from functools import lru_cache

import pytest

from riskscan.render import render

from report_support import REPOS, example_report, hostile_report, scanned

validation = pytest.importorskip("cyclonedx.validation.json",
                                 reason="cyclonedx-python-lib[json-validation] is a test dependency (pip install -e '.[test]')")
SchemaVersion = pytest.importorskip("cyclonedx.schema").SchemaVersion


@lru_cache(maxsize=1)
def validator():
    return validation.JsonStrictValidator(SchemaVersion.V1_6)


def assert_valid(text: str) -> None:
    error = validator().validate_str(text)
    assert error is None, str(getattr(error, "data", error))[:2000]


def bom_of(report) -> dict:
    text = render(report, "cyclonedx")
    assert_valid(text)
    return json.loads(text)


def test_providers_are_services_sdks_are_components_models_are_models():
    bom = bom_of(example_report())
    assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.6"
    services = {s["name"]: s for s in bom["services"]}
    assert {"OpenAI", "Anthropic", "Ollama"} <= set(services)
    assert "http://localhost:11434/v1" in services["Ollama"]["endpoints"]
    libraries = {c["name"]: c for c in bom["components"] if c["type"] in ("library", "framework")}
    assert libraries["openai"]["purl"] == "pkg:pypi/openai" and libraries["anthropic"]["purl"] == "pkg:pypi/anthropic"
    assert libraries["google.genai"]["purl"] == "pkg:pypi/google-genai"
    models = {c["name"] for c in bom["components"] if c["type"] == "machine-learning-model"}
    assert {"gpt-4o-2024-08-06", "text-embedding-3-small"} <= models


def test_components_carry_their_evidence_and_dependencies_resolve():
    bom = bom_of(example_report())
    openai = next(c for c in bom["components"] if c["name"] == "openai")
    places = {(o["location"], o["line"]) for o in openai["evidence"]["occurrences"]}
    assert ("supportdesk/llm/gateway.py", 29) in places
    assert openai["evidence"]["identity"][0]["methods"][0]["technique"] == "source-code-analysis"
    refs = {c["bom-ref"] for c in bom["components"]} | {s["bom-ref"] for s in bom["services"]} | {"application"}
    for dependency in bom["dependencies"]:
        assert dependency["ref"] in refs and set(dependency["dependsOn"]) <= refs
    uses = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
    assert set(uses["lib:openai"]) == {"service:openai", "service:ollama"}  # the openai SDK also reaches Ollama


def test_bom_is_reproducible_and_holds_no_secret():
    report = scanned(str(REPOS / "secrets_repo"))
    first, second = render(report, "cyclonedx"), render(report, "cyclonedx")
    assert first == second and json.loads(first)["serialNumber"].startswith("urn:uuid:")
    assert_valid(first)
    assert "FAKEFAKEFAKEFAKE" not in first


def test_hostile_names_stay_valid(tmp_path):
    bom = bom_of(hostile_report(tmp_path))
    assert any("</script>" in c["name"] for c in bom["components"] if c["type"] == "machine-learning-model")
