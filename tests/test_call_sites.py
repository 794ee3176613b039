"""What counts as a call site, end to end: a plan B that also runs in normal flow stays primary,
and a router model read from configuration is a site its configuration can switch."""
from __future__ import annotations

import textwrap

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
