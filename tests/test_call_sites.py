"""What counts as a call site, end to end: a plan B that also runs in normal flow stays primary,
and a router model read from configuration is a site its configuration can switch."""
from __future__ import annotations

import textwrap

import pytest

from riskscan.api import ScanOptions, scan


def run(tmp_path, files: dict):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return scan(tmp_path, ScanOptions(jobs=1))


def sites(report) -> dict:
    """(path, line, vendor) -> fallback_target of every call site."""
    return {(f.path, f.line, f.vendor): f.fallback_target for f in report.findings if f.is_call_site}


_CLIENTS = """
    import anthropic
    import openai
    from fastapi import FastAPI

    app = FastAPI()
    gpt = openai.OpenAI()
    claude = anthropic.Anthropic()
"""


def test_a_plan_b_that_is_also_a_route_stays_a_primary_call_site(tmp_path):
    report = run(tmp_path, {"app.py": _CLIENTS + """
    @app.post("/chat")
    def chat(q: str):
        try:
            return gpt.chat.completions.create(model="gpt-4o", messages=[])
        except Exception:
            return summarize_with_claude(q)


    @app.post("/summarize")
    def summarize_with_claude(q: str):
        return claude.messages.create(model="claude-sonnet-4-5", max_tokens=9, messages=[])
    """})
    assert sites(report) == {("app.py", 13, "openai"): False, ("app.py", 20, "anthropic"): False}
    counts = report.counts
    assert (counts["openai"].call_sites, counts["anthropic"].call_sites) == (1, 1)
    assert next(f for f in report.findings if f.line == 13 and f.is_call_site).fallback_to == ("anthropic",)


def test_a_plan_b_the_module_also_calls_in_normal_flow_stays_primary(tmp_path):
    report = run(tmp_path, {"app.py": _CLIENTS + """
    def claude_answer(q: str):
        return claude.messages.create(model="claude-sonnet-4-5", max_tokens=9, messages=[])


    def ask(q: str):
        try:
            return gpt.chat.completions.create(model="gpt-4o", messages=[])
        except Exception:
            return claude_answer(q)


    def brief(q: str):
        return claude_answer(q)
    """})
    assert sites(report) == {("app.py", 11, "anthropic"): False, ("app.py", 16, "openai"): False}


def test_a_plan_b_another_module_calls_stays_primary_and_one_only_a_handler_calls_does_not(tmp_path):
    report = run(tmp_path, {
        "svc/__init__.py": "",
        "svc/llm.py": _CLIENTS + """
    def claude_answer(q: str):
        return claude.messages.create(model="claude-sonnet-4-5", max_tokens=9, messages=[])


    def claude_only_as_plan_b(q: str):
        return claude.messages.create(model="claude-haiku-4-5", max_tokens=9, messages=[])


    def ask(q: str):
        try:
            return gpt.chat.completions.create(model="gpt-4o", messages=[])
        except Exception:
            return claude_answer(q)


    def ask_again(q: str):
        try:
            return gpt.chat.completions.create(model="gpt-4o", messages=[])
        except Exception:
            return claude_only_as_plan_b(q)
    """,
        "svc/report.py": """
    from svc.llm import claude_answer


    def weekly(q: str):
        return claude_answer(q)
    """})
    assert sites(report) == {("svc/llm.py", 11, "anthropic"): False, ("svc/llm.py", 15, "anthropic"): True,
                             ("svc/llm.py", 20, "openai"): False, ("svc/llm.py", 27, "openai"): False}


def test_a_function_that_calls_itself_again_is_a_retry_not_its_own_plan_b(tmp_path):
    report = run(tmp_path, {"app.py": _CLIENTS + """
    def ask(q: str, tries: int = 3):
        try:
            return gpt.chat.completions.create(model="gpt-4o", messages=[])
        except Exception:
            return ask(q, tries - 1)
    """})
    site = next(f for f in report.findings if f.is_call_site)
    assert (site.fallback_target, site.retry, site.has_fallback) == (False, True, False)


def finding_rows(report, path: str) -> set:
    """(line, vendor, kind, call site, model_setting) of one file's evidence."""
    return {(f.line, f.vendor, f.kind, f.is_call_site, f.model_setting) for f in report.findings
            if f.path == path and f.kind not in ("lifecycle", "manifest")}


