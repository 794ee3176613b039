"""The model lifecycle catalogue (rules/lifecycle/): validation, lookups, the as-of date, gates and the calendar."""
from __future__ import annotations

import json
from datetime import date

import pytest

from riskscan.api import ScanOptions, scan
from riskscan.cli import main
from riskscan.lifecycle import load_lifecycle, model_use, on_domain, retired_lookup, retirement_calendar
from riskscan.model import Finding

from conftest import FIXTURES, SHARED


@pytest.fixture(scope="module")
def lifecycle(catalogue):
    return load_lifecycle((), frozenset(catalogue.vendors))


def use(vendor, kind, detail, model=None):
    return Finding(vendor=vendor, kind=kind, path="a.py", line=1, column=0, detail=detail, model=model)


@pytest.mark.parametrize("operator,model,expected", [
    ("openai", "gpt-4.1-nano", "2026-10-23"),
    ("openai", "o4-mini-deep-research-2025-06-26", "2026-07-23"),  # the longer glob beats o4-mini*
    ("openai", "o4-mini", "2026-10-23"),
    ("openai", "gpt-5-2025-08-07", "2026-12-11"),  # a dated snapshot through a glob
    ("openai", "ft:gpt-4o-2024-08-06:acme::abc", "2027-01-14"),  # fine-tunes retire with their base
    ("openai", "ft:o3-mini:acme::abc", None),  # ... only where the catalogue says so
    ("azure_openai", "o1", "2026-11-19"),  # Azure's own date, not OpenAI's
    ("azure_openai", "gpt-4.1-nano", None),
    ("anthropic", "CLAUDE-3-OPUS-20240229", "2026-01-05"),
    ("aws_bedrock", "claude-3-opus-20240229", None),  # Bedrock sets its own dates
    ("google", "gemini-2.5-flash", "2026-06-17"),
    ("google_vertex", "gemini-2.5-flash", "2026-10-20"),
    ("google", "gemini-2.5-flash-lite", None),
    ("aws_bedrock", "anthropic.claude-3-haiku-20240307-v1:0", "2026-09-10"),  # Bedrock's own date, not Anthropic's
    ("aws_bedrock", "eu.anthropic.claude-3-5-haiku-20241022-v1:0", "2026-06-19"),  # a cross-Region inference profile
    ("anthropic", "anthropic.claude-3-haiku-20240307-v1:0", None),
    ("google_vertex", "claude-3-7-sonnet@20250219", "2026-05-11"),  # Claude on Vertex: Google Cloud's date
    ("anthropic", "claude-3-7-sonnet-20250219", "2026-02-19"),
    ("anthropic", "claude-opus-4-0", "2026-06-15"),  # an alias retires with its snapshot
    ("xai", "grok-3", "2026-05-15"),
    ("xai", "grok-3-mini", None),
    ("cohere", "embed-english-v2.0", "2026-04-04"),
    ("cohere", "command-r-plus", None),  # deprecated without a shutdown date
    ("oci", "cohere.command-r-plus", "2025-01-16"),
])
def test_lookup_keys_on_operator_and_model(lifecycle, operator, model, expected):
    found = lifecycle.lookup(operator, model)
    assert (found.retire_date.isoformat() if found else None) == expected


