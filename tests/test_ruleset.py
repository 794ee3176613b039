"""The catalogue loads from data and rejects bad rule files with every problem, file, line and key."""
from __future__ import annotations

import textwrap

import pytest

from riskscan.cli import main
from riskscan.errors import RuleFileError
from riskscan.ruleset import FEATURES, load_catalogue

REQUIRED_VENDORS = """openai azure_openai anthropic google aws_bedrock mistral cohere groq deepseek xai together
fireworks perplexity openrouter huggingface replicate voyage jina nvidia cerebras ibm_watsonx databricks
ollama vllm llama_cpp lmstudio""".split()


def test_builtin_catalogue_has_every_required_provider(catalogue):
    missing = [v for v in REQUIRED_VENDORS if v not in catalogue.vendors]
    assert not missing, f"missing vendor rule files: {missing}"


def test_builtin_catalogue_entries_are_complete(catalogue):
    for vendor_id, rule in catalogue.vendors.items():
        assert rule.name and rule.company and rule.references, vendor_id
    assert catalogue.vendor_for_host("api.openai.com") == "openai"
    assert catalogue.vendor_for_model("anthropic/claude-3-5-sonnet") == "anthropic"
    assert catalogue.vendor_for_model("claude-sonnet-4-5") == "anthropic"
    assert catalogue.vendor_for_model("gpt-4o") == "openai"
    assert catalogue.vendor_for_model("my-own-finetune") is None
    assert set(f for table in catalogue.call_features.values() for _, f in table) <= set(FEATURES)


def _write(tmp_path, name, text, sub="vendors"):
    folder = tmp_path / sub
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def _rejected(tmp_path) -> RuleFileError:
    """The error a rule directory with broken files raises."""
    with pytest.raises(RuleFileError) as caught:
        load_catalogue([tmp_path])
    return caught.value


GOOD = """
    id = "acme_gateway"
    name = "ACME internal LLM gateway"
    company = "ACME"
    kind = "gateway"
    references = ["https://wiki.acme.example/llm"]

    [sdk]
    import_roots = ["acme_llm"]

    [endpoints]
    hosts = ["llm.acme.internal"]
    env_vars = ["ACME_LLM_TOKEN"]
"""


def test_user_rule_directory_adds_a_custom_vendor(tmp_path):
    rules = _write(tmp_path, "acme_gateway.toml", GOOD)
    catalogue = load_catalogue([rules])
    assert catalogue.vendors["acme_gateway"].kind == "gateway"
    assert catalogue.sdk_roots["acme_llm"] == "acme_gateway"


def test_every_problem_in_every_file_is_reported_with_file_line_and_key(tmp_path):
    _write(tmp_path, "broken_one.toml", """
        id = "broken_one"
        name = "Broken"
        kind = "hosted_ap"
        references = ["https://x.example"]
        colour = "red"

        [[clients]]
        qualnames = ["ok.Client", "not a name"]
    """)
    _write(tmp_path, "broken_two.toml", """
        id = "other_name"
        name = "Two"
        company = "Two"
        kind = "gateway"

        [models]
        patterns = ["(unclosed"]
    """)
    error = _rejected(tmp_path)
    text = str(error)
    assert "broken_one.toml:4: kind: 'hosted_ap' is not one of" in text
    assert "broken_one.toml:6: colour: unknown key" in text
    assert "company: required key is missing" in text
    assert "broken_one.toml:9: clients[0].qualnames[1]" in text
    assert "broken_two.toml:8: models.patterns[0]: invalid regular expression" in text
    assert "broken_two.toml" in text and "must equal the file name" not in text or "other_name" in text
    assert len(error.problems) >= 5


def test_id_must_match_file_name(tmp_path):
    _write(tmp_path, "acme.toml", GOOD)
    with pytest.raises(RuleFileError, match=r"acme.toml:2: id: 'acme_gateway' must equal the file name 'acme'"):
        load_catalogue([tmp_path])


def test_invalid_toml_names_the_line(tmp_path):
    _write(tmp_path, "bad_toml.toml", 'id = "bad_toml"\nname = \n')
    with pytest.raises(RuleFileError, match=r"bad_toml.toml:2: invalid TOML"):
        load_catalogue([tmp_path])


def test_key_after_a_table_gets_a_toml_hint(tmp_path):
    _write(tmp_path, "late_key.toml", GOOD.replace('id = "acme_gateway"', 'id = "late_key"') + '\n    adapter_roots = ["acme_adapter"]\n')
    with pytest.raises(RuleFileError, match="top-level key"):
        load_catalogue([tmp_path])


def test_a_host_claimed_by_two_vendors_is_an_error(tmp_path):
    _write(tmp_path, "thief.toml", GOOD.replace("acme_gateway", "thief").replace("llm.acme.internal", "api.openai.com"))
    with pytest.raises(RuleFileError, match="'api.openai.com' is already claimed by 'openai'"):
        load_catalogue([tmp_path])


def test_cli_bad_rule_directory_exits_2_without_traceback(tmp_path, capsys):
    _write(tmp_path, "bad_kind.toml", GOOD.replace("acme_gateway", "bad_kind").replace('"gateway"', '"saas"'))
    code = main(["scan", str(tmp_path), "--rules", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "bad_kind.toml:5: kind: 'saas' is not one of" in err
    assert "Traceback" not in err


def test_rules_command_lists_catalogue(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert "openai" in out and "anthropic" in out and "litellm" in out


def test_type_modules_and_services_are_validated(tmp_path):
    _write(tmp_path, "acme_gateway.toml", GOOD.replace('import_roots = ["acme_llm"]', '''import_roots = ["acme_llm"]
    type_modules = ["acme_llm.types", "other_sdk.types"]'''))
    _write(tmp_path, "acme_two.toml", GOOD.replace("acme_gateway", "acme_two").replace("llm.acme", "two.acme").replace("acme_llm", "acme_two")
           .replace("ACME_LLM", "ACME_TWO") + '''
    [[services]]
    service = "vector_db"
    calls = ["indexes"]
    ''')
    text = str(_rejected(tmp_path))
    assert "acme_gateway.toml:10: sdk.type_modules[1]: 'other_sdk.types' is not below one of this vendor's import_roots" in text
    assert "acme_two.toml:16: services[0].service: 'vector_db' is not one of" in text


def test_template_is_a_valid_rule_file(tmp_path):
    from riskscan.ruleset import builtin_rules_dir

    template = (builtin_rules_dir() / "TEMPLATE.toml").read_text(encoding="utf-8")
    (tmp_path / "example_vendor.toml").write_text(template, encoding="utf-8")
    catalogue = load_catalogue([tmp_path])
    assert catalogue.type_modules["example_ai.types"] == "example_vendor"
    assert catalogue.service_roots["example_ai.vector_index"] == "vector_search"


@pytest.mark.parametrize("name,expected", [
    ("OPENAI_API_KEY", ("openai", "OPENAI_API_KEY")),
    ("openai_api_key", ("openai", "OPENAI_API_KEY")),
    ("ANTHROPIC.KEY", ("anthropic", "ANTHROPIC_API_KEY")),
    ("anthropic_key", ("anthropic", "ANTHROPIC_API_KEY")),
    ("ollama_base_url", ("ollama", "OLLAMA_BASE_URL")),
    ("HEROKU_API_KEY", None),  # written as a variable: only the catalogue's own names count
    ("theme_key", None),
    ("api_key", None),
])
def test_credential_names_in_any_spelling(catalogue, name, expected):
    assert catalogue.credential_for(name) == expected
