"""Notebooks as IPython runs them: IPython-only lines cost only themselves, a broken cell costs only
that cell, and every place a report prints names the cell its line counts in (`path[cell 3]:line`)."""
from __future__ import annotations

import json

import pytest

from riskscan import cli
from riskscan.api import ScanOptions, scan
from riskscan.places import place, split
from riskscan.render import render
from riskscan.source import notebook_units

from hostile_support import write

NB = {"metadata": {}, "nbformat": 4, "nbformat_minor": 5}
CALL = ["import anthropic\n", "anthropic.Anthropic().messages.create(model='claude-sonnet-4-5', max_tokens=5, messages=[])\n"]


def notebook(*sources) -> str:
    cells = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}
             for source in sources]
    return json.dumps(dict(NB, cells=cells))


def calls(report, path):
    return sorted((f.cell, f.line) for f in report.findings if f.path == path and f.is_call_site)


@pytest.mark.parametrize("ipython", [
    ["%pip install -q \\\n", "    openai \\\n", "    anthropic\n"],  # a magic continued over lines
    ["!pip install -q \\\n", "  openai\n"],  # a shell line continued
    ["import os\n", "if not os.path.exists('x'):\n", "    !wget http://example.com/x\n"],  # the only line of a block
    ["for name in ['a']:\n", "    %time print(name)\n", "    files = !ls {name}\n", "    name?\n"],
    ["def f():\n", "    pip install openai\n"],  # automagic, indented
], ids=["magic-continued", "shell-continued", "indented-shell", "indented-magics", "indented-automagic"])
def test_ipython_only_lines_cost_only_themselves(tmp_path, catalogue, ipython):
    repo = tmp_path / "repo"
    write(repo / "nb.ipynb", notebook(ipython, CALL))
    report = scan(repo, ScanOptions(jobs=1), catalogue)
    assert report.skipped == [] and report.partly_skipped == []
    assert calls(report, "nb.ipynb") == [(2, 2)]


def test_blanking_keeps_every_line_where_it_was():
    unit = notebook_units(notebook(["if True:\n", "    !ls \\\n", "      -la\n", "x = 1\n"]).encode())[0]
    assert unit.source.decode().split("\n") == ["if True:", "    pass", "", "x = 1", ""]


def test_one_broken_cell_costs_only_that_cell(tmp_path, catalogue, capsys):
    repo = tmp_path / "repo"
    write(repo / "nb.ipynb", notebook(["x = (\n"], CALL, ["import os\n", "def broken(:\n"], CALL))
    report = scan(repo, ScanOptions(jobs=1), catalogue)
    assert report.skipped == [] and report.files_scanned == 1
    assert calls(report, "nb.ipynb") == [(2, 2), (4, 2)]
    assert [(s.path, s.cell, s.line) for s in report.partly_skipped] == [("nb.ipynb", 1, 1), ("nb.ipynb", 3, 2)]
    assert all(s.reason.startswith("syntax error") and "error at" not in s.reason for s in report.partly_skipped)
    assert cli.main(["scan", str(repo), "--no-cache", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["cells_skipped"] == 2 and data["skipped"] == []
    assert [(s["path"], s["cell"], s["line"]) for s in data["partly_skipped"]] == [("nb.ipynb", 1, 1), ("nb.ipynb", 3, 2)]
    assert cli.main(["scan", str(repo), "--no-cache"]) == 0
    text = capsys.readouterr().out
    assert "nb.ipynb[cell 3]:2: syntax error" in text and "2 notebook cells" in text


def test_a_syntax_error_names_a_line_of_its_cell(tmp_path, catalogue):
    lines = [f"x{i} = {i}\n" for i in range(10)] + ["if x1:\n", "print(1)\n"]
    repo = tmp_path / "repo"
    write(repo / "nb.ipynb", notebook(["import os\n"] * 20, lines))
    report = scan(repo, ScanOptions(jobs=1), catalogue)
    (skip,) = report.partly_skipped
    assert (skip.cell, skip.line) == (2, 12) and "error at" not in skip.reason


def test_every_format_names_the_cell_of_notebook_evidence(tmp_path, catalogue):
    """Two cells calling at the same line must stay two places wherever evidence is printed."""
    repo = tmp_path / "repo"
    write(repo / "nb.ipynb", notebook(CALL, CALL, ["anthropic.Anthropic().messages.create(model='claude-2.1', messages=[])\n"]))
    report = scan(repo, ScanOptions(jobs=1, as_of=__import__("datetime").date(2026, 12, 3)), catalogue)
    first, second = place("nb.ipynb", 2, 1), place("nb.ipynb", 2, 2)
    data = json.loads(render(report, "json"))
    evidence = [e for r in data["scores"]["reasons"] for e in r["evidence"]]
    assert first in evidence and second in evidence
    assert all("[cell " in e for e in evidence if e.startswith("nb.ipynb"))
    retired = next(d for d in data["decisions"] if "claude-2.1" in d["risk"])
    assert retired["locations"] == [place("nb.ipynb", 1, 3)]
    assert data["lifecycle"]["calendar"][0]["where"] == [place("nb.ipynb", 1, 3)]
    for fmt in ("text", "markdown", "html"):
        out = render(report, fmt)
        shown = out.replace("/<wbr>", "/").replace("\\[", "[").replace("\\]", "]")  # HTML breaks, Markdown escapes
        assert "nb.ipynb[cell 3]:1" in shown, fmt
    sarif = render(report, "sarif")
    assert "nb.ipynb[cell 1]:2" in sarif


def test_places_read_back():
    assert split(place("a/b.ipynb", 4, 2)) == ("a/b.ipynb", 4, 2)
    assert split(place("a/b.py", 4)) == ("a/b.py", 4, None)
    assert split("weird[cell x]:3") == ("weird[cell x]", 3, None)


def test_a_notebook_whose_every_cell_fails_is_still_reported_in_every_format(tmp_path, catalogue):
    repo = tmp_path / "repo"
    write(repo / "nb.ipynb", notebook(["x = (\n"], ["def f(:\n"]))
    report = scan(repo, ScanOptions(jobs=1), catalogue)
    assert len(report.partly_skipped) == 2 and report.files_scanned == 1
    for fmt in ("text", "json", "sarif", "markdown", "html"):
        assert "nb.ipynb" in render(report, fmt), fmt
    assert 'riskscan:cells_skipped' in render(report, "cyclonedx")  # an AI-BOM counts what it could not see


def test_a_notebook_too_large_to_parse_reaches_no_parser(tmp_path, catalogue, monkeypatch):
    """The size budget is checked before the stdlib parser reads the joined cells (it would exhaust
    memory first); the analysis then skips the notebook for its size, with the reason."""
    from riskscan import source

    def refuse(*_):
        raise AssertionError("parsed a notebook over the size budget")

    monkeypatch.setattr(source, "size_problem", lambda data: "too large to parse safely")
    monkeypatch.setattr(source, "parse_tree", refuse)
    (unit,) = notebook_units(notebook(CALL, CALL).encode())
    assert unit.tree is None and unit.cells == ((1, 1), (4, 2))