def test_a_finding_names_its_operator_and_model(catalogue):
    assert model_use(use("anthropic", "model_string", "anthropic/claude-3-opus-20240229"), catalogue) == ("anthropic", "claude-3-opus-20240229")
    assert model_use(use("google", "model_string", "vertex_ai/gemini-2.5-pro"), catalogue) == ("google_vertex", "gemini-2.5-pro")
    assert model_use(use("google", "call", "vertexai.generative_models.GenerativeModel", "gemini-2.5-pro"), catalogue) == ("google_vertex", "gemini-2.5-pro")
    assert model_use(use("google", "call", "google.generativeai.GenerativeModel", "models/gemini-2.0-flash"), catalogue) == ("google", "gemini-2.0-flash")
    assert model_use(use("openrouter", "model_string", "openrouter/anthropic/claude-3-opus-20240229"), catalogue) == ("anthropic", "claude-3-opus-20240229")
    assert model_use(use("openai", "call", "openai.OpenAI().chat.completions.create"), catalogue) is None
    assert model_use(use("openai", "import", "openai"), catalogue) is None
    arn = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
    assert model_use(use("aws_bedrock", "call", "boto3.client().converse", arn), catalogue) == ("aws_bedrock", "anthropic.claude-3-haiku-20240307-v1:0")
    profile = "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-5-haiku-20241022-v1:0"
    assert model_use(use("aws_bedrock", "call", "boto3.client().converse", profile), catalogue) == ("aws_bedrock", "eu.anthropic.claude-3-5-haiku-20241022-v1:0")
    assert model_use(use("aws_bedrock", "model_string", "bedrock/anthropic.claude-3-haiku-20240307-v1:0"), catalogue) == ("aws_bedrock", "anthropic.claude-3-haiku-20240307-v1:0")


def scores_on(day: str, catalogue):
    report = scan(FIXTURES / "repos" / "worked_example", ScanOptions(jobs=1, as_of=date.fromisoformat(day)), catalogue)
    return report, report.exposure.scores


def test_the_worked_example_gates_move_with_the_as_of_date(catalogue):
    # DOMAIN.md 5: claude-sonnet-4-5-20250929 retires 7 days after the read date, gpt-4o-2024-08-06 on 2027-01-14
    report, scores = scores_on("2026-11-23", catalogue)
    assert scores.gates_applied == ("retiring_90d",) and scores.grade == "C"
    assert scores.risk == pytest.approx(48.75)  # gates cap the letter, never the number
    report, scores = scores_on("2026-12-01", catalogue)
    # gpt-4o-2024-08-06 is 44 days away, but only third parties give its date: no retiring_90d gate
    assert scores.gates_applied == ("retired",) and scores.grade == "D"
    assert scores.reasons[0].text == ("2 places in production code use models their supplier has switched off, or may "
                                      "already have (confirmed date), so the grade is D, not the C that a risk of 49 alone gives.")
    report, scores = scores_on("2025-06-01", catalogue)
    assert scores.gates_applied == () and scores.grade == "C"
    assert not [f for f in report.findings if f.kind == "lifecycle" and f.check != "at_risk"]


def test_the_calendar_lists_models_in_use_nearest_first(catalogue):
    report, _ = scores_on("2026-11-23", catalogue)
    rows = retirement_calendar(report)
    assert [(r["model"], r["retire_date"], r["status"]) for r in rows] == [
        ("claude-sonnet-4-5-20250929", "2026-11-30", "retiring"),
        ("gpt-4.1", "2027-01-14", "at_risk"),
        ("gpt-4o-2024-08-06", "2027-01-14", "retiring"),
        ("gpt-4o-mini", "2027-01-14", "at_risk"),
    ]
    claude = rows[0]
    assert claude["where"] == ["app/chat.py:12", "app/classify.py:7"] and claude["days_left"] == 7
    assert claude["source_url"].startswith("https://") and claude["read_date"] == "2026-11-23" and claude["confirmed"]
    assert not rows[2]["confirmed"]  # gpt-4o-2024-08-06: a third party's date
    assert [r["model"] for r in retirement_calendar(report, horizon_days=30)] == ["claude-sonnet-4-5-20250929"]
    assert report.as_of == date(2026, 11, 23)
    records = report.lifecycle  # what the HTML report reads: one record per place
    assert {(r["path"], r["line"]) for r in records} >= {("app/chat.py", 12), ("app/classify.py", 7)}


def test_retired_lookup_answers_per_finding(catalogue):
    report, _ = scores_on("2026-12-01", catalogue)
    lookup = retired_lookup(report)
    model_strings = {f.line: lookup(f) for f in report.findings if f.path == "app/classify.py" and f.kind == "model_string"}
    assert model_strings[7]["retire_date"] == "2026-11-30" and model_strings[8] is None


