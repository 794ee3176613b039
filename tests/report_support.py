"""Shared by the report tests: fixture reports scanned once, and a hostile repository built on demand."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from conftest import FIXTURES

REPOS = FIXTURES / "repos"
HOSTILE = "</script><script>alert(1)</script>"


@lru_cache(maxsize=None)
def scanned(path: str):
    """A scan of a fixture folder, once per test session (reports never change a Report)."""
    from riskscan.api import ScanOptions, scan

    return scan(Path(path), ScanOptions(jobs=1))


def example_report():
    return scanned(str(FIXTURES / "example_app"))


def build_hostile_repo(root: Path) -> Path:
    """Markup everywhere the scanned tree can put a string: a model name, a route, a file name.

    `/` cannot be part of a file name, so the path `</script><script>alert(1)</script>.py` is
    made of the folders `<` and `script><script>alert(1)<` and the file `script>.py`.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(
        "import litellm\nfrom fastapi import FastAPI\nfrom openai import OpenAI\n\n"
        "app = FastAPI()\nclient = OpenAI()\n\n\n"
        f'@app.post("/{HOSTILE}")\ndef chat(question: str):\n'
        f'    return litellm.completion(model="openai/{HOSTILE}", messages=[])\n\n\n'
        '@app.get("/ask")\ndef ask(question: str):\n'
        '    return client.chat.completions.create(model="gpt-4o", messages=[])\n', encoding="utf-8")
    nested = root / "<" / "script><script>alert(1)<"
    nested.mkdir(parents=True, exist_ok=True)
    (nested / "script>.py").write_text("import anthropic\n\nclient = anthropic.Anthropic()\n", encoding="utf-8")
    return root


def hostile_report(tmp_path: Path):
    from riskscan.api import ScanOptions, scan

    return scan(build_hostile_repo(tmp_path / "hostile"), ScanOptions(jobs=1))


def json_of(report) -> dict:
    from riskscan.render import render

    return json.loads(render(report, "json"))
