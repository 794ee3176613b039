"""`riskscan check`, `baseline`, `diff` and `codes` end to end, as pre-commit and CI run them."""
from __future__ import annotations

import json
import shutil

import pytest

from riskscan.cli import main

from conftest import FIXTURES, ROOT

GATE = FIXTURES / "repos" / "policy_gate"
AS_OF = "2026-11-23"  # model retirements are judged on this day, so the expected violations stay put


@pytest.fixture()
def repo(tmp_path, monkeypatch):
    """A writable copy of the policy_gate repository, as the current folder."""
    target = tmp_path / "repo"
    shutil.copytree(GATE, target)
    monkeypatch.chdir(target)
    return target


def check(capsys, *args):
    code = main(["check", "--no-cache", "--as-of", AS_OF, "--format", "json", *args])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out.strip() else None), captured.err


def test_exit_1_with_violations_and_a_summary(repo, capsys):
    code, report, _ = check(capsys)
    assert code == 1
    assert report["summary"]["violations"] == 18 and report["summary"]["suppressed"] == 3
    assert report["summary"]["suppressed_bare"] == 2
    assert report["summary"]["by_code"] == {"RS101": 7, "RS102": 2, "RS103": 2, "RS201": 3, "RS202": 1, "RS203": 1, "RS301": 1, "RS302": 1}
    first = report["violations"][0]
    assert set(first) >= {"code", "slug", "message", "path", "line", "column", "fingerprint", "evidence"}


def test_only_violations_touching_the_given_files(repo, capsys):
    code, report, _ = check(capsys, "shop/search.py")
    assert code == 1
    assert {(v["code"], v["path"]) for v in report["violations"]} == {
        ("RS101", "shop/search.py"), ("RS102", "shop/search.py"), ("RS201", "shop/search.py")}
    assert report["summary"]["files_checked"] == 1


def test_a_repo_wide_limit_is_shown_at_the_changed_file(repo, capsys):
    code, report, _ = check(capsys, "shop/llm/gateway.py")
    assert code == 1
    assert [(v["code"], v["path"], v["line"]) for v in report["violations"]] == [("RS202", "shop/llm/gateway.py", 12)]


def test_clean_files_exit_0_and_text_output_is_one_line(repo, capsys):
    assert main(["check", "--no-cache", "--as-of", AS_OF, "qa/check_api.py", "shop/__init__.py"]) == 0
    assert capsys.readouterr().out == "riskscan check: no violations; 2 file(s) checked\n"


def test_changing_the_config_file_checks_everything(repo, capsys):
    code, report, _ = check(capsys, "pyproject.toml")
    assert code == 1 and report["summary"]["violations"] == 18


def test_exit_zero_and_usage_errors(repo, capsys, tmp_path):
    assert main(["check", "--no-cache", "--exit-zero"]) == 0
    capsys.readouterr()
    outside = tmp_path / "elsewhere.py"
    outside.write_text("import openai\n")
    assert main(["check", "--no-cache", str(outside)]) == 2
    assert "outside the checked folder" in capsys.readouterr().err
    assert main(["check", "--no-cache", "--format", "yaml"]) == 2


def test_per_file_checks_do_not_need_the_whole_tree_analysed(repo, capsys):
    """Without score limits, `check FILES` analyses only FILES (the cache supplies the rest when warm)."""
    text = (repo / "pyproject.toml").read_text().replace("max_hhi = 5000\n", "").replace("max_blast_radius = 0.4\n", "")
    (repo / "pyproject.toml").write_text(text)
    code, report, _ = check(capsys, "shop/settings.py")
    assert code == 1 and [v["code"] for v in report["violations"]] == ["RS301"]
    assert report["summary"]["files_scanned"] == 1


# ------------------------------------------------------------------ baseline
def test_baseline_survives_edits_above_and_reports_only_new_violations(repo, capsys):
    assert main(["baseline", "--no-cache", "--as-of", AS_OF, "-o", "known.json"]) == 0
    capsys.readouterr()
    data = json.loads((repo / "known.json").read_text())
    assert data["riskscan_version"] and data["rules_version"] and data["settings"]["gateway_modules"] == ["shop/llm/**"]
    assert len(data["violations"]) == 18 and not any("line" in entry for entry in data["violations"])

    search = repo / "shop" / "search.py"
    search.write_text("# moved down by a new header\n\n\n" + search.read_text())
    code, report, err = check(capsys, "--baseline", "known.json")
    assert code == 0 and report["summary"]["baselined"] == 18 and not err

    (repo / "shop" / "extra.py").write_text("import anthropic\n")
    code, report, _ = check(capsys, "--baseline", "known.json")
    assert code == 1 and [(v["code"], v["path"], v["line"]) for v in report["violations"]] == [("RS101", "shop/extra.py", 1)]


