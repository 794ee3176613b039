"""Shared by the redaction tests: key shapes, the places a repository can put a key, and every output riskscan writes."""
from __future__ import annotations

import json
import random
import sqlite3
import string
import zlib
from pathlib import Path

from riskscan import cli

from hostile_support import write

ALNUM = string.ascii_letters + string.digits


def body(seed: int, length: int, alphabet: str = ALNUM) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(length))


# name -> (fixed start, random part): formats of the built-in catalogue, and a generic shape
# (a provider the catalogue does not know) that only the generic rules catch.
SHAPES = {
    "openai": ("sk-proj-", body(1, 48, ALNUM + "_-")),
    "anthropic": ("sk-ant-api03-", body(2, 90, ALNUM + "_-")),
    "google": ("AIza", body(3, 35)),
    "groq": ("gsk_", body(4, 52)),
    "huggingface": ("hf_", body(5, 34)),
    "xai": ("xai-", body(6, 60)),
    "generic": ("token_", body(7, 32)),
}
KNOWN_FORMATS = [name for name in SHAPES if name != "generic"]


def key_of(shape: str) -> str:
    start, rest = SHAPES[shape]
    return start + rest


def leaks(text: str, key: str) -> list:
    """Pieces of `key` in `text`: the key, or any 12 characters of it past its first six (a
    mask keeps six, enough to recognise the format, never enough to use)."""
    found = [key] if key in text else []
    found += [key[i:i + 12] for i in range(6, len(key) - 11) if key[i:i + 12] in text]
    return found[:3]


def escaped(text: str, count: int) -> str:
    """The first `count` characters as `\\xNN` escapes, the way a repository can hide a key from a byte search."""
    return "".join(f"\\x{ord(c):02x}" for c in text[:count]) + text[count:]


# ---------------------------------------------------------------- where a repository can put a key
def plant(root: Path, key: str, known_format: bool = True) -> Path:
    """Every place the scanner reads, each with a vendor use on the same line so that some finding
    quotes the line (the snippets are where keys leaked)."""
    cut = 236 - len("x = 1;  K = '")  # the key starts a few characters before the 240-character snippet cut
    write(root / "literals.py", "\n".join([
        "from openai import OpenAI",
        f'plain = OpenAI(api_key="{key}")',
        f'pieces = OpenAI(api_key="{key[:7]}" "{key[7:]}")',
        f'escapes = OpenAI(api_key="{escaped(key, 6)}")',
        f'PREFIX = "{key[:9]}"' if known_format else "",  # built or split keys: known formats only (the
        f'built = OpenAI(api_key=f"{{PREFIX}}{key[9:]}")' if known_format else "",  # generic shape needs the whole key)
        f'split = OpenAI(api_key=("{key[:12]}"' if known_format else "",
        f'                        "{key[12:]}"), base_url="https://api.openai.com/v1")' if known_format else "",
        f'userinfo = OpenAI(base_url="https://{key}@api.openai.com/v1")',
        f'query = OpenAI(base_url="https://generativelanguage.googleapis.com/v1beta/openai?key={key}")',
        f'routed = OpenAI().chat.completions.create(model="{key}", messages=[])',
        f"x = 1;{' ' * cut}K = '{key}'; OpenAI()",
        f"commented = OpenAI()  # {key}",
        "",
    ]))
    write(root / "routes.py", "\n".join([
        "from fastapi import FastAPI", "from openai import OpenAI", "app = FastAPI()", "",
        f'@app.get("/chat/{key}")', "def chat():", "    return OpenAI().chat.completions.create(model='gpt-4o', messages=[])", "",
    ]))
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": ["from openai import OpenAI\n", f"client = OpenAI(api_key='{key}')\n"]}]
    write(root / "notebooks" / "demo.ipynb", json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    write(root / "names" / f"{key}.py", "import anthropic\n")
    write(root / f"pkg-{key}" / "mod.py", "import anthropic\nclient = anthropic.Anthropic()\n")
    write(root / "requirements.txt", f"openai @ https://user:{key}@pypi.example.com/openai-1.0-py3-none-any.whl\n"
                                     f"anthropic @ https://u:{key}@pypi.example.com/bad name.whl\n")
    return root


def outputs(root: Path, work: Path, capsys) -> dict:
    """Every document and message riskscan writes for `root`: name -> text (and the cache rows)."""
    work.mkdir(parents=True, exist_ok=True)
    cache = work / "cache"
    texts = {}
    reports = [work / f"report{ext}" for ext in (".txt", ".json", ".sarif", ".md", ".html", ".cdx.json")]
    runs = {
        "scan": ["scan", str(root), "--cache-dir", str(cache), *[f"-o{p}" for p in reports]],
        "scan-stdout": ["scan", str(root), "--cache-dir", str(cache)],
        "check-text": ["check", "--root", str(root), "--cache-dir", str(cache)],
        "check-json": ["check", "--root", str(root), "--format", "json", "--no-cache"],
        "baseline": ["baseline", str(root), "-o", str(work / "baseline.json"), "--no-cache"],
        "graph-json": ["graph", str(root), "--format", "json", "-o", str(work / "graph.json")],
        "graph-dot": ["graph", str(root), "--format", "dot", "-o", str(work / "graph.dot")],
        "graph-graphml": ["graph", str(root), "--format", "graphml", "-o", str(work / "graph.graphml")],
        "diff": ["diff", str(work / "report.json"), str(work / "report.json")],
        "diff-json": ["diff", str(work / "report.json"), str(work / "report.json"), "--format", "json"],
    }
    for name, args in runs.items():
        code = cli.main(args)
        captured = capsys.readouterr()
        assert code in (0, 1), (name, code, captured.err)
        texts[f"{name} stdout"], texts[f"{name} stderr"] = captured.out, captured.err
    for path in work.iterdir():
        if path.is_file():
            texts[path.name] = path.read_text(encoding="utf-8")
    texts["cache"] = cache_rows(cache)
    return texts


def cache_rows(cache: Path) -> str:
    database = cache / "cache.sqlite3"
    if not database.exists():
        return ""
    rows = sqlite3.connect(database).execute("SELECT key, namespace, value FROM results").fetchall()
    return "\n".join(f"{key} {namespace} " + zlib.decompress(value).decode("utf-8", "surrogateescape")
                     for key, namespace, value in rows)
