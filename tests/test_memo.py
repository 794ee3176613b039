"""The run memo: a command whose inputs are unchanged writes the same outputs without analysing,
and any change to an input (any file of the tree, an option, the configuration, the rules, the
day) makes it compute again. Also `riskscan graph`: the cache, its memo, --collapse."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from riskscan import cache, cli

from conftest import FIXTURES

FORMATS = ("json", "sarif", "md", "html", "txt")


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A copy of a repository with manifests and a lock file; files written a moment ago count as
    settled (the memo normally waits two seconds after a change, see cache.RACY_SECONDS)."""
    monkeypatch.setattr(cache, "RACY_SECONDS", -3600.0)
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "repos" / "manifests_pyproject", root)
    return root


def _scan(root, out, *extra) -> dict:
    """Every report format of one CLI scan with the cache at out/cache: {suffix: text}."""
    out.mkdir(exist_ok=True)
    args = ["scan", str(root), "-q", "--as-of", "2026-11-23", "--cache-dir", str(out / "cache"), *extra]
    for suffix in FORMATS:
        args += ["-o", str(out / f"report.{suffix}")]
    assert cli.main(args) == 0
    return {suffix: (out / f"report.{suffix}").read_text() for suffix in FORMATS}


def _counting(monkeypatch) -> list:
    """Calls of the pipeline from the CLI, recorded (and still run)."""
    calls = []
    real = cli.scan
    monkeypatch.setattr(cli, "scan", lambda *args: calls.append(args) or real(*args))
    return calls


def test_an_unchanged_tree_is_answered_by_the_memo_with_the_same_outputs(repo, tmp_path, monkeypatch):
    first = _scan(repo, tmp_path / "a")
    calls = _counting(monkeypatch)
    assert _scan(repo, tmp_path / "a") == first
    assert calls == []  # nothing was analysed
    assert _scan(repo, tmp_path / "b", "--no-cache") == first


CHANGES = {
    "a python file": lambda root: (root / "notes" / "llm.py").write_text("import anthropic\nanthropic.Anthropic()\n"),
    "a new python file": lambda root: (root / "notes" / "extra.py").write_text("import cohere\n"),
    "the lock file": lambda root: (root / "uv.lock").write_text((root / "uv.lock").read_text().replace("1.", "0.", 1)),
    "the manifest": lambda root: (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace('"openai>=1.40"', '"openai"')),
    "the configuration": lambda root: (root / "riskscan.toml").write_text('test_paths = ["notes/**"]\n'),
    "a .gitignore": lambda root: (root / ".gitignore").write_text("notes/\n"),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_any_change_to_the_tree_is_computed_again(repo, tmp_path, monkeypatch, change):
    assert (repo / "notes" / "llm.py").exists()
    before = _scan(repo, tmp_path / "a")
    CHANGES[change](repo)
    calls = _counting(monkeypatch)
    after = _scan(repo, tmp_path / "a")
    assert len(calls) == 1
    assert after == _scan(repo, tmp_path / "fresh", "--no-cache")
    assert after != before or change in ("the configuration",)  # the configuration may change nothing visible


@pytest.mark.parametrize("options", [("--no-prefilter",), ("--as-of", "2027-12-31"), ("--exclude", "notes/**"),
                                     ("--retiring-within", "5"), ("--max-file-size", "10")])
def test_a_different_option_is_computed_again(repo, tmp_path, monkeypatch, options):
    _scan(repo, tmp_path / "a")
    expected = _scan(repo, tmp_path / "fresh", "--no-cache", *options)
    calls = _counting(monkeypatch)
    assert _scan(repo, tmp_path / "a", *options) == expected
    assert len(calls) == 1


def test_changed_rules_are_computed_again(repo, tmp_path, monkeypatch):
    rules = tmp_path / "rules" / "vendors"
    rules.mkdir(parents=True)
    _scan(repo, tmp_path / "a", "--rules", str(rules.parent))
    template = (Path(__file__).resolve().parent.parent / "rules" / "vendors" / "avian.toml").read_text()
    (rules / "acme.toml").write_text(template.replace("avian", "acme").replace("AVIAN", "ACME"))
    calls = _counting(monkeypatch)
    _scan(repo, tmp_path / "a", "--rules", str(rules.parent))
    assert len(calls) == 1


def test_a_folder_the_gitignore_lists_is_not_signed_but_a_manifest_read_there_is(repo, tmp_path, monkeypatch):
    """A scan reads nothing of an ignored folder (data, build output): a change there is not a
    change of the inputs, and signing the tree does not walk it. Except a requirements file that
    a manifest includes from there: it is checked before the memo answers."""
    (repo / ".gitignore").write_text("data/\nvendored/\n")
    (repo / "data" / "deep").mkdir(parents=True)
    (repo / "data" / "deep" / "rows.py").write_text("import cohere\n")
    (repo / "vendored").mkdir()
    (repo / "vendored" / "base.txt").write_text("mistralai\n")
    (repo / "requirements.txt").write_text("-r vendored/base.txt\n")
    walked = []
    real_scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: walked.append(str(path)) or real_scandir(path))
    first = _scan(repo, tmp_path / "a")
    assert not any("data" in Path(folder).parts for folder in walked)
    (repo / "data" / "deep" / "rows.py").write_text("import openai\n")
    calls = _counting(monkeypatch)
    assert _scan(repo, tmp_path / "a") == first
    assert calls == []
    (repo / "vendored" / "base.txt").write_text("mistralai>=2\ngroq\n")
    after = _scan(repo, tmp_path / "a")
    assert len(calls) == 1
    assert after == _scan(repo, tmp_path / "fresh", "--no-cache") != first