def test_a_router_model_read_from_an_environment_variable_is_a_switchable_call_site(tmp_path):
    report = run(tmp_path, {"app.py": """
    import os

    import litellm


    def ask(q: str):
        return litellm.completion(model=os.getenv("LLM_MODEL", "gpt-4o"), messages=[])


    def brief(q: str):
        model = os.environ.get("BRIEF_MODEL") or "claude-sonnet-4-5"
        return litellm.completion(model=model, messages=[])
    """})
    # one finding where the default is written in the call: the read and its default are one use
    assert finding_rows(report, "app.py") == {
        (8, "openai", "model_string", True, "LLM_MODEL"),
        (12, "anthropic", "model_string", False, "BRIEF_MODEL"),  # the setting's default, named where it is kept
        (13, "anthropic", "model_string", True, "BRIEF_MODEL"),
    }
    switches = report.exposure.switches
    switchable = {report.findings[i].line: others for i, others in switches.switchable_to.items()}
    assert switchable == {8: ("anthropic",), 13: ("openai",)}
    assert {p.kind for p in switches.points} == {"setting"}


def test_a_settings_attribute_takes_the_provider_of_the_default_configured_under_its_name(tmp_path):
    report = run(tmp_path, {
        "svc/__init__.py": "",
        "svc/config.py": """
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        chat_model: str = "mistral/mistral-large-latest"
        embedding_model: str = "text-embedding-3-small"


    settings = Settings()
    """,
        "svc/chat.py": """
    from langchain.chat_models import init_chat_model

    from svc.config import settings


    def reply(q: str, config):
        llm = init_chat_model(settings.chat_model)
        return llm.invoke(q)
    """})
    rows = finding_rows(report, "svc/chat.py")
    assert rows == {(8, "mistral", "model_string", True, "settings.chat_model"),
                    (9, "mistral", "call", True, "settings.chat_model")}


def test_a_router_model_read_from_configuration_with_no_known_default_is_left_out(tmp_path):
    """`config.model` where the repository configures two providers' models: its provider is
    unknown, and a guess would be counted as if it were known."""
    report = run(tmp_path, {"app.py": """
    from langchain.chat_models import init_chat_model

    SUMMARY_MODEL = "claude-sonnet-4-5"
    DRAFT_MODEL = "gpt-4.1"


    def reply(q: str, config):
        return init_chat_model(config.model).invoke(q)
    """})
    assert not [f for f in report.findings if f.is_call_site]
    assert not [f for f in report.findings if not f.vendor]


