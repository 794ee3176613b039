"""End to end: the `riskscan` command over the fixture repositories, as a user or CI runs it."""
from __future__ import annotations

import json
import subprocess
import sys

from riskscan.cli import main

from conftest import FIXTURES, ROOT

REPOS = FIXTURES / "repos"


def scan_json(path, *extra, capsys=None):
    code = main(["scan", str(path), "--format", "json", *extra])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


def facts(report):
    return {(f["path"], f["line"], f["vendor"], f["kind"]) for f in report["findings"]}


def test_single_vendor_app_grades_f(capsys):
    report = scan_json(REPOS / "single_vendor", capsys=capsys)
    assert {("app.py", 4, "openai", "import"), ("app.py", 16, "openai", "call"), ("app.py", 27, "openai", "call"),
            ("config.py", 5, "openai", "env_var")} <= facts(report)
    assert {f["vendor"] for f in report["findings"]} == {"openai"}
    assert report["scores"]["grade"] == "F" and report["scores"]["risk"] >= 80
    assert report["scores"]["concentration_hhi"] == 10000
    routes = {e["name"]: e for e in report["entry_points"] if e["kind"] == "http"}
    assert set(routes) == {"ask", "rewrite"}
    assert all(e["unprotected_vendors"] == ["openai"] for e in routes.values())


def test_diversified_gateway_with_fallbacks_grades_a_or_b(capsys):
    report = scan_json(REPOS / "diversified_gateway", capsys=capsys)
    strings = {(f["line"], f["vendor"]) for f in report["findings"] if f["kind"] == "model_string"}
    assert strings == {(16, "openai"), (20, "google"), (24, "anthropic")}
    assert report["scores"]["grade"] in ("A", "B")
    assert report["scores"]["blast_radius_max"] == 0
    for entry in report["entry_points"]:
        assert entry["vendors"] and entry["unprotected_vendors"] == []


def test_src_layout_console_script_reaches_vendor_through_reexport(capsys):
    report = scan_json(REPOS / "src_layout", capsys=capsys)
    assert {("src/acme/client.py", 5, "anthropic", "import"), ("src/acme/client.py", 14, "anthropic", "call")} <= facts(report)
    scripts = [e for e in report["entry_points"] if e["kind"] == "script"]
    assert [(e["name"], e["vendors"]) for e in scripts] == [("acme-ask", ["anthropic"])]


def test_first_party_module_named_openai_is_silent(capsys):
    report = scan_json(REPOS / "first_party_shadow", capsys=capsys)
    assert report["findings"] == []


def test_vendored_and_build_folders_are_not_scanned(capsys):
    for hidden in (".venv/lib/python3.11/site-packages/x/y.py", "node_modules/pkg/z.py", "build/lib/w.py", "dist/v.py"):
        assert (REPOS / "vendored_dirs" / hidden).is_file(), f"fixture file missing (git add -f?): {hidden}"
    report = scan_json(REPOS / "vendored_dirs", capsys=capsys)
    assert {f["path"] for f in report["findings"]} == {"app.py"}
    assert {f["vendor"] for f in report["findings"]} == {"cohere"}


def test_bad_files_are_listed_and_the_rest_is_scanned(capsys):
    report = scan_json(REPOS / "syntax_errors", capsys=capsys)
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert set(skipped) == {"blob.py", "broken.py"}
    assert skipped["broken.py"].startswith("syntax error") and "binary" in skipped["blob.py"]
    paths = {f["path"] for f in report["findings"]}
    assert {"good.py", "modern.py", "latin1.py"} <= paths and not paths & {"blob.py", "broken.py"}


def test_secrets_never_appear_in_any_output(capsys, tmp_path):
    source = (REPOS / "secrets_repo" / "compare.py").read_text()
    keys = [line.split('"')[1] for line in source.splitlines() if line.startswith(("OPENAI_KEY", "ANTHROPIC_KEY"))]
    assert keys and all(len(k) > 40 for k in keys)
    from riskscan.render import FORMATS

    for fmt in FORMATS:  # every report format
        out_file = tmp_path / f"report.{fmt}"
        assert main(["scan", str(REPOS / "secrets_repo"), "--format", fmt, "--output", str(out_file)]) == 0
        text = out_file.read_text() + capsys.readouterr().out
        assert "REDACTED" in text or fmt == "cyclonedx"  # the AI-BOM lists no keys at all
        for key in keys:
            assert key not in text and key[12:40] not in text


