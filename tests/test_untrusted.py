"""A repository under an attacker's control, and a user under faults: the scanner is not weakened, the
gate is not fooled, nothing hangs, every input error is exit 2 (1 only ever means the verdict), nothing
is written outside, and no terminal obeys what a repository wrote. One test (at least) per class of issue 14."""
from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from riskscan import cli, globs
from riskscan.api import ScanOptions, scan
from riskscan.render import FORMATS, render

from conftest import FIXTURES
from hostile_support import unsafe_characters, write
from redaction_support import key_of, leaks

NB = {"metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def notebook(*sources, outputs=()) -> str:
    cells = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": list(outputs), "source": source}
             for source in sources]
    return json.dumps(dict(NB, cells=cells))


def run(args, capsys) -> tuple:
    code = cli.main([str(a) for a in args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err, out.err
    return code, out.out, out.err


def findings(report, path):
    return sorted((f.cell, f.line, f.kind, f.vendor) for f in report.findings if f.path == path)


# ---------------------------------------------------------------- 2. the repository cannot weaken the scanner
def test_a_repositorys_own_rules_add_vendors_but_cannot_weaken_redaction_or_inject_markup(tmp_path, capsys):
    key = key_of("openai")
    repo = tmp_path / "repo"
    write(repo / "riskscan.toml", 'rules = ["house-rules"]\nexclude = ["house-rules/"]\n')
    write(repo / "house-rules" / "vendors" / "acme.toml", "\n".join([
        'id = "acme"', 'name = "Acme *bold* [x](javascript:alert(1))"', 'company = "Acme"', 'kind = "gateway"',
        'references = ["https://acme.example/docs>[click](javascript:alert(1))<img/src=x/onerror=alert(1)>"]',
        "[sdk]", 'import_roots = ["acme_sdk"]',
        "[[secrets]]", 'name = "masks four characters, and sorts first"', 'pattern = "sk-p(?=roj-)' + "(?:)" * 40 + '"', ""]))
    write(repo / "app.py", f'import acme_sdk\nfrom openai import OpenAI\nclient = OpenAI(api_key="{key}")\n')
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    outputs = [out_dir / f"r{ext}" for ext in (".txt", ".json", ".sarif", ".md", ".html", ".cdx.json")]
    code, _, err = run(["scan", repo, "--no-cache", "-q", *[f"-o{p}" for p in outputs]], capsys)
    assert code == 0, err
    texts = {p.name: p.read_text(encoding="utf-8") for p in outputs}
    assert {name: leaks(text, key) for name, text in texts.items() if leaks(text, key)} == {}
    report = json.loads(texts["r.json"])
    assert "acme" in {v["id"] for v in report["vendors"]}  # the repository may add a vendor
    rules = json.loads(texts["r.sarif"])["runs"][0]["tool"]["driver"]["rules"]
    help_md = "\n".join(rule["help"]["markdown"] for rule in rules)
    assert not re.search(r"(?<!\\)\]\(javascript:", help_md) and "<img" not in help_md and "*bold*" not in help_md


@pytest.mark.parametrize("pattern", ["^(a+)+$", "(a|aa)+x", "(.*a){12}", "a+b", "x*y*z*q", "(a)\\\\1"])
def test_rule_patterns_that_backtrack_are_refused_with_file_line_and_key(tmp_path, capsys, pattern):
    rules = tmp_path / "rules" / "vendors"
    write(rules / "acme.toml", "\n".join(['id = "acme"', 'name = "Acme"', 'company = "Acme"', 'kind = "gateway"',
                                          "[[secrets]]", 'name = "k"', f'pattern = "{pattern}"', ""]))
    code, _, err = run(["rules", "--rules", rules.parent], capsys)
    assert code == 2 and "acme.toml:7: secrets[0].pattern: the pattern is refused" in err, err


# ---------------------------------------------------------------- 3. paths are keys; escaped only when printed
def test_a_file_name_with_a_control_character_cannot_hide_a_file_from_the_gate(tmp_path, capsys):
    key = key_of("openai")
    repo = tmp_path / "repo"
    write(repo / "riskscan.toml", '[policy]\ndenied_providers = ["deepseek"]\n')
    write(repo / "a\x01.py", f'from openai import OpenAI\nc = OpenAI(base_url="https://api.deepseek.com")\nK = "{key}"\n')
    write(repo / "a\\x01.py", "x = 1\n")  # a decoy whose name spells the escape of the other
    code, out, _ = run(["check", "--root", repo, "--no-cache"], capsys)
    assert code == 1 and "RS103" in out and "RS301" in out, out
    assert "a\\x01.py:2" in out and "\x01" not in out  # shown escaped
    code, out, _ = run(["check", "--root", repo, "--no-cache", "--format", "json"], capsys)
    paths = {v["path"] for v in json.loads(out)["violations"]}
    assert paths == {"a\x01.py"}  # the exact name, as JSON escapes it


# ---------------------------------------------------------------- 5. no regular-expression denial of service
def test_gitignore_globs_that_backtrack_cannot_stall_a_scan(tmp_path, monkeypatch):
    line = "*a*a*a*a*a*a*a*a*b"
    assert globs.backtracks(line) and not globs.backtracks("**/build/*.py")
    monkeypatch.setattr(globs, "linear_engine", lambda: False)  # without google-re2 the line is left out
    spec = globs.spec([line, "*.pyc"])
    assert globs.matches(spec, "x.pyc") and not globs.matches(spec, "a" * 200 + ".py")
    repo = tmp_path / "repo"
    write(repo / ".gitignore", line + "\n")
    write(repo / ("a" * 200 + ".py"), "import openai\n")
    write(repo / "riskscan.toml", f'exclude = ["{line}"]\ntest_paths = ["{line}"]\n')
    # a hang detector, not a timing assertion: with RE2, or without it, this finishes at once
    result = subprocess.run([sys.executable, "-m", "riskscan", "scan", str(repo), "--no-cache", "-q", "--format", "json"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["files_scanned"] == 1


def test_undecodable_file_names_match_globs_with_either_engine(tmp_path):
    for engine in (True, False):
        globs.linear_engine.cache_clear()
        spec = globs.spec(["caf?.py"]) if engine else globs.pathspec.GitIgnoreSpec.from_lines(["caf?.py"], backend="simple")
        assert globs.matches(spec, "caf\udce9.py")
    globs.linear_engine.cache_clear()


# ---------------------------------------------------------------- 6. every input error is exit 2, never a traceback
DEEP = "[" * 100_000 + "]" * 100_000


def _scan_json(repo, capsys) -> dict:
    code, out, err = run(["scan", repo, "--no-cache", "--format", "json"], capsys)
    assert code == 0, err
    return json.loads(out)


def test_deep_or_huge_data_files_are_reported_and_the_scan_goes_on(tmp_path, capsys):
    repo = tmp_path / "repo"
    write(repo / "app.py", "import openai\n")
    write(repo / "deep.ipynb", json.dumps(dict(NB, cells=[])).replace('"cells": []', f'"cells": [], "x": {DEEP}'))
    write(repo / "pyproject.toml", f'[project]\nname = "x"\nversion = "{"9" * 5000}"\n[tool.other]\ny = {DEEP}\n')
    write(repo / "sub" / "pyproject.toml", f'[project]\nname = "y"\ndependencies = ["openai"]\nz = {"9" * 5000}\n')
    write(repo / "sub" / "uv.lock", f"version = 1\nx = {DEEP}\n")
    write(repo / "sub" / "Pipfile.lock", DEEP)
    write(repo / "sub" / "x.py", "import openai\n")
    outside = write(tmp_path / "elsewhere" / "requirements.txt", "openai==1.0\n")
    os.symlink(outside, repo / "requirements.txt")
    report = _scan_json(repo, capsys)
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert "nested too deeply" in skipped["deep.ipynb"]
    problems = {p["path"]: p["message"] for p in report["dependencies"]["problems"]}
    assert {"pyproject.toml", "sub/pyproject.toml", "sub/uv.lock", "sub/Pipfile.lock", "requirements.txt"} <= set(problems)
    assert "outside the scanned folder" in problems["requirements.txt"]


@pytest.mark.parametrize("config", [
    f"jobs = {'9' * 5000}\n", f"exclude = {DEEP}\n", "max_file_size = 1e400\n", f"max_file_size = {2 ** 70}\n",
    "[policy]\nmax_hhi = nan\n", "[policy]\nmax_hhi = inf\n", "[policy]\nmax_blast_radius = -nan\n",
    "[criticality]\n'api/*' = inf\n",
])
def test_a_configuration_the_parser_or_the_limits_refuse_is_exit_2(tmp_path, capsys, config):
    repo = tmp_path / "repo"
    write(repo / "app.py", "import openai\n")
    write(repo / "riskscan.toml", config)
    for command in (["scan", repo], ["check", "--root", repo]):
        code, out, err = run([*command, "--no-cache"], capsys)
        assert code == 2 and "riskscan.toml" in err and out == "", err


CONFIG_MESSAGES = {  # (pyproject.toml, messages): class 9 (nan/inf limits) and class 10 (a key in the wrong table)
    "limits": ("[tool.riskscan.policy]\nrequire_fallback = true\nmax_hhi = nan\nmax_blast_radius = inf\n",
               ["pyproject.toml:3: tool.riskscan.policy.max_hhi: nan is not a finite number",
                "pyproject.toml:4: tool.riskscan.policy.max_blast_radius: inf is not a finite number"]),
    "tables": ("[tool.riskscan]\nmax_hhi = 5000\n[tool.riskscan.policy]\nexclude = ['x/']\n",
               ["pyproject.toml:2: tool.riskscan.max_hhi: unknown key; did you mean [tool.riskscan.policy]?",
                "pyproject.toml:4: tool.riskscan.policy.exclude: unknown key; did you mean [tool.riskscan]?"]),
}


@pytest.mark.parametrize("case", sorted(CONFIG_MESSAGES))
def test_configuration_messages_name_file_line_key_and_where_a_key_belongs(tmp_path, capsys, case):
    text, messages = CONFIG_MESSAGES[case]
    repo = tmp_path / "repo"
    write(repo / "app.py", "import openai\n")
    write(repo / "pyproject.toml", text)
    code, _, err = run(["check", "--root", repo, "--no-cache"], capsys)
    assert code == 2 and all(message in err for message in messages), err


def test_baselines_and_reports_of_the_wrong_shape_are_exit_2(tmp_path, capsys):
    repo = FIXTURES / "repos" / "policy_gate"
    report = tmp_path / "report.json"
    assert run(["scan", repo, "--no-cache", "-q", "-o", report], capsys)[0] == 0
    data = json.loads(report.read_text())
    cases = {
        "deep.json": DEEP,
        "types.json": json.dumps(dict(data, vendors="openai", findings=[1, {"path": ["x"]}])),
        "scores.json": json.dumps(dict(data, scores={"risk": "high", "grade": 3})),
        "nograde.json": json.dumps(dict(data, scores={k: v for k, v in data["scores"].items() if k != "grade"})),
        "huge.json": '{"schema_version": "1.0", "findings": [], "x": ' + "9" * 5000 + "}",
    }
    for name, text in cases.items():
        bad = tmp_path / name
        bad.write_text(text)
        assert run(["diff", report, bad], capsys)[0] in ((0,) if name == "nograde.json" else (2,)), name
        assert run(["diff", bad, report, "--format", "json"], capsys)[0] in ((0, 1) if name == "nograde.json" else (2,)), name
        for fmt in ("html", "markdown"):
            code, _, err = run(["scan", repo, "--no-cache", "-q", "--baseline", bad, "--format", fmt], capsys)
            assert code == 2 and name in err, (name, err)
        baseline = tmp_path / f"baseline-{name}"
        baseline.write_text(text if name != "types.json" else json.dumps({"riskscan_baseline": 1, "violations": [DEEP[:10]],
                                                                         "settings": [1]}))
        code, _, err = run(["check", "--root", repo, "--no-cache", "--baseline", baseline], capsys)
        assert code in ((1,) if name == "types.json" else (2,)), (name, err)


def test_an_internal_error_is_exit_2_with_a_hint_never_1(tmp_path, capsys, monkeypatch):
    from riskscan import gate

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(gate, "evaluate", broken)
    write(tmp_path / "app.py", "import openai\n")
    code = cli.main(["check", "--root", str(tmp_path), "--no-cache"])
    err = capsys.readouterr().err
    assert code == 2 and "internal error: KeyError" in err and "--debug" in err and "Traceback" not in err


# ---------------------------------------------------------------- 7. nothing written outside, nothing replaced
def test_an_output_that_is_a_symlink_is_written_through(tmp_path, capsys):
    target = tmp_path / "elsewhere" / "report.json"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "report.json"
    os.symlink(target, link)
    assert run(["scan", FIXTURES / "repos" / "single_vendor", "--no-cache", "-q", "-o", link], capsys)[0] == 0
    assert link.is_symlink() and json.loads(target.read_text())["schema_version"]


def test_an_output_that_is_a_fifo_is_written_into_not_replaced(tmp_path, capsys):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    try:
        assert run(["scan", FIXTURES / "repos" / "single_vendor", "--no-cache", "-q", "-o", fifo], capsys)[0] == 0
    finally:
        reader.join(timeout=60)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(received[0])["schema_version"]


def test_reports_follow_the_umask_and_keep_an_existing_reports_mode(tmp_path, capsys):
    previous = os.umask(0o022)
    try:
        new, kept = tmp_path / "new.json", tmp_path / "kept.json"
        kept.write_text("{}\n")
        kept.chmod(0o640)
        for target in (new, kept):
            assert run(["scan", FIXTURES / "repos" / "single_vendor", "--no-cache", "-q", "-o", target], capsys)[0] == 0
        assert stat.S_IMODE(new.stat().st_mode) == 0o644
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    finally:
        os.umask(previous)


# ---------------------------------------------------------------- 8. no terminal injection
OSC = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"


def test_messages_escape_what_configs_rule_files_and_paths_say(tmp_path, capsys):
    repo = tmp_path / "repo"
    write(repo / "app.py", "import openai\n")
    write(repo / "riskscan.toml", '"\\u001b]0;pwned\\u0007" = 1\n[[entry_points]]\ntarget = "app:f"\nkind = "\\u001b[2J"\n')
    code, out, err = run(["scan", repo, "--no-cache"], capsys)
    assert code == 2 and unsafe_characters(err) == [] and "\\x1b]0;pwned\\x07" in err
    (repo / "riskscan.toml").unlink()
    code, out, err = run(["baseline", repo, "-o", tmp_path / f"base{CLEAR}.json", "--no-cache"], capsys)
    assert code == 0 and unsafe_characters(err) == [] and "\\x1b[2J" in err
    rules = tmp_path / "rules" / "vendors"
    write(rules / "acme.toml", f'id = "acme"\nname = "Acme{OSC}"\ncompany = "A{CLEAR}"\nkind = "gateway"\n'
                               .replace("\x1b", "\\u001b").replace("\x07", "\\u0007"))
    for fmt in ("text", "json"):
        code, out, err = run(["rules", "--rules", rules.parent, "--format", fmt], capsys)
        assert code == 0 and unsafe_characters(out + err) == [], fmt
    code, out, err = run(["diff", tmp_path / f"old{OSC}.json", tmp_path / "new.json"], capsys)  # click's own usage error
    assert code == 2 and unsafe_characters(err) == [] and "old\\x1b]0;pwned\\x07.json" in err


def test_an_osc_sequence_in_a_file_name_reaches_no_report_file(tmp_path, capsys):
    repo = tmp_path / "repo"
    write(repo / f"title{OSC}.py", "import openai\nopenai.OpenAI().chat.completions.create(model='gpt-4o', messages=[])\n")
    outputs = [tmp_path / f"r{ext}" for ext in (".txt", ".json", ".sarif", ".md", ".html", ".cdx.json")]
    assert run(["scan", repo, "--no-cache", "-q", *[f"-o{p}" for p in outputs]], capsys)[0] == 0
    for path in outputs:
        assert unsafe_characters(path.read_text(encoding="utf-8").replace("\x1b[", "")) == [] and "\x1b" not in path.read_text()
    code, out, err = run(["check", "--root", repo, "--no-cache", "--format", "sarif"], capsys)
    assert "\x1b" not in out + err


# ---------------------------------------------------------------- 9. right answers on valid input
def test_check_of_a_folder_or_a_missing_file_never_says_no_violations(tmp_path, capsys, monkeypatch):
    repo = FIXTURES / "repos" / "policy_gate"
    monkeypatch.chdir(repo)
    code, out, _ = run(["check", "shop", "--no-cache", "--as-of", "2026-11-23"], capsys)
    assert code == 1 and "RS101" in out and "no violations" not in out
    code, out, err = run(["check", "missing.py", "--no-cache"], capsys)
    assert code == 2 and "missing.py: no such file" in err and "no violations" not in out


def test_a_lone_cr_in_a_cell_does_not_shift_later_cells(tmp_path, catalogue):
    repo = tmp_path / "repo"
    write(repo / "nb.ipynb", notebook("x = 1\ry = 2\rz = 3\n", ["import os\n", "\n", "import openai\n"]))
    report = scan(repo, ScanOptions(jobs=1), catalogue)
    assert findings(report, "nb.ipynb") == [(2, 3, "import", "openai")]


def test_a_notebook_large_because_of_its_outputs_is_judged_by_its_code(tmp_path, catalogue):
    image = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo" * 30_000}}
    repo = tmp_path / "repo"
    write(repo / "plots.ipynb", notebook(["import anthropic\n", "anthropic.Anthropic()\n"], outputs=[image]))
    write(repo / "big.ipynb", notebook(["x = 1\n" * 40_000]))
    report = scan(repo, ScanOptions(jobs=1, max_bytes=100_000), catalogue)
    assert (repo / "plots.ipynb").stat().st_size > 100_000
    assert ("plots.ipynb") in {f.path for f in report.findings}
    assert [s.path for s in report.skipped] == ["big.ipynb"] and "code cells" in report.skipped[0].reason


# ---------------------------------------------------------------- 10. newcomer friction
def test_ipython_lines_skip_only_themselves_and_a_broken_cell_is_named(tmp_path, catalogue):
    repo = tmp_path / "repo"
    write(repo / "nb.ipynb", notebook(
        ["pip install -U openai\n", "%pip install anthropic\n", "import openai\n"],
        ["%%time\n", "client = openai.OpenAI()\n"],
        ["files = !ls\n", "client?\n", "openai.OpenAI.chat??\n", "import anthropic\n"],
        ["%%bash\n", "pip install groq\n"],
    ))
    report = scan(repo, ScanOptions(jobs=1), catalogue)
    assert report.skipped == []
    assert {(cell, line, kind) for cell, line, kind, _ in findings(report, "nb.ipynb")} >= {
        (1, 3, "import"), (2, 2, "call"), (3, 4, "import")}
    write(repo / "nb.ipynb", notebook(["import openai\n"], ["pip = 3\n"], ["def broken(:\n"], ["import anthropic\n"]))
    report = scan(repo, ScanOptions(jobs=1), catalogue)
    assert report.skipped == []  # only the broken cell is left out (tests/test_notebook_cells.py)
    assert [(s.cell, s.reason.split(":")[0]) for s in report.partly_skipped] == [(3, "syntax error")]
    assert {(cell, kind, vendor) for cell, _, kind, vendor in findings(report, "nb.ipynb")} >= {
        (1, "import", "openai"), (4, "import", "anthropic")}


def test_scanning_a_file_that_is_not_python_says_so(tmp_path, capsys):
    write(tmp_path / "README.md", "# hello\n")
    code, _, err = run(["scan", tmp_path / "README.md", "--no-cache"], capsys)
    assert code == 2 and "README.md is not a Python file" in err
    write(tmp_path / "tool", "#!/usr/bin/env python3\nimport openai\n")
    assert run(["scan", tmp_path / "tool", "--no-cache", "-q"], capsys)[0] == 0


def test_check_writes_sarif_that_the_schema_accepts(capsys, monkeypatch):
    import jsonschema

    schema = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text())
    monkeypatch.chdir(FIXTURES / "repos" / "policy_gate")
    code, out, _ = run(["check", "--no-cache", "--format", "sarif", "--as-of", "2026-11-23"], capsys)
    assert code == 1
    sarif = json.loads(out)
    jsonschema.validate(sarif, schema)
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"RS101", "RS103", "RS301"}
    assert all(r["partialFingerprints"]["riskscan/check/v1"] for r in results)


def test_scan_fail_on_a_grade_or_the_policy(capsys):
    app = FIXTURES / "example_app"
    code, _, _ = run(["scan", app, "--no-cache", "-q", "--as-of", "2026-11-23"], capsys)
    assert code == 0  # without --fail-on a scan only reports
    grade = json.loads(run(["scan", app, "--no-cache", "--format", "json", "--as-of", "2026-11-23"], capsys)[1])["scores"]["grade"]
    worse = "ABCDF"[min("ABCDF".index(grade) + 1, 4)]
    assert run(["scan", app, "--no-cache", "-q", "--as-of", "2026-11-23", "--fail-on", grade], capsys)[0] == 1
    if worse != grade:
        assert run(["scan", app, "--no-cache", "-q", "--as-of", "2026-11-23", "--fail-on", worse.lower()], capsys)[0] == 0
    gate = FIXTURES / "repos" / "policy_gate"
    code, _, err = run(["scan", gate, "--no-cache", "-q", "--as-of", "2026-11-23", "--fail-on", "policy"], capsys)
    assert code == 1 and "policy violation" in err
    assert run(["scan", FIXTURES / "repos" / "single_vendor", "--no-cache", "-q", "--fail-on", "policy"], capsys)[0] == 0


def test_every_format_renders_a_report_of_hostile_names_without_raw_controls(tmp_path, catalogue):
    repo = tmp_path / "repo"
    write(repo / f"n{CLEAR}\n.py", "import openai\n")
    report = scan(repo, ScanOptions(jobs=1), catalogue)
    for fmt in FORMATS:
        text = render(report, fmt)
        assert "\x1b[2J" not in text and unsafe_characters(text.replace("\x1b[", "")) == [], fmt