def test_cli_as_of_rejects_a_bad_date(capsys):
    assert main(["scan", str(FIXTURES / "repos" / "worked_example"), "--as-of", "2026-13-01"]) == 2
    err = capsys.readouterr().err
    assert "--as-of" in err and "Traceback" not in err


# --- validation ----------------------------------------------------------------------------------

BAD_LIFECYCLE = """operator = "openai"
name = "OpenAI"

[[models]]
ids = ["gpt-x", "gpt-x"]
status = "retired"
retire_date = 2030-01-01
date_kind = "exact"
source_url = "https://example.org"
read_date = 2026-11-23

[[models]]
ids = ["gpt-y"]
status = "deprecated"
retire_date = "2027-01-01"
date_kind = "sometime"
source_url = "https://example.org"
read_date = 2026-11-23
colour = "red"
"""


def test_bad_lifecycle_files_name_file_line_and_key(tmp_path, capsys):
    (tmp_path / "lifecycle").mkdir()
    (tmp_path / "lifecycle" / "openai.toml").write_text(BAD_LIFECYCLE)
    (tmp_path / "lifecycle" / "acme.toml").write_text(BAD_LIFECYCLE.replace('"openai"', '"acme"', 1).split("[[models]]\nids = [\"gpt-y\"]")[0])
    assert main(["rules", "--rules", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    path = tmp_path / "lifecycle" / "openai.toml"
    for line, key in ((15, "models[1].retire_date: expected a date"), (16, "models[1].date_kind: 'sometime' is not one of"),
                      (19, "models[1].colour: unknown key")):
        assert f"{path}:{line}: {key}" in err
    assert f"{tmp_path / 'lifecycle' / 'acme.toml'}:1: operator: unknown operator 'acme'" in err
    assert "Traceback" not in err


def test_contradictions_are_caught_once_the_shape_is_right(tmp_path, capsys):
    (tmp_path / "lifecycle").mkdir()
    (tmp_path / "lifecycle" / "openai.toml").write_text(BAD_LIFECYCLE.split("\n[[models]]\nids = [\"gpt-y\"]")[0])
    assert main(["rules", "--rules", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    path = tmp_path / "lifecycle" / "openai.toml"
    assert f"{path}:6: models[0].status: 'retired' but retire_date is after read_date" in err
    assert f"{path}:5: models[0].ids[1]: 'gpt-x' is already listed in models[0]" in err


def test_bad_legacy_and_lock_in_files_are_reported_too(tmp_path, capsys):
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "openai.toml").write_text(
        'vendor = "openai"\nname = "x"\n\n[[removals]]\ndistribution = "openai"\npaths = ["openai.Thing"]\nstatus = "shut_down"\n'
        'removed_in = "one"\nsummary = "x"\nsource_url = "https://example.org"\nread_date = 2026-11-23\n')
    assert main(["rules", "--rules", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "openai.toml:8: removals[0].removed_in: 'one' is not a PEP 440 version" in err
    assert "openai.toml:4: removals[0].date: required when status is 'shut_down'" in err


def test_a_rules_folder_can_add_dates_for_its_own_operator(tmp_path, capsys):
    (tmp_path / "lifecycle").mkdir()
    (tmp_path / "lifecycle" / "mistral.toml").write_text(
        'operator = "mistral"\nname = "Mistral"\ndomains = ["example.org"]\n\n[[models]]\nids = ["open-mistral-7b"]\n'
        'status = "retired"\nretire_date = 2025-03-30\ndate_kind = "exact"\nsource_url = "https://example.org/notice"\n'
        'read_date = 2026-11-23\n')
    (tmp_path / "app.py").write_text("import litellm\n\nlitellm.completion(model='mistral/open-mistral-7b', messages=[])\n")
    assert main(["rules", "--rules", str(tmp_path)]) == 0
    assert "model ids or patterns with retirement dates" in capsys.readouterr().out
    assert main(["scan", str(tmp_path), "--rules", str(tmp_path), "--no-cache", "-q", "--as-of", "2026-11-23"]) == 0
    assert "model 'open-mistral-7b' at Mistral AI was switched off on 2025-03-30" in capsys.readouterr().out


# --- sources: the operator's own documentation, or "unconfirmed" ------------------------------

OFF_DOMAIN = """operator = "openai"
name = "OpenAI"
domains = ["openai.com"]

[[models]]
ids = ["gpt-x"]
status = "retired"
retire_date = 2025-01-01
date_kind = "exact"
source_url = "https://blog.example.com/openai-retires-gpt-x"
read_date = 2026-11-23
"""


def test_a_source_off_the_operators_domains_must_say_unconfirmed(tmp_path, capsys):
    (tmp_path / "lifecycle").mkdir()
    path = tmp_path / "lifecycle" / "openai.toml"
    path.write_text(OFF_DOMAIN)
    assert main(["rules", "--rules", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:10: models[0].source_url: https://blog.example.com/openai-retires-gpt-x is not on one of the operator's domains (openai.com)" in err
    assert "mark the row unconfirmed = true" in err and "Traceback" not in err
    path.write_text(OFF_DOMAIN.replace("source_url", "unconfirmed = true\nsource_url"))
    assert main(["rules", "--rules", str(tmp_path)]) == 0


@pytest.mark.parametrize("url,domains,expected", [
    ("https://developers.openai.com/api/docs/deprecations", ["openai.com"], True),
    ("https://openai.com.evil.example/x", ["openai.com"], False),
    ("https://notopenai.com/x", ["openai.com"], False),
    ("https://github.com/openai/openai-cookbook/blob/x/deprecations.txt", ["github.com/openai/"], True),
    ("https://github.com/BerriAI/litellm/blob/main/x.json", ["github.com/openai/"], False),
    ("https://user@ai.google.dev:443/gemini-api/docs/deprecations", ["ai.google.dev"], True),
    ("https://dev.to/someone/openai", [], False),
])
def test_on_domain_matches_hosts_and_path_prefixes(url, domains, expected):
    assert on_domain(url, domains) is expected


def shipped_rows():
    """(file, row) of every shipped catalogue row, read straight from the TOML."""
    from riskscan.ruleset import builtin_rules_dir, read_toml

    for path in sorted((builtin_rules_dir() / "lifecycle").glob("*.toml")):
        data, _ = read_toml(path, [])
        for row in data["models"]:
            yield path.name, data.get("domains", []), row


def test_every_shipped_row_cites_its_operator_or_says_unconfirmed():
    rows = list(shipped_rows())
    assert len(rows) > 40
    for name, domains, row in rows:
        assert domains, f"{name} lists no operator domains"
        assert on_domain(row["source_url"], domains) or row.get("unconfirmed") is True, (name, row["ids"])
        assert "confidence" not in row, (name, row["ids"])  # replaced by unconfirmed


def test_rows_read_before_this_issue_come_from_domain_md_and_later_ones_from_operators(lifecycle):
    domain = SHARED / "DOMAIN.md"
    section = domain.read_text(encoding="utf-8").split("## 4.", 1)[1].split("\n## 5.", 1)[0] if domain.is_file() else None
    for name, domains, row in shipped_rows():
        if row["read_date"] == date(2026, 11, 23):
            if section is not None:
                assert row["retire_date"].isoformat() in section and row["source_url"] in domain.read_text(encoding="utf-8"), row["ids"]
        else:  # read for issue 16 on 2026-12-03: an operator page, or unconfirmed with the page it came from
            assert row["read_date"] == date(2026, 12, 3), row["ids"]
            assert on_domain(row["source_url"], domains) != bool(row.get("unconfirmed")), row["ids"]


@pytest.mark.parametrize("model,date_", [
    ("gpt-3.5-turbo-0301", "2024-09-13"), ("gpt-4-0314", "2024-06-13"), ("text-davinci-003", "2024-01-04"),
    ("gpt-4-32k", "2025-06-06"), ("gpt-4-vision-preview", "2024-12-06"), ("text-search-ada-doc-001", "2024-01-04"),
])
def test_models_retired_in_the_last_three_years_are_known(lifecycle, model, date_):
    found = lifecycle.lookup("openai", model)
    assert found is not None and found.retire_date.isoformat() == date_ and found.confirmed and found.status == "retired"


@pytest.mark.parametrize("operator,model", [
    ("anthropic", "claude-instant-1.2"), ("anthropic", "claude-2.1"), ("anthropic", "claude-3-sonnet-20240229"),
    ("anthropic", "claude-3-5-sonnet-20240620"), ("google_vertex", "gemini-1.0-pro-001"), ("google_vertex", "text-bison@002"),
    ("google_vertex", "gemini-1.5-flash-001"), ("azure_openai", "gpt-35-turbo-0301"), ("mistral", "mistral-medium-2312"),
    ("anthropic", "claude-3-5-haiku-20241022"), ("anthropic", "claude-sonnet-4-20250514"), ("anthropic", "claude-opus-4-1"),
    ("google_vertex", "gemini-2.5-pro"), ("google_vertex", "codestral-2501"), ("google", "text-embedding-004"),
    ("azure_openai", "o1-preview"), ("openai", "gpt-5.1-codex"), ("aws_bedrock", "anthropic.claude-3-5-haiku-20241022-v1:0"),
    ("xai", "grok-4-0709"), ("cohere", "embed-multilingual-v2.0"), ("oci", "cohere.command"), ("cerebras", "llama3.1-8b"),
])
def test_retired_models_of_other_operators_are_confirmed(lifecycle, operator, model):
    found = lifecycle.lookup(operator, model)
    assert found is not None and found.status == "retired" and found.confirmed, (operator, model)


def test_check_sources_lists_exactly_the_rows_off_their_operators_domains(capsys):
    assert main(["rules", "--check-sources", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)["unconfirmed_sources"]
    expected = sum(not on_domain(row["source_url"], domains) for _, domains, row in shipped_rows())
    assert len(listed) == expected > 0
    assert all(not on_domain(row["source_url"], []) for row in listed)
    assert main(["rules", "--check-sources"]) == 0
    out = capsys.readouterr().out
    assert "github.com/BerriAI/litellm" in out and f"{expected} of " in out and "drive no gate" in out


def retired_models_repo(root, model: str):
    """A web app whose one route calls Anthropic with `model`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(
        "import anthropic\nfrom fastapi import FastAPI\n\napp = FastAPI()\nclient = anthropic.Anthropic()\n\n\n"
        f'@app.post("/ask")\ndef ask(q: str):\n    return client.messages.create(model="{model}", max_tokens=9, messages=[])\n')
    return root


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown", "html"])
def test_an_unconfirmed_date_is_marked_in_every_output_and_gates_nothing(tmp_path, capsys, fmt):
    root = retired_models_repo(tmp_path / "app", "claude-3-haiku-20240307")  # only third parties date it
    assert main(["scan", str(root), "--no-cache", "-q", "--as-of", "2026-12-03", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert "unconfirmed" in out and "was switched off" not in out
    if fmt == "json":
        data = json.loads(out)
        assert not data["scores"]["gates"] and data["lifecycle"]["calendar"][0]["confirmed"] is False
    assert main(["check", str(root / "app.py"), "--root", str(root), "--no-cache", "--as-of", "2026-12-03"]) == 0  # no RS302
    assert "RS302" not in capsys.readouterr().out


def test_a_confirmed_retirement_caps_the_grade_and_fails_the_gate(tmp_path, capsys):
    root = retired_models_repo(tmp_path / "app", "claude-2.1")  # Anthropic's own page: 2025-07-21
    assert main(["scan", str(root), "--no-cache", "-q", "--as-of", "2026-12-03", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "retired" in data["scores"]["gates"] and data["lifecycle"]["calendar"][0]["confirmed"] is True
    message = next(f["message"] for f in data["findings"] if f["kind"] == "lifecycle")
    assert message == "model 'claude-2.1' at Anthropic was switched off on 2025-07-21"
    assert main(["check", str(root / "app.py"), "--root", str(root), "--no-cache", "--as-of", "2026-12-03"]) == 1
    assert "RS302" in capsys.readouterr().out


def bedrock_repo(root, model_ids):
    """A web app whose one route calls Bedrock's Converse API once per model id."""
    root.mkdir(parents=True, exist_ok=True)
    calls = "".join(f'    client.converse(modelId="{model}", messages=[])\n' for model in model_ids)
    (root / "app.py").write_text(
        "import boto3\nfrom fastapi import FastAPI\n\napp = FastAPI()\nclient = boto3.client(\"bedrock-runtime\")\n\n\n"
        f'@app.post("/ask")\ndef ask(q: str):\n{calls}')
    return root


def test_a_bedrock_call_naming_a_retired_model_is_a_lifecycle_finding_at_bedrock(tmp_path, capsys):
    # Bedrock ids with their ":0" suffix, a cross-Region inference profile, and a foundation-model ARN.
    root = bedrock_repo(tmp_path / "app", [
        "anthropic.claude-3-5-haiku-20241022-v1:0", "us.anthropic.claude-3-5-haiku-20241022-v1:0",
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
    ])
    assert main(["scan", str(root), "--no-cache", "-q", "--as-of", "2026-12-03", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    found = [f for f in data["findings"] if f["kind"] == "lifecycle"]
    assert [(f["line"], f["model"], f["facts"]["operator"], f["facts"]["retire_date"], f["facts"]["confirmed"]) for f in found] == [
        (10, "anthropic.claude-3-5-haiku-20241022-v1:0", "aws_bedrock", "2026-06-19", True),
        (11, "us.anthropic.claude-3-5-haiku-20241022-v1:0", "aws_bedrock", "2026-06-19", True),
        (12, "anthropic.claude-3-haiku-20240307-v1:0", "aws_bedrock", "2026-09-10", True),
    ]
    assert all(f["severity"] == "high" and f["check"] == "retired" for f in found)
    assert "retired" in data["scores"]["gates"]
    assert main(["check", str(root / "app.py"), "--root", str(root), "--no-cache", "--as-of", "2026-12-03"]) == 1
    assert "RS302" in capsys.readouterr().out
    # The same models on the day before Bedrock's dates: no lifecycle finding for the retired state.
    assert main(["scan", str(root), "--no-cache", "-q", "--as-of", "2026-01-01", "--format", "json"]) == 0
    early = json.loads(capsys.readouterr().out)
    assert not [f for f in early["findings"] if f["kind"] == "lifecycle" and f["check"] == "retired"]


def test_check_words_an_earliest_date_as_scan_does(tmp_path, capsys):
    """RS302 and the scan share retirement_words: a confirmed earliest date that has passed "may already" be off."""
    root = tmp_path / "app"
    root.mkdir()
    (root / "app.py").write_text("from google import genai\n\nclient = genai.Client()\n"
                                 'client.models.generate_content(model="gemini-2.5-flash", contents="hi")\n')
    assert main(["check", str(root / "app.py"), "--root", str(root), "--no-cache", "--as-of", "2026-12-03"]) == 1
    out = capsys.readouterr().out
    assert "RS302" in out and "may already be switched off (earliest date 2026-06-17)" in out
    assert "retired since" not in out and "is retired" not in out
    assert main(["scan", str(root), "--no-cache", "--as-of", "2026-12-03"]) == 0
    assert "may already be switched off (earliest date 2026-06-17)" in capsys.readouterr().out
