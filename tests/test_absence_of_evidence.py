"""Absence of evidence is not evidence of absence: a scan that traces no request, or that could
not read files that mention AI suppliers, never reports grade A, "no AI vendor use" or full
plan-B coverage; values one module hands another are followed, so ordinary code is traced."""
from __future__ import annotations

import json

from conftest import write_tree

from riskscan.api import ScanOptions, scan
from riskscan.cli import main


def json_report(root, capsys) -> dict:
    assert main(["scan", str(root), "--format", "json", "--no-cache", "-q", "--as-of", "2026-12-03"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_client_built_in_one_module_and_used_in_another_is_a_reached_call_site(tmp_path):
    write_tree(tmp_path, {
        "app/__init__.py": "",
        "app/clients.py": """
            from openai import OpenAI
            client = OpenAI()
            def get_client():
                return OpenAI()
        """,
        "app/api.py": """
            from fastapi import FastAPI
            from app.clients import client, get_client
            from app import clients
            app = FastAPI()
            @app.post("/chat")
            def chat(q: str):
                return client.chat.completions.create(model="gpt-4o-mini", messages=[])
            @app.post("/chat2")
            def chat2(q: str):
                return clients.client.embeddings.create(model="text-embedding-3-small", input=q)
            @app.post("/chat3")
            def chat3(q: str):
                made = get_client()
                return made.responses.create(model="gpt-4o-mini", input=q)
        """,
    })
    report = scan(tmp_path, ScanOptions(jobs=1))
    sites = {(f.path, f.line): f.feature for f in report.findings if f.is_call_site}
    assert sites == {("app/api.py", 8): "chat", ("app/api.py", 11): "embeddings", ("app/api.py", 15): "responses"}
    entries = {e.name: e for e in report.exposure.entry_points}
    assert all(entries[name].vendors == ("openai",) for name in ("chat", "chat2", "chat3"))
    assert report.exposure.scores.grade != "A" and report.exposure.scores.reach == "resolved"


def test_evidence_of_use_without_a_traced_request_is_inferred_never_an_a(tmp_path, capsys):
    write_tree(tmp_path, {
        "svc/__init__.py": "",
        "svc/clients.py": """
            from anthropic import Anthropic
            def make():
                return Anthropic()
        """,
        "svc/api.py": """
            from fastapi import FastAPI, Request
            from svc.clients import make
            app = FastAPI()
            @app.on_event("startup")
            def start():
                app.state.llm = make()
            @app.post("/ask")
            def ask(request: Request, q: str):
                return request.app.state.llm.messages.create(model="claude-sonnet-4-5", max_tokens=9, messages=[])
        """,
    })
    data = json_report(tmp_path, capsys)
    scores = data["scores"]
    assert scores["call_sites"] == 0 and scores["inferred_sites"] >= 1
    assert scores["grade"] != "A" and scores["grade_label"].endswith("?") and scores["low_confidence"]
    assert scores["fallback_coverage"] < 1
    assert scores["reasons"][0]["text"].startswith("No request to an AI supplier was traced in the production code, but")
    assert not any("No AI vendor use was found" in r["text"] for r in scores["reasons"])
    ask = next(e for e in data["entry_points"] if e["name"] == "ask")
    assert ask["reach"] == "untraced" and ask["vendors"] == []
    assert main(["scan", str(tmp_path), "--no-cache", "-q", "--as-of", "2026-12-03"]) == 0
    text = capsys.readouterr().out
    assert "-> no AI vendor" not in text.replace("no AI vendor use", "") and "no AI call traced" in text


def test_files_that_mention_ai_but_could_not_be_read_make_the_grade_unknown(tmp_path, capsys):
    write_tree(tmp_path, {
        "bot.py": "from openai import OpenAI\nclient = OpenAI(\nprint('unclosed'\n",
        "util.py": "def add(a, b):\n    return a + b\n",
    })
    data = json_report(tmp_path, capsys)
    scores = data["scores"]
    assert (scores["grade"], scores["grade_label"]) == ("?", "?") and scores["low_confidence"]
    assert scores["fallback_coverage"] is None and scores["unread_files"] == ["bot.py"]
    assert "is unknown" in scores["reasons"][0]["text"]
    for fmt in ("text", "markdown", "html"):
        assert main(["scan", str(tmp_path), "--format", fmt, "--no-cache", "-q", "--as-of", "2026-12-03"]) == 0
        out = capsys.readouterr().out
        assert "No AI vendor touchpoints found" not in out and "No AI vendor use was found." not in out
        assert "No AI supplier is called from this code base" not in out


def test_a_skipped_file_that_names_no_supplier_leaves_a_clean_scan_clean(tmp_path, capsys):
    write_tree(tmp_path, {"broken.py": "def f(:\n    pass\n", "util.py": "def add(a, b):\n    return a + b\n"})
    scores = json_report(tmp_path, capsys)["scores"]
    assert scores["grade"] == "A" and scores["reasons"][0]["text"] == "No AI vendor use was found."


def test_a_script_uses_the_client_its_sibling_built(tmp_path):
    write_tree(tmp_path, {
        "scripts/clients.py": "from openai import OpenAI\nclient = OpenAI()\n",
        "scripts/run.py": """
            from clients import client
            import clients
            def main():
                client.chat.completions.create(model="gpt-4o-mini", messages=[])
                clients.client.embeddings.create(model="text-embedding-3-small", input="x")
            if __name__ == "__main__":
                main()
        """,
    })
    report = scan(tmp_path, ScanOptions(jobs=1))
    sites = {(f.path, f.line): f.feature for f in report.findings if f.is_call_site}
    assert sites == {("scripts/run.py", 5): "chat", ("scripts/run.py", 6): "embeddings"}
    assert [e.vendors for e in report.exposure.entry_points] == [("openai",)]


def test_imports_and_clients_alone_are_inferred_evidence_of_every_kind(tmp_path):
    write_tree(tmp_path, {"a.py": "import anthropic\n", "b.py": "import openai\nopenai.OpenAI()\n"})
    scores = scan(tmp_path, ScanOptions(jobs=1)).exposure.scores
    assert (scores.call_sites, scores.inferred_sites) == (0, 2) and scores.grade_label.endswith("?")
    assert {v.vendor: v.features for v in scores.vendors.values()} == {"anthropic": ("chat",), "openai": ("chat",)}


def test_an_unknown_grade_beside_manifest_findings_renders_in_every_format(tmp_path, capsys):
    write_tree(tmp_path, {"bot.py": "from openai import OpenAI\nclient = OpenAI(\n", "requirements.txt": "openai==1.40.0\n"})
    for fmt in ("text", "markdown", "html", "sarif", "json"):
        assert main(["scan", str(tmp_path), "--format", fmt, "--no-cache", "-q", "--as-of", "2026-12-03"]) == 0
        out = capsys.readouterr().out
        assert "No AI vendor use was found." not in out
    assert main(["scan", str(tmp_path), "--no-cache", "-q", "--as-of", "2026-12-03"]) == 0
    assert "fallback coverage unknown" in capsys.readouterr().out


def test_with_reach_unresolved_no_entry_point_is_said_to_use_no_ai(tmp_path, capsys):
    write_tree(tmp_path, {
        "svc/__init__.py": "",
        "svc/api.py": "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/health')\ndef health():\n    return 'ok'\n",
        "svc/jobs.py": "from openai import OpenAI\ndef run():\n    return OpenAI().chat.completions.create(model='gpt-4.1', messages=[])\n",
    })
    assert main(["scan", str(tmp_path), "--no-cache", "-q", "--as-of", "2026-12-03"]) == 0
    text = capsys.readouterr().out
    assert "reach unresolved" in text and "health" in text
    assert "-> no AI vendor" not in text and "-> no AI call traced" in text


def test_only_files_that_spell_an_imported_value_are_walked_again(tmp_path, monkeypatch):
    import riskscan.api as api

    write_tree(tmp_path, {
        "app/__init__.py": "",
        "app/clients.py": """
            from openai import OpenAI
            client = OpenAI()
            def helper():
                return 1
        """,
        "app/uses.py": """
            from app import clients
            def ask(q):
                return clients.client.chat.completions.create(model="gpt-4o-mini", messages=[])
        """,
        "app/other.py": """
            from app import clients
            def add():
                return clients.helper() + 1
        """,
    })
    walked = []
    analyse = api.analyse_file
    monkeypatch.setattr(api, "analyse_file", lambda source, *rest: walked.append(source.relpath) or analyse(source, *rest))
    report = scan(tmp_path, ScanOptions(jobs=1))
    assert {(f.path, f.line) for f in report.findings if f.is_call_site} == {("app/uses.py", 4)}
    assert walked.count("app/uses.py") == 2 and walked.count("app/other.py") == 1  # other.py never writes `client`