def test_a_router_setting_with_no_other_provider_named_can_switch_to_any_the_router_supports(tmp_path, capsys):
    from riskscan.cli import main

    run(tmp_path, {"app.py": """
    import os

    import litellm
    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/ask")
    def ask(q: str):
        return litellm.completion(model=os.getenv("LLM_MODEL", "gpt-4o"), messages=[])
    """})
    assert main(["scan", str(tmp_path), "--no-cache", "-q", "--format", "json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    site = next(f for f in data["findings"] if f["is_call_site"])
    assert (site["fallback_kind"], site["switchable_to"], site["model_setting"]) == ("config", ["any"], "LLM_MODEL")
    texts = [r["text"] for r in data["scores"]["reasons"]]
    assert ("If OpenAI is unavailable, 1 of 1 entry point stops (100%); after switching to any provider its router "
            "supports by configuration, 0 would stay down.") in texts
    assert data["scores"]["providers_offered"] == 1  # the marker is no provider of its own


def test_router_settings_app_counts_router_models_from_configuration_as_switchable_sites(capsys):
    """fixtures/repos/router_settings_app/EXPECTED.md, end to end through the CLI."""
    import json

    from riskscan.cli import main

    from conftest import FIXTURES

    repo = FIXTURES / "repos" / "router_settings_app"
    assert main(["scan", str(repo), "--no-cache", "-q", "--as-of", "2026-12-03", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {(f["path"], f["line"], f["vendor"], f["kind"], f["is_call_site"], f["fallback_kind"], tuple(f["switchable_to"]))
            for f in data["findings"] if f["kind"] not in ("lifecycle", "manifest")}
    assert rows == {
        ("notes/llm.py", 5, "openai", "import", False, None, ()),
        ("notes/llm.py", 11, "anthropic", "model_string", True, "config", ("openai",)),
        ("notes/llm.py", 16, "openai", "model_string", False, None, ()),
        ("notes/llm.py", 17, "openai", "model_string", True, "config", ("anthropic",)),
        ("notes/llm.py", 22, "openai", "call", False, None, ()),
        ("notes/llm.py", 22, "openai", "call", True, None, ()),
        ("notes/settings.py", 6, "anthropic", "model_string", False, None, ()),
        ("notes/settings.py", 7, "anthropic", "env_var", False, None, ()),
    }
    assert sorted((s["path"], s["line"], s["kind"]) for s in data["switches"]) == [
        ("notes/llm.py", 11, "setting"), ("notes/llm.py", 17, "setting")]
    entries = {e["name"]: (e["vendors"], e["switchable_vendors"]) for e in data["entry_points"]}
    assert entries == {"ask": (["anthropic"], ["openai"]), "summary": (["openai"], ["anthropic"]), "index": (["openai"], [])}
    s = data["scores"]
    assert data["summary"]["project_kind"] == "application" and s["reach"] == "resolved"
    assert (s["call_sites"], s["call_sites_without_plan_b"], s["call_sites_switchable"]) == (3, 1, 2)
    assert s["fallback_coverage"] == pytest.approx(1 / 3, abs=1e-3) and s["lock_in"] == pytest.approx(33.3, abs=0.1)
    openai = next(v for v in data["vendors"] if v["id"] == "openai")
    assert (openai["blast_radius"], openai["blast_radius_after_switch"]) == (pytest.approx(2 / 3, abs=1e-3), pytest.approx(1 / 3, abs=1e-3))
    texts = [r["text"] for r in s["reasons"]]
    assert "HHI 5,556: one supplier dominates (above 1,800 is highly concentrated)." in texts
    assert ("1 of 3 production AI call sites has no plan B with another supplier; 2 more can be switched to another "
            "supplier only by configuration (a config change and a redeploy).") in texts


def test_an_import_is_one_finding_per_imported_name_and_never_a_call_site(tmp_path):
    report = run(tmp_path, {
        "shop/__init__.py": "",
        "shop/providers/__init__.py": "",
        "shop/providers/claude.py": """
    import anthropic


    class ClaudeModel:
        def ask(self, q: str):
            return anthropic.Anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=9, messages=[])
    """,
        "shop/app.py": """
    import openai
    from llama_index.llms.openai.utils import O1_MODELS, to_openai_message_dicts
    from shop.providers.claude import ClaudeModel
    """})
    rows = sorted((f.line, f.vendor, f.kind, f.detail, f.is_call_site) for f in report.findings if f.path == "shop/app.py")
    assert rows == [(2, "openai", "import", "openai", False),
                    (3, "openai", "import", "llama_index.llms.openai.utils.O1_MODELS", False),
                    (3, "openai", "import", "llama_index.llms.openai.utils.to_openai_message_dicts", False),
                    (4, "anthropic", "import", "shop.providers.claude.ClaudeModel", False)]


def test_an_adapter_built_and_asked_in_the_same_code_is_one_call_site(tmp_path):
    report = run(tmp_path, {
        "agent.py": """
    from langchain_openai import ChatOpenAI
    from langchain.agents import AgentExecutor

    MODULE_LLM = ChatOpenAI(model="gpt-4o")


    def summarise(text: str):
        llm = ChatOpenAI(model="gpt-4o")
        return llm.with_structured_output(dict).invoke(text)


    def ask(q: str):
        return MODULE_LLM.invoke(q)


    def agent():
        return AgentExecutor(llm=ChatOpenAI(model="gpt-4o"))


    class Writer:
        def __init__(self):
            self.llm = ChatOpenAI(model="gpt-4o")

        def write(self, q: str):
            return self.llm.invoke(q)
    """})
    rows = sorted((f.line, f.kind) for f in report.findings if f.is_call_site)
    # asked where built (9-10), asked in another function of a module-level object (4, 14), built
    # in __init__ and asked in a method (23, 26): the asking is the site; handed to an agent (18): the building
    assert rows == [(10, "call"), (14, "call"), (18, "adapter"), (26, "call")]