def test_example_app_end_to_end(capsys):
    report = scan_json(FIXTURES / "example_app", capsys=capsys)
    assert report["schema_version"] == "1.0"
    vendors = {v["id"] for v in report["vendors"]}
    assert vendors == {"openai", "anthropic", "google", "ollama"}
    entries = {e["name"]: e for e in report["entry_points"]}
    assert entries["health"]["vendors"] == []  # the /health route calls no AI vendor
    # /chat calls OpenAI and falls back to Anthropic: it reaches both, and neither stops it (issue 12)
    assert entries["chat"]["vendors"] == ["anthropic", "openai"] and entries["chat"]["unprotected_vendors"] == []
    assert entries["chat"]["fallback_vendors"] == ["anthropic"]
    assert entries["summarize"]["unprotected_vendors"] == ["openai"]
    assert entries["translate_reply"]["vendors"] == ["google"]
    assert entries["draft_reply"]["vendors"] == ["ollama"]
    assert [s["path"] for s in report["skipped"]] == ["supportdesk/legacy/py2_script.py"]
    assert not any(f["path"].startswith("build/") for f in report["findings"])
    scopes = {f["path"].split("/")[0]: f["scope"] for f in report["findings"]}
    assert scopes["tests"] == "test" and scopes["examples"] == "example"
    assert report["scores"]["grade"] in "ABCDF" and report["scores"]["reasons"]


def test_two_scans_give_identical_json(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for out in (first, second):
        assert main(["scan", str(FIXTURES / "example_app"), "--format", "json", "-o", str(out)]) == 0
    assert first.read_bytes() == second.read_bytes()


def test_missing_path_is_a_usage_error(capsys):
    assert main(["scan", "/nonexistent/riskscan-path"]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err


def test_unknown_option_is_a_usage_error(capsys):
    assert main(["scan", "--format", "yaml", "."]) == 2


def test_repository_without_python_says_so(tmp_path, capsys):
    (tmp_path / "README.md").write_text("no code here")
    assert main(["scan", str(tmp_path)]) == 0
    assert "No AI vendor touchpoints found" in capsys.readouterr().out


def test_scan_writes_nothing_into_the_scanned_tree(tmp_path, capsys):
    import shutil

    tree = tmp_path / "repo"
    shutil.copytree(REPOS / "single_vendor", tree)
    before = sorted(p.relative_to(tree) for p in tree.rglob("*"))
    assert main(["scan", str(tree), "--format", "json"]) == 0
    capsys.readouterr()
    assert sorted(p.relative_to(tree) for p in tree.rglob("*")) == before


def test_graph_export_formats(capsys):
    for fmt, marker in (("dot", "digraph riskscan"), ("graphml", "<graphml"), ("json", '"links"')):
        assert main(["graph", str(FIXTURES / "example_app"), "--format", fmt]) in (0, None)
        assert marker in capsys.readouterr().out


def test_python_dash_m_entry_point():
    result = subprocess.run([sys.executable, "-m", "riskscan", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and "riskscan" in result.stdout


def test_the_terminal_never_cuts_a_vendor_name_and_counts_in_english(tmp_path, capsys):
    (tmp_path / "app.py").write_text(
        "import litellm\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        '@app.post("/ask")\ndef ask(q: str):\n    return litellm.completion(model="dashscope/qwen-max", messages=[])\n')
    assert main(["scan", str(tmp_path), "--no-cache", "--as-of", "2026-11-23"]) == 0
    out = capsys.readouterr().out
    table = out[out.index("\nvendor "):].splitlines()
    name = "Alibaba Cloud Model Studio (DashScope)"  # the catalogue's longest vendor name
    row = next(line for line in table if line.startswith(name))
    assert row.split(name, 1)[1].split() == ["cloud_platform", "1", "1", "1", "1", "0"]
    assert table[1].index("kind") == len(name) + 1  # every column after the name is sized to it
    assert "\n1 entry point:\n" in out and "1 entry points" not in out
