"""A grade worse than its risk terms is explained wherever the grade is shown, and no report prints a
grade the scores did not give; past-date models are counted and worded alike in every format."""
from __future__ import annotations

import re

from riskscan.grade_caps import grade_for
from riskscan.render.html import context

from scan_support import AS_OF, scan_output as run

APP = '''import anthropic
import openai
from fastapi import FastAPI

app = FastAPI()
a = anthropic.Anthropic()
o = openai.OpenAI()


@app.post("/ask")
def ask(q: str):
    try:
        return a.messages.create(model="{first}", max_tokens=9, messages=[])
    except Exception:
        return o.chat.completions.create(model="gpt-house", messages=[])


@app.post("/chat")
def chat(q: str):
    try:
        return o.chat.completions.create(model="{second}", messages=[])
    except Exception:
        return a.messages.create(model="claude-house", max_tokens=9, messages=[])
'''


def repo(tmp_path, first="claude-2.1", second="gpt-house"):
    root = tmp_path / "app"
    root.mkdir()
    (root / "app.py").write_text(APP.replace("{first}", first).replace("{second}", second))
    return root


def test_a_retirement_cap_is_explained_wherever_the_grade_is_shown(tmp_path, capsys):
    root = repo(tmp_path)  # claude-2.1: Anthropic's own page, 2025-07-21; both routes have a plan B
    data = run(root, "json", capsys)
    s = data["scores"]
    alone = grade_for(s["risk"])
    assert s["grade"] == "D" and alone in "ABC" and "retired" in s["gates"]
    cap = next(r for r in s["reasons"] if r["kind"] == "gate")
    assert f"so the grade is D, not the {alone} that a risk of {s['risk']:.0f} alone gives" in cap["text"]
    assert {"field": "scores.risk", "value": s["risk"]} in cap["figures"]
    (note,) = s["grade_notes"]
    assert note.startswith(f"Grade D, not {alone}:") and "(confirmed date)" in note
    assert cap["text"] in run(root, "text", capsys)
    assert note in run(root, "markdown", capsys).replace("\\", "")
    html = run(root, "html", capsys)
    assert "capped at D: a model past its retirement date" in html and note in html
    assert re.search(rf"The terms add up to {s['risk_terms']:.0f} of 100, and the grade is D\.", html)
    sarif = run(root, "sarif", capsys)
    assert sarif["runs"][0]["properties"]["scores"]["grade_notes"] == [note]


def test_no_report_prints_a_grade_the_scores_did_not_give(tmp_path, capsys):
    """The method's grade bands are a scale, never a letter beside a number ("C 50" read as a grade)."""
    html = run(repo(tmp_path), "html", capsys)
    text = re.sub(r"<[^>]+>", " ", html)
    grade_and_number = re.compile(r"(?<!plan )\b[ABCDF]\s+\d+\b")  # "plan B 0.0" is the score bar's legend
    assert grade_and_number.findall(text) == []


def test_the_single_vendor_floor_is_explained(tmp_path, capsys):
    root = tmp_path / "one"
    root.mkdir()
    (root / "app.py").write_text("import openai\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
                                 "@app.post('/a')\ndef a():\n    return openai.OpenAI().chat.completions.create(model='gpt-house', messages=[])\n\n\n"
                                 "@app.get('/b')\ndef b():\n    return 1\n")
    s = run(root, "json", capsys)["scores"]
    assert "single_vendor_no_fallback" in s["gates"] and s["risk"] == 80 and s["risk_terms"] < 80
    floor = next(r for r in s["reasons"] if r["kind"] == "gate")
    assert f"at least 80 (grade F; its terms add up to {s['risk_terms']:.0f})" in floor["text"]
    assert s["grade_notes"] == [f"Risk 80, not the {s['risk_terms']:.0f} its terms add up to: one supplier carries every "
                                "AI call with no plan B, and that counts as at least 80."]
    assert "raised to 80: one supplier, no plan B" in run(root, "html", capsys)


def test_past_date_models_are_counted_alike_in_every_format(tmp_path, capsys):
    """One confirmed (claude-2.1) and one unconfirmed (gpt-3.5-turbo-0125) past date: the grade's reason
    counts the confirmed place, and every header says the same sentence with both."""
    root = repo(tmp_path, second="gpt-3.5-turbo-0125")
    data = run(root, "json", capsys)
    calendar = {r["model"]: r["confirmed"] for r in data["lifecycle"]["calendar"]}
    assert calendar == {"claude-2.1": True, "gpt-3.5-turbo-0125": False}
    cap = next(r for r in data["scores"]["reasons"] if r["kind"] == "gate")
    assert cap["text"].startswith("1 place in production code uses a model") and data["scores"]["gate_sites"]["retired"] == 1
    sentence = ("Production code names 2 models past their retirement date, in 2 places; 1 place with a confirmed date "
                "holds the grade at D or worse: claude-2.1 (1 place) switched off, confirmed date; gpt-3.5-turbo-0125 "
                "(1 place) may already be switched off, unconfirmed date, so it does not lower the grade.")
    assert sentence in run(root, "text", capsys)
    assert sentence in run(root, "markdown", capsys).replace("\\", "")
    assert context_of(root)["calendar"]["past_due"] == sentence


def context_of(root):
    from datetime import date

    from riskscan.api import ScanOptions, scan

    return context(scan(root, ScanOptions(as_of=date.fromisoformat(AS_OF), cache_dir=None)))
