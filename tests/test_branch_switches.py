"""A client an if/else rebinds to another provider's: the request after the `if` stays with the
default binding, and the branch's provider is a configuration alternative (extract/branches.py,
switches.branch_switches), the same from a fresh scan and from the per-file cache."""
from __future__ import annotations

import json

from conftest import FIXTURES
from scan_support import scan_output as scan

from riskscan.cli import main

APP = FIXTURES / "repos" / "branch_switch_app"


def _sites(data, path=None) -> set:
    return {(f["path"], f["line"], f["vendor"], f["feature"], f["fallback_kind"], tuple(f["switchable_to"]))
            for f in data["findings"] if f["is_call_site"] and (path is None or f["path"] == path)}


def test_default_client_keeps_the_call_and_the_branch_is_a_switch(capsys):
    data = scan(APP, "json", capsys)
    assert _sites(data) == {
        ("assistant/llm.py", 11, "openai", "chat", "config", ("azure_openai",)),
        ("assistant/llm.py", 18, "openai", "embeddings", None, ()),  # two OpenAI clients: no switch
    }
    assert [(s["path"], s["line"], s["kind"], s["vendors"]) for s in data["switches"]] == [
        ("assistant/llm.py", 11, "branch", ["azure_openai", "openai"])]
    entries = {e["name"]: (e["vendors"], e["switchable_vendors"]) for e in data["entry_points"]}
    assert entries == {"ask": (["openai"], ["azure_openai"]), "vector": (["openai"], [])}
    assert (data["scores"]["call_sites"], data["scores"]["call_sites_switchable"]) == (2, 1)


def test_each_kind_of_branch_in_the_class_fixture(capsys):
    data = scan(FIXTURES / "classes", "json", capsys)
    assert _sites(data, "client_branches.py") == {
        ("client_branches.py", 15, "openai", "chat", "config", ("azure_openai",)),  # default before the `if`
        ("client_branches.py", 23, "openai", "chat", "config", ("azure_openai",)),  # if/else: the last binding
        ("client_branches.py", 32, "openai", "models", "config", ("anthropic", "azure_openai")),  # elif chain
        ("client_branches.py", 39, "openai", "embeddings", None, ()),  # same provider both ways
        ("client_branches.py", 47, "anthropic", "models", None, ()),  # except handler: not a switch
    }


def test_cached_scan_gives_the_same_switch(tmp_path, capsys):
    cache = tmp_path / "cache"
    outputs = []
    for _ in range(2):  # cold, then every file's result read back from the cache
        assert main(["scan", str(APP), "-q", "--cache-dir", str(cache), "--as-of", "2026-12-03", "--format", "json"]) == 0
        outputs.append(capsys.readouterr().out)
    assert any(cache.rglob("*")) and outputs[0] == outputs[1]
    cached = json.loads(outputs[1])
    assert ("assistant/llm.py", 11, "openai", "chat", "config", ("azure_openai",)) in _sites(cached)
