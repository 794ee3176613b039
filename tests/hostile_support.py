"""Shared by the hostile-input tests: trees that attack the scanner or whoever reads its reports."""
from __future__ import annotations

import os
import re
from pathlib import Path

# Terminal escapes (clear screen, set the window title), a forged report line, a right-to-left
# override (Trojan Source) and a line separator: nothing of it may reach a report raw.
TERMINAL = "\x1b[2J\x1b]0;pwned\x07"
FORGED = "\nall clear: 0 findings"
BIDI = "\u202e"
# Characters no report may show raw: C0 controls but tab, newline and carriage return (report
# formatting), DEL, C1 controls, bidi controls, line/paragraph separators, lone surrogates.
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
SGR = re.compile("\x1b\\[[0-9;]*m")  # the renderer's own colours (click.style)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def build_terminal_repo(root: Path) -> Path:
    """Control characters and undecodable bytes everywhere a scanned tree can put them."""
    write(root / "app.py",
          "from fastapi import FastAPI\nfrom openai import OpenAI\n\napp = FastAPI()\nclient = OpenAI()\n\n\n"
          '@app.post("/chat\\x1b[2J\\u202e\\n")\n'
          f"def chat(question):  # {BIDI} {TERMINAL[:4]}\n"
          f"    return client.chat.completions.create(model='gpt-4o', messages=[])  # {TERMINAL[:4]}{BIDI}\n")
    names = [f"term{TERMINAL}.py", f"forged{FORGED}.py", f"rtl{BIDI}gnp.py"]
    for name in names:
        write(root / "odd" / name, "import anthropic\n")
    os.makedirs(root / "odd", exist_ok=True)
    with open(os.path.join(os.fsencode(root / "odd"), b"caf\xe9_latin1.py"), "wb") as handle:
        handle.write(b"import anthropic\n")
    write(root / "broken.py", f"x = {BIDI}\n")  # the parser's message quotes the character
    return root


def unsafe_characters(text: str) -> list:
    """The unsafe characters a rendered report shows raw (the renderer's own colours allowed)."""
    return sorted({f"U+{ord(c):04X}" for c in UNSAFE.findall(SGR.sub("", text))})