def test_a_tree_that_just_changed_is_not_remembered(tmp_path, monkeypatch):
    """A file changed within the last seconds may change again without its timestamps moving."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "repos" / "single_vendor", root)
    _scan(root, tmp_path / "a")
    calls = _counting(monkeypatch)
    _scan(root, tmp_path / "a")
    assert len(calls) == 1  # written a moment ago: computed again


# ---------------------------------------------------------------- riskscan graph
def _graph(root, cache_dir, *extra) -> str:
    out = cache_dir.parent / "graph.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    assert cli.main(["graph", str(root), "--format", "json", "-o", str(out), "--cache-dir", str(cache_dir), *extra]) == 0
    return out.read_text()


def test_graph_uses_the_cache_and_its_memo(repo, tmp_path, monkeypatch):
    _scan(repo, tmp_path / "a")  # fills the per-file cache
    from riskscan import api

    analysed = []
    real = api.analyse_file
    monkeypatch.setattr(api, "analyse_file", lambda *args: analysed.append(args[0].relpath) or real(*args))
    first = _graph(repo, tmp_path / "a" / "cache")
    assert analysed == []  # every file came from the cache, empty ones too
    calls = _counting(monkeypatch)
    assert _graph(repo, tmp_path / "a" / "cache") == first
    assert calls == []  # and the second export from the graph's memo
    assert _graph(repo, tmp_path / "b" / "cache", "--no-cache") == first


def _nodes_and_edges(text: str) -> tuple:
    data = json.loads(text)
    nodes = {node["id"]: node for node in data["nodes"]}
    return nodes, [(link["source"], link["target"], link) for link in data["links"]]


def test_graph_collapses_functions_into_modules_and_modules_into_packages(tmp_path):
    root = tmp_path / "repo"
    files = {
        "svc/__init__.py": "",
        "svc/llm.py": "import openai\ndef ask(q):\n    return openai.OpenAI().chat.completions.create(model='gpt-4o', messages=[])\n"
                      "def ask_twice(q):\n    return ask(q) + ask(q)\n",
        "svc/web/__init__.py": "",
        "svc/web/routes.py": "from flask import Flask\nfrom svc.llm import ask\napp = Flask(__name__)\n"
                             "@app.get('/a')\ndef route():\n    return ask('x')\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    full, _ = _nodes_and_edges(_graph(root, tmp_path / "c1", "--no-cache"))
    modules, edges = _nodes_and_edges(_graph(root, tmp_path / "c2", "--no-cache", "--collapse", "module"))
    assert any(node["type"] == "function" for node in full.values())
    assert {node["type"] for node in modules.values()} == {"module", "vendor", "entry"}
    pairs = {(source, target): link for source, target, link in edges}
    calls = pairs[("module:svc.web.routes", "module:svc.llm")]
    assert calls["kind"] == "calls"  # the call wins over the import between the same modules
    assert pairs[("module:svc.llm", "vendor:openai")]["kind"] == "touches"
    assert pairs[("entry:svc/web/routes.py:5:route", "module:svc.web.routes")]["kind"] == "runs"
    assert not any(source == target for source, target, _ in edges)
    packages, package_edges = _nodes_and_edges(_graph(root, tmp_path / "c3", "--no-cache", "--collapse", "package"))
    assert {name for name, node in packages.items() if node["type"] == "package"} == {"package:svc", "package:svc.web"}
    assert ("package:svc.web", "package:svc") in {(s, t) for s, t, _ in package_edges}


def test_graph_formats_with_collapse(tmp_path):
    for fmt in ("dot", "graphml", "json"):
        out = tmp_path / f"g.{fmt}"
        assert cli.main(["graph", str(FIXTURES / "example_app"), "--no-cache", "--collapse", "package",
                         "--format", fmt, "-o", str(out)]) == 0
        assert os.path.getsize(out) > 0
