"""Decisions keep every place they are about, say how many more there are than they show, and rank
a model certainly switched off above one whose date is only a possibility."""
from __future__ import annotations

import json

from riskscan.decisions import Decision

from scan_support import scan_output as scan

ROUTE = '''

@app.post("/{name}")
def {name}():
    return o.chat.completions.create(model="gpt-3.5-turbo-0125", messages=[])
'''


def repo(tmp_path):
    """gpt-3.5-turbo-0125 (an unconfirmed date, 2026-10-23) in four routes and at module level; claude-2.1
    (Anthropic's own page, 2025-07-21) in one function no route reaches."""
    root = tmp_path / "app"
    root.mkdir()
    text = ("import anthropic\nimport openai\nfrom fastapi import FastAPI\n\napp = FastAPI()\no = openai.OpenAI()\n"
            'DEFAULT = o.chat.completions.create(model="gpt-3.5-turbo-0125", messages=[])\n')
    text += "".join(ROUTE.replace("{name}", name) for name in "abcd")
    text += '\n\ndef legacy():\n    return anthropic.Anthropic().messages.create(model="claude-2.1", max_tokens=9, messages=[])\n'
    (root / "app.py").write_text(text)
    return root




def test_a_certain_switch_off_outranks_a_date_to_verify(tmp_path, capsys):
    decisions = scan(repo(tmp_path), "json", capsys)["decisions"]
    first, second = decisions[:2]
    assert (first["recommended"], first["certain"], first["locations"]) == ("Fix now", True, ["app.py:31"])
    assert (second["recommended"], second["confirmed"]) == ("Verify, then fix", False)
    assert second["priority"] > first["priority"]  # more exposed, and still second: it may not be off at all


def test_every_place_is_kept_and_the_rest_counted(tmp_path, capsys):
    root = repo(tmp_path)
    verify = scan(root, "json", capsys)["decisions"][1]
    assert verify["locations"] == ["app.py:7", "app.py:12", "app.py:17", "app.py:22", "app.py:27"]
    assert verify["functions"] == ["module level", "a", "b", "c", "d"] and "<module>" not in json.dumps(verify)
    markdown = scan(root, "markdown", capsys).replace("\\", "")
    assert "module level, a, b and 2 more; app.py:7, app.py:12, app.py:17 and 2 more" in markdown
    html = scan(root, "html", capsys)
    assert "module level, a, b and 2 more" in html and "&lt;module&gt;" not in html


def test_equal_priority_ranks_a_confirmed_date_first():
    def due(confirmed, certain):
        return Decision("retiring", "r", "d", "x", "2027-01-14", 0.5, 1, confirmed=confirmed, certain=certain)

    ranked = sorted([due(False, False), due(True, False), due(True, True)], key=Decision.sort_key)
    assert [(d.confirmed, d.certain) for d in ranked] == [(True, True), (True, False), (False, False)]
