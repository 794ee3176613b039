"""Dependency manifests, legacy SDK APIs and lock-in classes: the manifests_* scenario repos and the parsers."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from riskscan.api import ScanOptions, scan
from riskscan.cli import main
from riskscan.manifests import pinned_below, poetry_specifier, read_manifests, upper_bound
from riskscan.model import DERIVED_KINDS

from conftest import FIXTURES, markdown_table

REPOS = FIXTURES / "repos"
AS_OF = "2026-11-23"  # the read date of the lifecycle data: EXPECTED.md files are written for it
SCENARIOS = sorted(p.name for p in REPOS.glob("manifests_*"))


def run(path, *extra, capsys):
    code = main(["scan", str(path), "--format", "json", "--no-cache", "-q", "--as-of", AS_OF, *extra])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


def expected_rows(scenario: str, heading: str) -> list:
    """The rows of one table in a scenario's EXPECTED.md, as lists of cells (backticks dropped)."""
    return markdown_table(REPOS / scenario / "EXPECTED.md", heading)


def test_every_manifest_scenario_has_an_expected_file():
    assert len(SCENARIOS) >= 5
    for scenario in SCENARIOS:
        assert (REPOS / scenario / "EXPECTED.md").is_file() and (REPOS / scenario / "README.md").is_file()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_reports_exactly_the_expected_dependency_and_lifecycle_findings(scenario, capsys):
    report = run(REPOS / scenario, capsys=capsys)
    found = {(f["path"], f["line"], f["vendor"], f["kind"], f["check"]) for f in report["findings"] if f["kind"] in DERIVED_KINDS}
    expected = {(r[0], int(r[1]), r[2], r[3], r[4]) for r in expected_rows(scenario, "Findings")}
    assert found == expected


def test_lock_in_classes_match_the_expected_table(capsys):
    report = run(REPOS / "manifests_setupcfg", capsys=capsys)
    found = {(f["path"], f["line"], f["lock_in_class"]) for f in report["findings"] if f["lock_in_class"]}
    assert found == {(r[0], int(r[1]), r[3]) for r in expected_rows("manifests_setupcfg", "Lock-in classes")}


def test_findings_carry_their_evidence_as_facts(capsys):
    report = run(REPOS / "manifests_pyproject", capsys=capsys)
    by_check = {(f["kind"], f["check"], f["line"]): f for f in report["findings"] if f.get("check")}
    unbounded = by_check[("manifest", "unbounded", 11)]
    assert unbounded["facts"]["locked"] == "1.55.3" and unbounded["facts"]["lock_file"] == "uv.lock"
    assert unbounded["severity"] == "low" and unbounded["rule_id"] == "openai.manifest"
    breaking = by_check[("manifest", "below_breaking", 12)]
    assert breaking["facts"]["breaking_release"] == "1.0.0" and breaking["severity"] == "medium"
    retired = by_check[("lifecycle", "retired", 22)]  # a date from Google's own page
    assert retired["model"] == "gemini-2.5-flash" and retired["severity"] == "high" and retired["facts"]["confirmed"]
    assert retired["facts"]["retire_date"] == "2026-06-17" and retired["facts"]["source_url"].startswith("https://ai.google.dev/")
    unconfirmed = by_check[("lifecycle", "retired", 17)]  # a date only third parties give: never high, never a gate
    assert unconfirmed["model"] == "claude-3-haiku-20240307" and unconfirmed["severity"] == "medium"
    assert unconfirmed["facts"]["confirmed"] is False and "unconfirmed" in unconfirmed["message"]
    # ordinary findings keep their shape: check and facts only appear on the new kinds
    call = next(f for f in report["findings"] if f["kind"] == "call" and f["line"] == 12)
    assert "check" not in call and call["model"] == "gpt-4o-2024-08-06" and call["lock_in_class"] is None


def test_report_lists_the_declared_ai_sdks_and_the_manifests_read(capsys):
    report = run(REPOS / "manifests_requirements", capsys=capsys)
    manifests = {m["path"]: m["kind"] for m in report["dependencies"]["manifests"]}
    assert manifests == {"requirements.txt": "requirements", "requirements-dev.txt": "requirements",
                         "requirements/base.txt": "requirements", "constraints.txt": "constraints",
                         "requirements-lock.txt": "compiled requirements"}
    sdks = {(s["name"], s["path"], s["line"]): s for s in report["dependencies"]["ai_sdks"]}
    openai = sdks[("openai", "requirements.txt", 4)]
    assert openai["upper_bound"] is True and openai["locked"] == "1.54.0"  # bounded by constraints.txt
    assert sdks[("groq", "requirements.txt", 6)]["specifier"] == "==0.11.0"
    assert report["dependencies"]["problems"] == []