def test_a_second_identical_call_is_new_even_though_the_first_is_known(repo, capsys):
    assert main(["baseline", "--no-cache", "--as-of", AS_OF, "-o", "known.json"]) == 0
    search = repo / "shop" / "search.py"
    search.write_text(search.read_text() + "\n\ndef again(q, d):\n    return cohere.ClientV2().rerank(model='rerank-v3.5', query=q, documents=d)\n")
    code, report, _ = check(capsys, "--baseline", "known.json", "shop/search.py")
    assert code == 1 and {v["line"] for v in report["violations"]} == {11}


def test_baseline_from_config_and_a_note_when_the_policy_changed(repo, capsys):
    text = (repo / "pyproject.toml").read_text().replace('test_paths = ["qa/"]', 'test_paths = ["qa/"]\nbaseline = "known.json"')
    (repo / "pyproject.toml").write_text(text)
    assert main(["baseline", "--no-cache", "--as-of", AS_OF]) == 0 and (repo / "known.json").is_file()
    assert check(capsys)[0] == 0  # --baseline comes from the config
    (repo / "pyproject.toml").write_text(text.replace("require_fallback = true", "require_fallback = false"))
    code, _, err = check(capsys)
    assert code == 0 and "different policy settings" in err


def test_missing_or_invalid_baseline_is_a_usage_error(repo, capsys):
    assert main(["check", "--no-cache", "--baseline", "none.json"]) == 2
    assert "baseline file not found" in capsys.readouterr().err
    (repo / "bad.json").write_text("{}")
    assert main(["check", "--no-cache", "--baseline", "bad.json"]) == 2
    assert "not a riskscan baseline" in capsys.readouterr().err


# ------------------------------------------------------------------ diff
def scan_to(path, repo, capsys):
    assert main(["scan", str(repo), "--no-cache", "--format", "json", "-o", str(path)]) == 0
    capsys.readouterr()
    return path


def test_diff_reports_vendors_findings_and_scores_and_fails_only_when_risk_grew(repo, tmp_path, capsys):
    """A route served by a second provider spreads the risk; going back concentrates it again."""
    old = scan_to(tmp_path / "old.json", repo, capsys)
    (repo / "shop" / "translate.py").write_text(
        "import google.genai\n\n\ndef translate(text):\n"
        "    return google.genai.Client().models.generate_content(model='gemini-2.5-flash', contents=text)\n")
    api = repo / "shop" / "api.py"
    api.write_text(api.read_text() + "\n\n@app.post('/translate')\ndef translate_route(text: str) -> str:\n"
                   "    from shop.translate import translate\n    return translate(text)\n")
    new = scan_to(tmp_path / "new.json", repo, capsys)

    assert main(["diff", str(old), str(new), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["risk_grew"] is False and result["scores"]["risk"]["new"] < result["scores"]["risk"]["old"]
    assert result["vendors"] == {"added": ["google"], "removed": []}
    assert {(f["path"], f["kind"]) for f in result["findings"]["added"]} >= {("shop/translate.py", "import"), ("shop/translate.py", "call")}
    assert result["findings"]["removed"] == []

    assert main(["diff", str(new), str(old)]) == 1
    text = capsys.readouterr().out
    assert "- vendor google" in text and "(worse)" in text and text.rstrip().endswith("risk grew")


def test_diff_exit_code_follows_the_risk(tmp_path, capsys):
    def report(risk, findings=()):
        path = tmp_path / f"r{risk}.json"
        path.write_text(json.dumps({"schema_version": "1.0", "scores": {"risk": risk, "grade": "C"}, "vendors": [],
                                    "findings": list(findings)}))
        return path

    low, high = report(40.0), report(55.5)
    assert main(["diff", str(low), str(high)]) == 1
    assert "risk: 40.0 -> 55.5 (worse)" in capsys.readouterr().out
    assert main(["diff", str(high), str(low)]) == 0
    assert main(["diff", str(low), str(low)]) == 0


def test_moved_findings_are_not_added_or_removed(tmp_path, capsys):
    finding = {"path": "a.py", "line": 3, "vendor": "openai", "kind": "import", "detail": "openai", "function": None}
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps({"schema_version": "1.0", "findings": [finding], "vendors": [{"id": "openai"}]}))
    new.write_text(json.dumps({"schema_version": "1.0", "findings": [dict(finding, line=9)], "vendors": [{"id": "openai"}]}))
    assert main(["diff", str(old), str(new), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["findings"] == {"added": [], "removed": []}


def test_diff_of_something_that_is_not_a_report_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert main(["diff", str(bad), str(bad)]) == 2
    assert "is not a riskscan JSON report" in capsys.readouterr().err
    bad.write_text("{not json")
    assert main(["diff", str(bad), str(bad)]) == 2


def test_codes_command_prints_the_documentation(capsys):
    assert main(["codes", "--format", "markdown"]) == 0
    assert capsys.readouterr().out == (ROOT / "docs" / "policy-codes.md").read_text(encoding="utf-8")
