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


# A product wired to many suppliers, with many models near their retirement dates, long supplier
# names, deep folders and long lines: the data that broke the board report's layout (issue 16).
CROWDED_AS_OF = "2026-11-20"
CROWDED_MODELS = (
    # (litellm model string, how many routes call it)
    ("openai/gpt-5", 3), ("openai/gpt-5-mini", 2), ("openai/gpt-5-nano", 1), ("openai/gpt-image-1-mini", 1),
    ("openai/gpt-3.5-turbo-0301", 2), ("openai/gpt-4-0314", 1), ("openai/text-davinci-003", 1),
    ("openai/gpt-4o-2024-08-06", 2), ("openai/gpt-4o-2024-11-20", 1), ("openai/tts-1", 1), ("openai/whisper-1", 1),
    ("openai/gpt-5.1", 1), ("openai/gpt-realtime", 1), ("anthropic/claude-sonnet-4-5-20250929", 3),
    ("anthropic/claude-2.1", 1), ("anthropic/claude-3-5-haiku-20241022", 1), ("gemini/gemini-2.5-pro", 2),
    ("gemini/gemini-3.1-flash-lite", 1), ("mistral/mistral-medium-2312", 1), ("mistral/codestral-2501", 1),
    ("deepseek/deepseek-chat", 1), ("azure/gpt-35-turbo-0301", 1), ("vertex_ai/gemini-1.5-flash-001", 1),
    ("groq/llama-3.1-8b-instant", 2), ("together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", 1),
    ("fireworks_ai/accounts/fireworks/models/llama-v3p1-70b-instruct", 1), ("perplexity/sonar-pro", 1),
    ("cohere/command-r-plus-08-2024", 1), ("xai/grok-4", 1), ("cerebras/llama3.1-8b", 1),
    ("dashscope/qwen-max", 1), ("heroku/claude-4-sonnet", 1), ("azure_ai/mistral-large-2411", 1),
    ("openrouter/anthropic/claude-sonnet-4", 1), ("huggingface/meta-llama/Llama-3.1-8B-Instruct", 1),
    ("deepinfra/meta-llama/Meta-Llama-3.1-70B-Instruct", 1), ("sambanova/Meta-Llama-3.3-70B-Instruct", 1),
    ("ai21/jamba-large-1.7", 1), ("nvidia_nim/meta/llama-3.1-405b-instruct", 1),
)


def build_crowded_repo(root: Path) -> Path:
    """A FastAPI product whose routes each call one supplier's model through litellm, from deep module paths."""
    package = root / "src" / "crowded_product"
    deep = package / "services" / "integrations" / "third_party_language_model_providers" / "adapters"
    deep.mkdir(parents=True, exist_ok=True)
    for folder in (package, package / "services", package / "services" / "integrations", deep.parent, deep):
        (folder / "__init__.py").write_text("", encoding="utf-8")
    routes = ["from fastapi import FastAPI\n", "app = FastAPI()\n"]
    for index, (model, uses) in enumerate(CROWDED_MODELS):
        name = f"provider_{index:02d}_" + model.split("/")[0].replace("-", "_")
        (deep / f"{name}_client_with_retries.py").write_text(
            "import litellm\n\n\n"
            f"def complete(prompt: str, temperature: float = 0.2, max_tokens: int = 512, metadata: dict | None = None):\n"
            f"    return litellm.completion(model=\"{model}\", messages=[{{\"role\": \"user\", \"content\": prompt}}], temperature=temperature, max_tokens=max_tokens, metadata=metadata or {{}})\n",
            encoding="utf-8")
        module = f"crowded_product.services.integrations.third_party_language_model_providers.adapters.{name}_client_with_retries"
        routes.append(f"import {module} as {name}\n")
        for use in range(uses):
            routes.append(f"\n\n@app.post(\"/v1/{name}/summarise-customer-conversation-{use}\")\n"
                          f"def summarise_customer_conversation_with_{name}_{use}(text: str):\n"
                          f"    return {name}.complete(text)\n")
    (package / "api_routes_for_the_customer_facing_product.py").write_text("".join(routes), encoding="utf-8")
    return root


def crowded_report(tmp_path: Path):
    from datetime import date

    from riskscan.api import ScanOptions, scan

    return scan(build_crowded_repo(tmp_path / "crowded"), ScanOptions(jobs=1, as_of=date.fromisoformat(CROWDED_AS_OF)))