def test_legacy_api_is_high_when_the_allowed_version_already_lacks_it(tmp_path, capsys):
    (tmp_path / "requirements.txt").write_text("openai>=1.0\n")
    (tmp_path / "old.py").write_text("import openai\n\nopenai.Completion.create(engine='davinci-002', prompt='hi')\n")
    report = run(tmp_path, capsys=capsys)
    legacy = next(f for f in report["findings"] if f["kind"] == "legacy_api")
    assert (legacy["line"], legacy["check"], legacy["severity"]) == (3, "removed", "high")
    assert legacy["facts"]["breaks_now"] is True and legacy["facts"]["removed_in"] == "1.0.0"
    retired = next(f for f in report["findings"] if f["kind"] == "lifecycle")
    assert retired["model"] == "davinci-002" and retired["check"] == "retired"  # `engine=` is the 0.x model argument


def test_assistants_shutdown_depends_on_the_as_of_date(tmp_path, capsys):
    (tmp_path / "bot.py").write_text("from openai import OpenAI\n\nOpenAI().beta.threads.create()\n")
    before = run(tmp_path, "--as-of", "2026-08-01", capsys=capsys)
    after = run(tmp_path, "--as-of", "2026-09-01", capsys=capsys)
    legacy = [f for f in before["findings"] if f["kind"] == "legacy_api"]
    assert [(f["check"], f["severity"], f["facts"]["breaks_now"]) for f in legacy] == [("shut_down", "medium", False)]
    legacy = [f for f in after["findings"] if f["kind"] == "legacy_api"]
    assert [(f["check"], f["severity"], f["facts"]["breaks_now"]) for f in legacy] == [("shut_down", "high", True)]
    assert "shut this API down on 2026-08-26" in legacy[0]["message"]


def test_no_manifest_means_no_undeclared_findings(tmp_path, capsys):
    (tmp_path / "script.py").write_text("import anthropic\n\nanthropic.Anthropic()\n")
    report = run(tmp_path, capsys=capsys)
    assert not [f for f in report["findings"] if f["kind"] == "manifest"]


def test_unreadable_manifests_are_problems_not_errors(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text("[project\nname = 'x'\n")
    (tmp_path / "requirements.txt").write_text("openai>=1.0\nthis is not a requirement\n-r ../outside.txt\n-r missing.txt\n")
    (tmp_path / "app.py").write_text("import openai\n")
    report = run(tmp_path, capsys=capsys)
    problems = {(p["path"], p["line"], p["message"].split(":")[0]) for p in report["dependencies"]["problems"]}
    assert problems == {("pyproject.toml", 1, "invalid TOML"), ("requirements.txt", 2, "requirement not understood, ignored"),
                        ("requirements.txt", 3, "include outside the scanned folder not read"),
                        ("requirements.txt", 4, "included file not found")}
    assert [s["path"] for s in report["dependencies"]["ai_sdks"]] == ["requirements.txt"]


# --- the parsers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("poetry,pep440", [
    ("^1.2.3", "<2,>=1.2.3"), ("^0.2.3", "<0.3,>=0.2.3"), ("^0.0.3", "<0.0.4,>=0.0.3"), ("^0", "<1,>=0"),
    ("~1.2.3", "<1.3,>=1.2.3"), ("~1", "<2,>=1"), ("1.2.*", "==1.2.*"), ("1.2.3", "==1.2.3"),
    (">=1,<2", "<2,>=1"), (">=1 <2", "<2,>=1"), ("*", ""), ("^1 || ^2", None),
])
def test_poetry_constraints_become_pep440(poetry, pep440):
    assert poetry_specifier(poetry) == pep440


@pytest.mark.parametrize("spec,below", [
    ("<1", True), ("<1.0.1", False), ("==0.28.1", True), ("~=0.28", True), ("~=1.2.3", False), ("==0.*", True),
    ("<=1.0", False), (">=0.27,<1.5", False), (">=1.0", False), ("!=1.5", False), ("", False),
])
def test_pinned_below_a_breaking_release(spec, below):
    assert pinned_below(SpecifierSet(spec), Version("1.0.0")) is below


def test_upper_bound_takes_the_tightest_clause():
    assert upper_bound(SpecifierSet(">=1,<3,<=2.5")) == (Version("2.5"), True)
    assert upper_bound(SpecifierSet(">=1")) is None


def test_requirements_lines_continuations_hashes_markers_and_include_cycles(tmp_path):
    (tmp_path / "requirements.txt").write_text(
        "# comment\n-r more.txt\nopenai==1.3.0 \\\n    --hash=sha256:abc \\\n    --hash=sha256:def\n"
        "anthropic>=0.40 ; python_version >= '3.9'  # trailing comment\n--extra-index-url https://example.org\n"
        "cohere @ https://example.org/cohere-5.0.tar.gz\n")
    (tmp_path / "more.txt").write_text("-r requirements.txt\nmistralai~=1.2\n")
    found = read_manifests(tmp_path)
    rows = {(d.name, d.path, d.line, d.specifier, d.marker, d.direct) for d in found.declarations}
    assert rows == {
        ("openai", "requirements.txt", 3, "==1.3.0", "", False),
        ("anthropic", "requirements.txt", 6, ">=0.40", 'python_version >= "3.9"', False),
        ("cohere", "requirements.txt", 8, "", "", True),
        ("mistralai", "more.txt", 2, "~=1.2", "", False),
    }
    assert found.problems == []


