"""Reach through the call graph: precise where calls resolve, flagged where it falls back."""
from __future__ import annotations

import textwrap

from riskscan.api import ScanOptions, scan


def build(tmp_path, files: dict):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    report = scan(tmp_path, ScanOptions(jobs=1))
    return {e.name: e.as_dict() for e in report.exposure.entry_points}, report


def test_two_routes_in_one_module_reach_different_vendors(tmp_path):
    entries, _ = build(tmp_path, {
        "svc/__init__.py": "",
        "svc/llm.py": """
            import anthropic, openai
            def ask_openai(q):
                return openai.OpenAI().chat.completions.create(model="gpt-4o", messages=[])
            def ask_claude(q):
                return anthropic.Anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=9, messages=[])
        """,
        "svc/web.py": """
            from flask import Flask
            from .llm import ask_openai, ask_claude
            app = Flask(__name__)
            @app.route("/a")
            def route_a():
                return ask_openai("x")
            @app.get("/b")
            def route_b():
                return ask_claude("x")
            @app.get("/health")
            def health():
                return "ok"
        """,
    })
    assert entries["route_a"]["vendors"] == ["openai"]
    assert entries["route_b"]["vendors"] == ["anthropic"]
    assert entries["health"]["vendors"] == []
    assert not entries["route_a"]["approximate"]


def test_reach_through_classes_reexports_and_instances(tmp_path):
    entries, _ = build(tmp_path, {
        "pkg/__init__.py": "from .gateway import Gateway\n",
        "pkg/gateway.py": """
            import mistralai
            class Gateway:
                def __init__(self):
                    self.client = mistralai.Mistral(api_key="k")
                def ask(self, q):
                    return self.client.chat.complete(model="mistral-large-latest", messages=[])
        """,
        "pkg/tasks.py": """
            from celery import shared_task
            from pkg import Gateway
            GATEWAY = Gateway()
            @shared_task
            def nightly():
                return GATEWAY.ask("summary")
        """,
    })
    assert entries["nightly"]["kind"] == "task"
    assert entries["nightly"]["vendors"] == ["mistral"]


def test_unresolved_call_into_a_module_is_flagged_approximate(tmp_path):
    entries, _ = build(tmp_path, {
        "tool/__init__.py": "",
        "tool/backend.py": """
            import cohere
            def embed(texts):
                return cohere.ClientV2().embed(texts=texts, model="embed-v4.0")
            REGISTRY = {"embed": embed}
        """,
        "tool/cli.py": """
            import click
            from tool import backend
            @click.command()
            def run():
                backend.REGISTRY["embed"](["a"])
                backend.lookup_dynamic("embed")
        """,
    })
    run = entries["run"]
    assert run["vendors"] == ["cohere"] and run["approximate"]


def test_entry_point_kinds(tmp_path):
    entries, _ = build(tmp_path, {
        "main.py": """
            import typer
            app = typer.Typer()
            @app.command()
            def hello():
                pass
            def lambda_handler(event, context):
                return None
            if __name__ == "__main__":
                app()
        """,
    })
    assert {(name, e["kind"]) for name, e in entries.items()} == {("hello", "cli"), ("lambda_handler", "lambda"), ("__main__", "main")}


def test_starlette_route_table_entries_are_entry_points(tmp_path):
    entries, _ = build(tmp_path, {
        "web.py": """
            import openai
            from starlette.applications import Starlette
            from starlette.routing import Route
            async def ask(request):
                return openai.OpenAI().responses.create(model="gpt-5", input="hi")
            async def ping(request):
                return "pong"
            app = Starlette(routes=[Route("/ask", ask), Route("/ping", endpoint=ping)])
        """,
    })
    assert entries["ask"]["kind"] == "http" and entries["ask"]["vendors"] == ["openai"]
    assert entries["ping"]["vendors"] == []
