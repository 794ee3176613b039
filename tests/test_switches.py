"""Configuration switches: the per-file facts the structure walk records, and what counts as a switch."""
from __future__ import annotations

import ast
import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from riskscan.structure import module_structure


def facts(source: str):
    return module_structure(ast.parse(textwrap.dedent(source)), "pkg.factory", False).switches


def test_registry_of_dotted_paths_and_classes_in_a_class_body():
    [fact] = facts('''
        from pkg.llms.anthropic import AnthropicLLM
        class Factory:
            providers = {"openai": ("pkg.llms.openai.OpenAILLM", Config), "anthropic": AnthropicLLM, "retries": 3}
    ''')
    assert (fact.kind, fact.owner) == ("registry", "Factory")
    assert [(o.label, o.refs) for o in fact.options] == [
        ("openai", ("pkg.factory.Config", "pkg.llms.openai.OpenAILLM")), ("anthropic", ("pkg.llms.anthropic.AnthropicLLM",))]


def test_if_elif_chain_on_a_setting_with_imports_inside_the_branches():
    [fact] = facts('''
        def make(settings):
            if settings.provider == "openai":
                from openai import OpenAI
                return OpenAI()
            elif settings.provider in ("anthropic", "claude"):
                import anthropic
                return anthropic.Anthropic()
    ''')
    assert fact.kind == "branch" and fact.owner == "make"
    assert [(o.label, o.refs) for o in fact.options] == [
        ("openai", ("openai.OpenAI",)), ("anthropic", ("anthropic.Anthropic",)), ("claude", ("anthropic.Anthropic",))]


def test_match_on_enum_members():
    [fact] = facts('''
        def make(mode):
            match mode:
                case Provider.OPENAI:
                    return make_openai()
                case Provider.OLLAMA | Provider.LOCAL:
                    return make_ollama()
    ''')
    assert [o.label for o in fact.options] == ["Provider.OPENAI", "Provider.OLLAMA", "Provider.LOCAL"]


def test_one_branch_or_a_dict_of_plain_values_is_no_switch():
    assert facts('''
        PRICES = {"gpt-4o": 2.5, "claude": 3.0}
        KEYS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
        def f(mode):
            if mode == "openai":
                return g()
    ''') == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["openai", "anthropic", "ollama", "x y", "", "a.b"]), min_size=0, max_size=6),
       st.sampled_from(["Cls", "'pkg.mod.Cls'", "3", "lambda: Cls()", "(Cls, 1)", "None"]))
def test_any_registry_shape_gives_well_formed_facts(keys, value):
    body = ", ".join(f"{k!r}: {value}" for k in keys)
    for fact in facts(f"R = {{{body}}}\n"):
        assert len(fact.options) >= 2
        assert all(o.refs and o.start <= o.end for o in fact.options)


def test_flags_read_from_configuration_and_a_chains_else_are_options():
    [flag, chain] = facts('''
        import os
        use_lite = cfg.get("USE_LITELLM") == "true"
        if use_lite:
            completion = litellm_completion()
        else:
            completion = openai_completion()
        def make():
            if os.getenv("CHAT_HOST") == "azure":
                return make_azure()
            else:
                return make_openai()
        def plain(x):
            if x:
                return a()
            else:
                return b()
    ''')
    assert [o.label for o in flag.options] == ["use_lite", "not use_lite"]
    assert [(o.label, o.refs) for o in chain.options] == [("azure", ("pkg.factory.make_azure",)),
                                                         ("(otherwise)", ("pkg.factory.make_openai",))]


def test_classes_a_decorator_registers_under_a_name_are_registry_options():
    [one, two] = facts('''
        from pkg.registry import register_provider
        @register_provider(LLMType.OPENAI)
        class OpenAILLM: ...
        @register_provider([LLMType.OLLAMA, LLMType.OLLAMA_CHAT])
        class OllamaLLM: ...
        @dataclass(frozen=True)
        class Plain: ...
        @route("/chat")
        class View: ...
    ''')
    assert (one.kind, one.owner, two.owner) == ("decorator", "pkg.registry.register_provider", "pkg.registry.register_provider")
    assert [(o.label, o.refs) for o in one.options + two.options] == [
        ("LLMType.OPENAI", ("pkg.factory.OpenAILLM",)), ("LLMType.OLLAMA", ("pkg.factory.OllamaLLM",)),
        ("LLMType.OLLAMA_CHAT", ("pkg.factory.OllamaLLM",))]
