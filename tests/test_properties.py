"""Robustness properties: no input makes the scanner raise, and results do not depend on how it runs."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskscan.analyse import analyse_file
from riskscan.api import ScanOptions, scan
from riskscan.discover import SourceFile
from riskscan.render import render

from conftest import FIXTURES

VENDORISH = st.sampled_from([
    "import openai\n", "from anthropic import Anthropic\nAnthropic().messages.create()\n",
    "x = 'https://api.groq.com/openai/v1'\n", "import litellm\nlitellm.completion(model='gpt-4o')\n",
    "if TYPE_CHECKING:\n    import cohere\n", "try:\n    import mistralai\nexcept ImportError:\n    pass\n",
    "os.environ['OPENAI_API_KEY']\n", "def f(:\n", "\x00", "\ufeff", "\r\n", "print 'py2'\n",
])


def _analyse_text(catalogue, data: bytes, name: str = "sample.py"):
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / name
        path.write_bytes(data)
        return analyse_file(SourceFile(path, name, "prod"), catalogue, frozenset(), 5_000_000)
    finally:
        shutil.rmtree(folder)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_are_scanned_or_skipped_never_raise(catalogue, data):
    result = _analyse_text(catalogue, data)
    assert result.skipped is None or result.skipped.reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(VENDORISH, max_size=6).map("".join))
def test_vendor_shaped_fragments_never_raise(catalogue, text):
    result = _analyse_text(catalogue, text.encode("utf-8", "surrogatepass"))
    assert result.skipped is None or result.skipped.reason
    for finding in result.findings:
        assert finding.line >= 1 and finding.vendor in catalogue.vendors


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles what it generates
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(hypothesmith.from_grammar())
def test_random_valid_python_never_raises(catalogue, source):
    result = _analyse_text(catalogue, source.encode("utf-8"))
    assert result.skipped is None or result.skipped.reason


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_notebook_text_never_raises(catalogue, text):
    result = _analyse_text(catalogue, text.encode("utf-8", "surrogatepass"), "nb.ipynb")
    assert result.skipped is None or result.skipped.reason


def test_results_do_not_depend_on_workers_or_prefilter(catalogue):
    app = FIXTURES / "example_app"
    baseline = render(scan(app, ScanOptions(jobs=1), catalogue), "json")
    assert render(scan(app, ScanOptions(jobs=2, parallel_from=0), catalogue), "json") == baseline
    assert render(scan(app, ScanOptions(jobs=1, prefilter=False), catalogue), "json") == baseline


# ---------------------------------------------------------------- nesting, file order, accounting
NESTERS = st.sampled_from([("(", ")"), ("[", "]"), ("f(", ")"), ("-", ""), ("not ", ""), ("lambda: ", ""),
                           ("a + ", ""), ("a and ", ""), ("x if c else ", ""), ("await ", ""), ("a.", "b"), ("g()", "")])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.tuples(NESTERS, st.integers(1, 400)), min_size=1, max_size=6), st.booleans())
def test_nested_expressions_are_analysed_or_skipped_with_a_reason(catalogue, layers, python2_tail):
    """Up to 2,400 mixed nesting levels: libcst must never see what would exhaust its stack."""
    opening = "".join(prefix * count for (prefix, _), count in layers)
    closing = "".join(suffix * count for (_, suffix), count in reversed(layers))
    source = f"import openai\nx = {opening}1{closing}\n" + ("print 'py2'\n" if python2_tail else "")
    result = _analyse_text(catalogue, source.encode())
    assert result.skipped is None or result.skipped.reason


_APP = FIXTURES / "example_app"


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False), st.booleans())
def test_results_do_not_depend_on_file_order_or_worker_count(catalogue, random, parallel):
    from unittest import mock

    from riskscan import api

    baseline = _baseline_json(catalogue)
    real = api.discover

    def shuffled(*args, **kwargs):
        files = list(real(*args, **kwargs))
        random.shuffle(files)
        return files

    options = ScanOptions(jobs=2, parallel_from=0) if parallel else ScanOptions(jobs=1)
    with mock.patch.object(api, "discover", shuffled):
        assert render(scan(_APP, options, catalogue), "json") == baseline


_BASELINE: dict = {}


def _baseline_json(catalogue) -> str:
    if "json" not in _BASELINE:
        _BASELINE["json"] = render(scan(_APP, ScanOptions(jobs=1), catalogue), "json")
    return _BASELINE["json"]


TREE_FILES = {  # kind -> (relative path, how to make it); every kind is one discovered file
    "vendor": ("v{}.py", lambda p: p.write_text("import openai\nopenai.OpenAI()\n")),
    "plain": ("p{}.py", lambda p: p.write_text("def f():\n    return 1\n")),
    "empty": ("e{}.py", lambda p: p.write_text("")),
    "syntax": ("s{}.py", lambda p: p.write_text("def f(:\n")),
    "python2": ("two{}.py", lambda p: p.write_text("print 'hello'\n")),
    "binary": ("b{}.py", lambda p: p.write_bytes(b"\x00\xff" * 10)),
    "latin1": ("l{}.py", lambda p: p.write_bytes(b"# -*- coding: latin-1 -*-\nimport openai\nx = '\xe9'\n")),
    "notebook": ("n{}.ipynb", lambda p: p.write_text('{"cells": [{"cell_type": "code", "source": "import anthropic"}]}')),
    "bad_notebook": ("bn{}.ipynb", lambda p: p.write_text("[1, 2")),
    "too_large": ("big{}.py", lambda p: p.write_text("x = 1\n" * 500)),
    "deep": ("d{}.py", lambda p: p.write_text("import openai\nx = " + "(" * 300 + ")" * 300 + "\n")),
    "nested_dir": ("sub{}/deeper/m.py", lambda p: p.write_text("import cohere\n")),
    "dangling_link": ("dl{}.py", lambda p: os.symlink(p.parent / "nowhere.py", p)),
    "outside_link": ("ol{}.py", lambda p: os.symlink(__file__, p)),
    "fifo": ("f{}.py", lambda p: os.mkfifo(p)),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(sorted(TREE_FILES)), max_size=10), st.booleans())
def test_every_discovered_file_is_scanned_or_skipped_with_a_reason(catalogue, kinds, parallel):
    folder = Path(tempfile.mkdtemp())
    try:
        for index, kind in enumerate(kinds):
            pattern, make = TREE_FILES[kind]
            path = folder / pattern.format(index)
            path.parent.mkdir(parents=True, exist_ok=True)
            make(path)
        (folder / ".venv").mkdir()
        (folder / ".venv" / "pyvenv.cfg").write_text("")
        (folder / ".venv" / "x.py").write_text("import openai\n")  # vendored: not a file of the project
        options = ScanOptions(jobs=2 if parallel else 1, parallel_from=0, max_bytes=1000)
        report = scan(folder, options, catalogue)
        assert report.files_scanned + len(report.skipped) == len(kinds)
        assert all(item.reason for item in report.skipped)
        assert not any(f.path.startswith(".venv") for f in report.findings)
    finally:
        shutil.rmtree(folder)


# ---------------------------------------------------------------- the JSON writer
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.tuples(children, children)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.booleans(), st.booleans())
def test_the_fast_json_writer_writes_what_the_json_module_writes(value, sort_keys, ensure_ascii):
    import json

    from riskscan.escape import indented_json

    assert indented_json(value, sort_keys, ensure_ascii) == json.dumps(value, indent=2, ensure_ascii=ensure_ascii, sort_keys=sort_keys)
