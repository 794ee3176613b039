"""Reach through the call graph: precise where calls resolve, flagged where it falls back."""
from __future__ import annotations

from conftest import write_tree

from riskscan.api import ScanOptions, scan


def build(tmp_path, files: dict):
    write_tree(tmp_path, files)
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


def test_chained_calls_inherited_methods_and_dispatch_tables_are_followed(tmp_path):
    entries, _ = build(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/base.py": """
            from openai import OpenAI
            class Handler:
                def handle(self, p):
                    return self.get(p)
                def get(self, p):
                    return OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[])
        """,
        "pkg/sub.py": """
            from .base import Handler
            class Default(Handler):
                pass
        """,
        "pkg/cli.py": """
            import click
            from pkg.base import Handler
            from pkg.sub import Default
            @click.command()
            def chained():
                Handler().handle("x")
            @click.command()
            def inherited():
                h = Default()
                h.handle("x")
            @click.command()
            def inherited_chained():
                Default().handle("x")
            def run_a():
                Default().handle("a")
            if __name__ == "__main__":
                import sys
                {"a": run_a}[sys.argv[1]]()
        """,
    })
    for name in ("chained", "inherited", "inherited_chained", "__main__"):
        assert entries[name]["vendors"] == ["openai"], name
        assert entries[name]["reach"] == "traced"


def test_closures_of_an_entry_point_run_with_it(tmp_path):
    entries, _ = build(tmp_path, {
        "app/__init__.py": "",
        "app/llm.py": """
            from openai import OpenAI
            def ask(p):
                return OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[])
        """,
        "app/api.py": """
            from fastapi import APIRouter
            from app.llm import ask
            router = APIRouter()
            @router.get("/stream")
            async def stream(q: str):
                async def publisher():
                    yield ask(q)
                return EventSourceResponse(publisher())
            @router.get("/inner")
            async def inner_route(q: str):
                def inner():
                    return ask(q)
                return inner()
        """,
    })
    assert entries["stream"]["vendors"] == ["openai"]
    # a closure called by its name is a resolved call, not one reach "may" have missed
    assert entries["inner_route"]["vendors"] == ["openai"] and entries["inner_route"]["reach"] == "traced"
    assert not entries["inner_route"].get("unresolved_calls")


def test_a_script_imports_its_siblings_in_a_folder_that_is_no_package(tmp_path):
    entries, report = build(tmp_path, {
        "scripts/util.py": """
            from openai import OpenAI
            def embed(t):
                return OpenAI().embeddings.create(model="text-embedding-3-small", input=t)
        """,
        "scripts/prep.py": """
            import util
            from util import embed
            def main():
                embed("x")
                util.embed("y")
            if __name__ == "__main__":
                main()
        """,
    })
    assert entries["__main__"]["vendors"] == ["openai"]
    assert report.exposure.scores.reach == "resolved"


def test_a_name_the_project_root_holds_is_no_sibling_even_beside_a_module_of_that_name(tmp_path):
    # voice/ is no package, and holds voice.py: `voice.openai_voice` still means the root's voice/ folder
    entries, _ = build(tmp_path, {
        "voice/voice.py": "class Voice:\n    pass\n",
        "voice/openai_voice.py": """
            from openai import OpenAI
            def speak(text):
                return OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[])
        """,
        "voice/factory.py": """
            def create_voice(kind, text):
                if kind == "openai":
                    from voice.openai_voice import speak
                    return speak(text)
        """,
        "app.py": """
            import click
            from voice.factory import create_voice
            @click.command()
            def say():
                create_voice("openai", "hello")
        """,
    })
    assert entries["say"]["vendors"] == ["openai"] and entries["say"]["reach"] == "traced" and not entries["say"]["unresolved_calls"]


def test_a_notebook_beside_a_script_of_the_same_name_keeps_its_entry_point(tmp_path):
    import json

    cells = [["from openai import OpenAI\n", "client = OpenAI()\n"],
             ["r = client.chat.completions.create(model='gpt-4o-mini', messages=[])\n"]]
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c}
                          for c in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    entries, report = build(tmp_path, {"nb/demo.py": 'if __name__ == "__main__":\n    print("x")\n',
                                       "nb/demo.ipynb": json.dumps(notebook)})
    assert entries["demo.ipynb"]["vendors"] == ["openai"]
    assert entries["__main__"]["vendors"] == [] and entries["__main__"]["reach"] == "traced"
    assert report.exposure.scores.reach == "resolved"


def test_a_call_reach_cannot_resolve_is_never_no_ai_vendor(tmp_path):
    entries, report = build(tmp_path, {
        "bot/__init__.py": "",
        "bot/llm.py": """
            import anthropic
            class Claude:
                def reply(self, text):
                    return anthropic.Anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=9, messages=[])
        """,
        "bot/app.py": """
            from fastapi import FastAPI
            from bot.llm import Claude
            app = FastAPI()
            @app.post("/direct")
            def direct(text: str):
                return Claude().reply(text)
            @app.post("/injected")
            def injected(text: str, engine=Depends(get_engine)):
                return engine.reply(text)
            @app.get("/health")
            def health(db=Depends(get_db)):
                return db.ping()
        """,
    })
    assert entries["direct"]["vendors"] == ["anthropic"] and entries["direct"]["reach"] == "traced"
    injected = entries["injected"]
    assert injected["vendors"] == [] and injected["reach"] == "untraced"
    assert injected["unresolved_calls"] == ["bot/app.py:9 injected(): .reply()"]
    assert entries["health"]["reach"] == "traced"  # `.ping()` can lead to no AI code: no AI vendor, for certain
    scores = report.exposure.scores
    assert scores.reach == "partial" and scores.entry_points_untraced == 1
    [reason] = [r for r in scores.reasons if r.kind == "reach"]
    assert reason.text.startswith("1 of 3 entry points reach no AI call site through calls the scan could follow, "
                                  "but make calls it could not resolve (such as .reply())")
    from riskscan.render.text import render_text

    text = render_text(report)
    assert "injected" in text and "no AI call traced (.reply() could not be resolved)" in text
    assert "plugin registry" not in text


def test_a_click_group_runs_its_commands(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "t"\n[project.scripts]\nt = "tool.cli:main"\n')
    entries, _ = build(tmp_path, {
        "tool/__init__.py": "",
        "tool/cli.py": """
            import click, openai
            @click.group()
            def main():
                pass
            @main.command()
            def ask():
                openai.OpenAI().chat.completions.create(model="gpt-4o", messages=[])
        """,
    })
    assert entries["t"]["vendors"] == ["openai"] and entries["ask"]["vendors"] == ["openai"]
