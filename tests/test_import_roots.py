"""Module names from import roots: sub-projects of a monorepo and their PEP 420 namespace packages."""
from __future__ import annotations

import json

from conftest import FIXTURES

from riskscan.cli import main
from riskscan.discover import discover, first_party_names, module_names

MONOREPO = FIXTURES / "repos" / "namespace_monorepo"


def test_a_sub_project_names_its_modules_from_its_import_root_with_namespace_folders():
    files = list(discover(MONOREPO))
    names = module_names(files)
    assert names["libs/openai/src/acme_ai/openai/base.py"] == "acme_ai.openai.base"  # src/ of the sub-project
    assert names["libs/openai/src/acme_ai/openai/__init__.py"] == "acme_ai.openai"
    assert names["libs/core/acme_ai/core/prompts.py"] == "acme_ai.core.prompts"  # no src/: the project folder
    assert names["services/api/api/main.py"] == "api.main"
    first_party = first_party_names(files)
    assert "acme_ai" in first_party and "api" in first_party
    assert "openai" not in first_party  # acme_ai/openai/ is no top-level `openai` shadowing the SDK


def test_the_sdk_is_found_and_imports_resolve_across_sub_projects(capsys):
    assert main(["scan", str(MONOREPO), "--format", "json", "--no-cache", "-q", "--as-of", "2026-12-03"]) == 0
    report = json.loads(capsys.readouterr().out)
    calls = {(f["path"], f["line"]) for f in report["findings"] if f["kind"] == "call" and f.get("feature") == "chat"}
    assert calls == {("libs/openai/src/acme_ai/openai/base.py", 12)}
    entry = {e["name"]: e for e in report["entry_points"]}
    assert entry["ask"]["vendors"] == ["openai"]  # services/api -> acme_ai.openai -> OpenAIChat.ask