def test_pyproject_lines_point_at_the_entry_in_each_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["openai>=1"]\noptional-dependencies = { ai = ["openai>=1"] }\n\n'
        '[tool.poetry.dependencies]\npython = "^3.10"\n"anthropic" = { version = "^0.40", markers = "sys_platform != \'win32\'" }\n'
        '[tool.poetry.group.ml.dependencies]\ncohere = [{ version = "^5", python = ">=3.10" }, { version = "^4", python = "<3.10" }]\n')
    found = read_manifests(tmp_path)
    rows = sorted((d.name, d.line, d.group, d.specifier) for d in found.declarations)
    assert rows == [
        ("anthropic", 8, "main", "<0.41,>=0.40"), ("cohere", 10, "group:ml", "<5,>=4"), ("cohere", 10, "group:ml", "<6,>=5"),
        ("openai", 3, "main", ">=1"), ("openai", 4, "extra:ai", ">=1"),
    ]


# --- the model literal of vendor calls -----------------------------------------------------------

def test_vendor_calls_record_their_model_literal_and_keywords(tmp_path, catalogue):
    (tmp_path / "m.py").write_text(
        "from openai import OpenAI\nimport google.generativeai as genai\n\nMODEL = 'gpt-4.1'\nclient = OpenAI()\n"
        "client.responses.create(model=MODEL, input='x', previous_response_id='r')\n"
        "genai.GenerativeModel('gemini-1.5-pro')\nclient.embeddings.create(input='hello world')\n"
        "client.chat.completions.create(model=settings.model, messages=[])\n")
    report = scan(tmp_path, ScanOptions(jobs=1, as_of=date(2026, 11, 23)), catalogue)
    calls = {f.line: (f.model, f.arguments) for f in report.findings if f.kind == "call"}
    assert calls[6] == ("gpt-4.1", ("input", "model", "previous_response_id"))
    assert calls[7] == ("gemini-1.5-pro", ())
    assert calls[8] == (None, ("input",))  # a positional-free call with no model
    assert calls[9] == (None, ("messages", "model"))  # a model the scanner cannot know
    lock = {f.line: f.lock_in_class for f in report.findings if f.kind == "call"}
    assert lock[6] == "vendor_state" and lock[8] is None  # embeddings without an index in sight: no class


def test_a_context_cache_is_state_kept_at_the_vendor(tmp_path, catalogue):
    (tmp_path / "m.py").write_text(
        "from google import genai\nclient = genai.Client()\n"
        "client.caches.create(model='gemini-2.5-flash', config={})\nclient.aio.caches.get(name='c')\n"
        "client.models.generate_content(model='gemini-2.5-flash', contents='x')\n")
    report = scan(tmp_path, ScanOptions(jobs=1, as_of=date(2026, 11, 23)), catalogue)
    lock = {f.line: f.lock_in_class for f in report.findings if f.kind == "call"}
    assert lock[3] == lock[4] == "vendor_state" and lock[5] != "vendor_state"


def test_same_tree_same_day_same_bytes(tmp_path):
    outputs = []
    for name in ("a.json", "b.json"):
        out = tmp_path / name
        assert main(["scan", str(REPOS / "manifests_pyproject"), "--no-cache", "-q", "--as-of", AS_OF, "-o", str(out)]) == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert re.search(rb'"as_of": "2026-11-23"', outputs[0])


@pytest.mark.parametrize("header", [
    "# This file is autogenerated by pip-compile with Python 3.12\n# by the following command:\n",
    "# This file was autogenerated by uv via the following command:\n#    uv pip compile requirements.in\n",
])
def test_compiled_requirement_files_are_pins_not_declarations(tmp_path, header):
    (tmp_path / "requirements.txt").write_text(header + "openai==1.54.0\n    # via langchain-openai\nhttpx==0.27.0\n")
    found = read_manifests(tmp_path)
    assert found.declarations == [] and found.files == [("requirements.txt", "compiled requirements")]
    assert [(p.name, p.version, p.line) for p in found.pins] == [("openai", "1.54.0", 3), ("httpx", "0.27.0", 5)]


def test_lock_file_pins_point_at_each_package_s_own_entry(tmp_path):
    """A package is named first as another's dependency; its pin is where its own entry is. (Found
    in one pass: a search per package was quadratic, seconds on a large uv.lock.)"""
    (tmp_path / "uv.lock").write_text(
        'version = 1\n\n[[package]]\nname = "langchain-openai"\nversion = "0.3.0"\n'
        'dependencies = [\n    { name = "openai" },\n]\n\n[[package]]\nname = "openai"\nversion = "1.54.0"\n')
    (tmp_path / "Pipfile.lock").write_text(
        '{\n  "_meta": {"requires": {}},\n  "default": {\n    "anthropic": {\n      "version": "==0.40.0"\n    },\n'
        '    "openai": {\n      "version": "==1.54.0"\n    }\n  }\n}\n')
    found = read_manifests(tmp_path)
    pins = {(p.path, p.name): p.line for p in found.pins}
    assert pins == {("uv.lock", "langchain-openai"): 4, ("uv.lock", "openai"): 11,
                    ("Pipfile.lock", "anthropic"): 4, ("Pipfile.lock", "openai"): 7}
