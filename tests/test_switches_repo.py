"""Configuration switches over a whole repository: found where a deploy chooses the provider,
never where code merely branches, and never counted as providers used at the same time."""
from __future__ import annotations

from conftest import write_tree

from riskscan.api import ScanOptions, scan

_REGISTRY = {
    "llm/__init__.py": "",
    "llm/registry.py": """
        REGISTRY = {}
        def register_provider(key):
            def decorator(cls):
                REGISTRY[key] = cls
                return cls
            return decorator
        def create(config):
            return REGISTRY[config.api_type](config)
    """,
    "llm/openai_llm.py": """
        from openai import OpenAI
        from llm.registry import register_provider
        @register_provider(LLMType.OPENAI)
        class OpenAILLM:
            def ask(self, q):
                return OpenAI().chat.completions.create(model="gpt-4.1", messages=[])
    """,
    "llm/anthropic_llm.py": """
        import anthropic
        from llm.registry import register_provider
        @register_provider(LLMType.ANTHROPIC)
        class AnthropicLLM:
            def ask(self, q):
                return anthropic.Anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=9, messages=[])
    """,
}


def scanned(tmp_path, files: dict):
    write_tree(tmp_path, files)
    return scan(tmp_path, ScanOptions(jobs=1))


def switchable(report) -> dict:
    return {(f.path, f.line): report.exposure.switches.of(i) for i, f in enumerate(report.findings) if f.is_call_site}


def test_classes_registered_by_a_decorator_can_be_switched_by_configuration(tmp_path):
    report = scanned(tmp_path, _REGISTRY)
    assert switchable(report) == {("llm/anthropic_llm.py", 7): ("openai",), ("llm/openai_llm.py", 7): ("anthropic",)}
    [point] = report.exposure.switches.points
    assert point.kind == "decorator" and point.vendors == ("anthropic", "openai")
    assert "none of our AI calls has a plan B" not in " ".join(r.text for r in report.exposure.scores.reasons)


def test_an_environment_variable_or_a_flag_from_it_is_a_switch(tmp_path):
    report = scanned(tmp_path, {
        "app/__init__.py": "",
        "app/chat.py": """
            import os
            import anthropic
            from openai import AzureOpenAI, OpenAI
            USE_CLAUDE = os.getenv("USE_CLAUDE", "") == "1"
            def ask(q):
                host = os.getenv("CHAT_HOST")
                if host == "azure":
                    return AzureOpenAI().chat.completions.create(model="gpt-4.1", messages=[])
                else:
                    return OpenAI().chat.completions.create(model="gpt-4.1", messages=[])
            def ask2(q):
                if USE_CLAUDE:
                    return anthropic.Anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=9, messages=[])
                else:
                    return OpenAI().chat.completions.create(model="gpt-4.1", messages=[])
        """,
    })
    assert switchable(report) == {("app/chat.py", 9): ("openai",), ("app/chat.py", 11): ("azure_openai",),
                                  ("app/chat.py", 14): ("openai",), ("app/chat.py", 16): ("anthropic",)}


def test_a_branch_that_calls_its_own_function_again_or_picks_nothing_is_no_switch(tmp_path):
    report = scanned(tmp_path, {
        "tokens.py": """
            import anthropic
            from openai import OpenAI
            def count(text, model="gpt-4o"):
                if "claude" in model:
                    return anthropic.Anthropic().messages.count_tokens(model=model, messages=[])
                if model == "gpt-4":
                    return count(text, model="gpt-4-0613")
                elif model == "gpt-3.5-turbo":
                    return count(text, model="gpt-3.5-turbo-0125")
                return OpenAI().chat.completions.create(model=model, messages=[])
            def run(x, mode):
                if mode == "fast":
                    OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[])
                    anthropic.Anthropic().messages.create(model="claude-haiku-4-5", max_tokens=9, messages=[])
                elif mode == "slow":
                    OpenAI().chat.completions.create(model="gpt-4.1", messages=[])
                    anthropic.Anthropic().messages.create(model="claude-opus-4-1", max_tokens=9, messages=[])
        """,
    })
    assert report.exposure.switches.points == []


def test_embeddings_behind_a_switch_earn_no_plan_b_credit(tmp_path):
    report = scanned(tmp_path, {
        "embed.py": """
            import os
            import ollama
            from openai import OpenAI
            def embed(text):
                if os.getenv("EMBED_HOST") == "ollama":
                    return ollama.Client().embed(model="nomic-embed-text", input=text)
                elif os.getenv("EMBED_HOST") == "openai":
                    return OpenAI().embeddings.create(model="text-embedding-3-small", input=text)
        """,
    })
    assert [p.vendors for p in report.exposure.switches.points] == [("ollama", "openai")]  # a switch, but
    sites = [s for s in report.exposure.scores.primary if s.feature == "embeddings"]
    assert sites and all(s.credit == 0 and not s.protected_after_switch for s in sites)
    assert report.exposure.scores.fallback_coverage == 0
