"""Configuration: where it is found, how it is validated, and how the command line overrides it."""
from __future__ import annotations

import json
import shutil
import textwrap

import pytest

from riskscan.cli import main
from riskscan.config import Config, find_config, load_config, section_view
from riskscan.errors import ConfigError

from conftest import FIXTURES

GATE = FIXTURES / "repos" / "policy_gate"


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def scan_json(path, *extra, capsys):
    code = main(["scan", str(path), "--format", "json", "--no-cache", *extra])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


# ------------------------------------------------------------------ finding the file
def test_riskscan_toml_wins_over_pyproject(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.riskscan]\njobs = 1\n")
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"
    write(tmp_path / "riskscan.toml", "jobs = 2\n")
    assert find_config(tmp_path) == tmp_path / "riskscan.toml"
    assert load_config(find_config(tmp_path)).data == {"jobs": 2}


def test_pyproject_without_a_riskscan_table_is_not_a_config(tmp_path):
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n[tool.ruff]\nline-length = 100\n")
    assert find_config(tmp_path) is None
    assert find_config(tmp_path / "app.py") is None  # a file's own folder is searched


def test_settings_of_a_parent_folder_do_not_leak_into_a_subfolder_scan(tmp_path):
    write(tmp_path / "riskscan.toml", "[policy]\ngateway_modules = ['x/**']\n")
    (tmp_path / "sub").mkdir()
    assert find_config(tmp_path / "sub") is None


# ------------------------------------------------------------------ validation
BAD = """
    [project]
    name = "x"

    [tool.black]
    jobs = 3

    [tool.riskscan]
    exclude = "build"
    jobz = 2

    [tool.riskscan.polcy]
    max_hhi = 1

    [tool.riskscan.policy]
    max_hhi = "high"
    max_blast_radius = 1.5
    scopes = ["prod", "staging"]

    [[tool.riskscan.entry_points]]
    target = "nocolon"
"""


def test_every_problem_is_reported_with_file_line_and_full_key(tmp_path):
    path = write(tmp_path / "pyproject.toml", BAD)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    lines = str(error.value).splitlines()
    assert lines == [
        f"{path}:8: tool.riskscan.exclude: expected a list, got str",
        f"{path}:9: tool.riskscan.jobz: unknown key (did you mean 'jobs'?)",
        f"{path}:11: tool.riskscan.polcy: unknown key (did you mean 'policy'?)",
        f"{path}:15: tool.riskscan.policy.max_hhi: expected a number, got str",
        f"{path}:16: tool.riskscan.policy.max_blast_radius: 1.5 is outside the allowed range [0, 1]",
        f"{path}:17: tool.riskscan.policy.scopes[1]: 'staging' is not one of prod, test, example",
        f"{path}:20: tool.riskscan.entry_points[0].target: 'nocolon' is not of the form 'package.module:function'",
    ]


def test_line_numbers_ignore_keys_of_other_tools(tmp_path):
    text = "[tool.black]\njobs = 3\n\n[tool.riskscan]\njobs = 'x'\n"
    assert section_view(text, "tool.riskscan").splitlines()[1] == ""
    path = write(tmp_path / "pyproject.toml", text)
    with pytest.raises(ConfigError, match=r"pyproject.toml:5: tool.riskscan.jobs: expected an integer, got str"):
        load_config(path)


