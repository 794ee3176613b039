"""A deterministic synthetic repository for the benchmark: packages of ordinary modules, a realistic
share that touch AI vendors directly or through frameworks, web routes, tests and a few notebooks.
Same size argument, same bytes, on every machine."""
from __future__ import annotations

import json
import random
from pathlib import Path

LINES_PER_MODULE = 200
VENDOR_SNIPPETS = [
    ("from openai import OpenAI", "client = OpenAI()",
     "    return client.chat.completions.create(model='gpt-4o-mini', messages=[{{'role': 'user', 'content': {arg}}}])"),
    ("import anthropic", "client = anthropic.Anthropic()",
     "    return client.messages.create(model='claude-sonnet-4-5', max_tokens=300, messages=[{{'role': 'user', 'content': {arg}}}])"),
    ("import litellm", "ROUTE = 'anthropic/claude-haiku-4-5'",
     "    return litellm.completion(model=ROUTE, fallbacks=['gpt-4o-mini'], messages=[{{'role': 'user', 'content': {arg}}}])"),
    ("from langchain_openai import ChatOpenAI", "llm = ChatOpenAI(model='gpt-4o')",
     "    return llm.invoke({arg})"),
    ("from google import genai", "client = genai.Client()",
     "    return client.models.generate_content(model='gemini-2.5-flash', contents={arg})"),
    ("import boto3", "runtime = boto3.client('bedrock-runtime')",
     "    return runtime.converse(modelId='anthropic.claude-3-5-sonnet-20240620-v1:0', messages=[{arg}])"),
]


def _function(rng: random.Random, index: int, siblings: list) -> list:
    name = f"compute_{index}_{rng.randrange(10**6)}"
    body = [
        f"def {name}(items, factor={rng.randint(1, 9)}):",
        f'    """Fold the items into a summary (variant {index})."""',
        "    total = 0",
        "    seen = {}",
        "    for position, item in enumerate(items):",
        f"        if position % {rng.randint(2, 7)} == 0:",
        "            total += len(str(item)) * factor",
        "        else:",
        "            seen[item] = seen.get(item, 0) + 1",
        f"    label = f'{{total}}-{{len(seen)}}-{index}'",
    ]
    if siblings and rng.random() < 0.5:
        module = rng.choice(siblings)
        body.append(f"    helper = {module}.Record(label)")
        body.append("    return helper.describe()")
    else:
        body.append("    return {'label': label, 'total': total, 'seen': sorted(seen)}")
    return body + [""]


def _class(rng: random.Random, index: int) -> list:
    return [
        f"class Record{'' if index == 0 else index}:",
        '    """A small value holder."""',
        "",
        "    def __init__(self, label, weight=1.0):",
        "        self.label = label",
        "        self.weight = weight",
        "",
        "    def describe(self):",
        f"        return '{{}} ({{:.2f}})'.format(self.label, self.weight * {rng.random():.3f})",
        "",
        "    def merge(self, other):",
        "        return type(self)(self.label + other.label, self.weight + other.weight)",
        "",
    ]


def _module(rng: random.Random, lines: int, siblings: list, vendor=None, route=False) -> str:
    out = ['"""Generated module for the riskscan benchmark."""', "import json", "import os", "from collections import defaultdict"]
    out += [f"from . import {s}" for s in siblings]
    if vendor:
        out += [vendor[0], "", vendor[1], ""]
    if route:
        out += ["from fastapi import APIRouter", "", "router = APIRouter()", ""]
    out += [""] + _class(rng, 0)
    index = 0
    while len(out) < lines - 12:
        out += _function(rng, index, siblings)
        index += 1
    if vendor:
        out += ["def ask(prompt):", '    """Ask the model."""', vendor[2].format(arg="prompt"), ""]
    if route:
        out += ["@router.post('/run')", "def run_route(payload: dict):", "    return ask(str(payload)) if 'ask' in globals() else {'ok': True}", ""]
    return "\n".join(out) + "\n"


def generate(root: Path, total_lines: int, seed: int = 20261123) -> Path:
    """Write the repository under `root` (created) and return it."""
    rng = random.Random(seed)
    modules = max(10, total_lines // LINES_PER_MODULE)
    packages = max(2, modules // 100)
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "synthetic"\nversion = "0"\n', encoding="utf-8")
    written = 0
    for package in range(packages):
        folder = root / "src" / f"pkg{package}" / f"sub{package % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder.parent / "__init__.py").write_text("", encoding="utf-8")
        (folder / "__init__.py").write_text("", encoding="utf-8")
        names = [f"mod{n}" for n in range(modules // packages)]
        for position, name in enumerate(names):
            siblings = rng.sample(names[:position], min(2, position))
            vendor = rng.choice(VENDOR_SNIPPETS) if rng.random() < 0.12 else None
            route = rng.random() < 0.03
            lines = rng.randint(LINES_PER_MODULE // 2, LINES_PER_MODULE * 3 // 2)
            scope = folder if rng.random() > 0.15 else root / "tests" / f"pkg{package}"
            scope.mkdir(parents=True, exist_ok=True)
            (scope / f"{name}.py").write_text(_module(rng, lines, siblings if scope == folder else [], vendor, route), encoding="utf-8")
            written += 1
    for number in range(5):
        cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                  "source": ["import anthropic\n", "client = anthropic.Anthropic()\n"]},
                 {"cell_type": "markdown", "metadata": {}, "source": ["Notes"]}]
        notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
        (root / "notebooks").mkdir(exist_ok=True)
        (root / "notebooks" / f"explore{number}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    return root