def test_bad_toml_names_file_and_line_and_exits_2_without_traceback(tmp_path, capsys):
    write(tmp_path / "riskscan.toml", "exclude = ['a']\n[policy\n")
    assert main(["check", "--root", str(tmp_path), "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("riskscan: error: ") and "riskscan.toml:2: invalid TOML" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["scan", "check", "baseline", "graph"])
def test_every_scanning_command_rejects_a_bad_config_with_exit_2(tmp_path, capsys, command):
    write(tmp_path / "riskscan.toml", "[policy]\nrequire_fallbak = true\n")
    args = [command, "--root", str(tmp_path)] if command == "check" else [command, str(tmp_path)]
    assert main(args) == 2
    assert "riskscan.toml:2: policy.require_fallbak: unknown key (did you mean 'require_fallback'?)" in capsys.readouterr().err


def test_unknown_provider_ids_get_a_close_match(tmp_path, capsys):
    write(tmp_path / "riskscan.toml", "[policy]\nallowed_providers = ['openai', 'antropic']\n")
    assert main(["check", "--root", str(tmp_path), "--no-cache"]) == 2
    assert ("riskscan.toml:2: policy.allowed_providers[1]: unknown provider 'antropic' (did you mean 'anthropic'?)"
            in capsys.readouterr().err)


def test_explicit_config_file(tmp_path, capsys):
    shutil.copytree(GATE, tmp_path / "repo")
    config = write(tmp_path / "ci.toml", "[policy]\ndenied_providers = ['cohere']\nno_secrets = false\nno_retired_models = false\n")
    assert main(["check", "--root", str(tmp_path / "repo"), "--config", str(config), "--no-cache", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {v["code"] for v in report["violations"]} == {"RS103"}


def test_missing_explicit_config_is_a_usage_error(tmp_path, capsys):
    assert main(["check", "--root", str(tmp_path), "--config", str(tmp_path / "nope.toml")]) == 2


# ------------------------------------------------------------------ what the settings do
def test_config_sets_excludes_scopes_entry_points_and_criticality(capsys):
    report = scan_json(GATE, capsys=capsys)
    paths = {f["path"] for f in report["findings"]}
    assert "scratch/try_groq.py" not in paths  # exclude = ["scratch/"]
    assert {f["scope"] for f in report["findings"] if f["path"].startswith("qa/")} == {"test"}  # test_paths
    entries = {e["name"]: e for e in report["entry_points"]}
    assert entries["nightly"]["kind"] == "task" and entries["nightly"]["criticality"] == 2  # declared
    assert entries["describe"]["criticality"] == 3 and entries["answer"]["criticality"] == 3  # "shop/api.py:*" = 3
    assert entries["shop-report"]["criticality"] == 1.0
    # OpenAI is reached by answer (3), describe (3), shop-report (1); DeepSeek by nightly (2)
    assert report["scores"]["concentration_hhi"] == pytest.approx(10_000 * ((7 / 9) ** 2 + (2 / 9) ** 2), abs=0.1)


def test_command_line_options_override_the_config(capsys):
    report = scan_json(GATE, "--exclude", "qa/", capsys=capsys)
    paths = {f["path"] for f in report["findings"]}
    assert "scratch/try_groq.py" in paths and not any(p.startswith("qa/") for p in paths)


def test_rule_directories_are_relative_to_the_config_file(tmp_path, capsys):
    write(tmp_path / "riskscan.toml", "rules = ['missing-rules']\n")
    assert main(["scan", str(tmp_path), "--no-cache"]) == 2
    assert str(tmp_path / "missing-rules") in capsys.readouterr().err


def test_an_unresolvable_declared_entry_point_is_a_warning_with_its_line(tmp_path, capsys):
    write(tmp_path / "app.py", "def run():\n    pass\n")
    write(tmp_path / "riskscan.toml", "[[entry_points]]\ntarget = 'app:run'\n\n[[entry_points]]\ntarget = 'app:gone'\n")
    assert main(["scan", str(tmp_path), "--no-cache", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "riskscan.toml:5: entry_points[1].target: 'app:gone' is not a function of the scanned code" in captured.err
    assert [e["name"] for e in json.loads(captured.out)["entry_points"]] == ["run"]


def test_default_map_uses_click_parameter_names(tmp_path):
    config = Config({"exclude": ["a"], "rules": ["r"], "gitignore": False, "jobs": 2, "baseline": "b.json"},
                    tmp_path / "riskscan.toml")
    assert config.default_map() == {"exclude": ["a"], "jobs": 2, "rule_dirs": [str(tmp_path / "r")],
                                    "no_gitignore": True, "baseline": str(tmp_path / "b.json")}
    assert "baseline" not in config.default_map("scan")  # `scan --baseline` is a previous report, not this


def test_the_check_baseline_setting_does_not_reach_scan(tmp_path, capsys):
    write(tmp_path / "riskscan.toml", "baseline = 'riskscan-baseline.json'\n")
    write(tmp_path / "app.py", "import openai\n")
    assert main(["scan", str(tmp_path), "--no-cache", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"]


def test_tool_table_in_riskscan_toml_is_explained_with_its_line(tmp_path, capsys):
    from riskscan.cli import main

    (tmp_path / "riskscan.toml").write_text('# settings\n[tool.riskscan]\nexclude = ["x"]\n')
    assert main(["scan", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "riskscan.toml:2: tool: unknown key" in err and "top level" in err and "Traceback" not in err
