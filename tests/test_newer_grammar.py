"""A module in newer grammar than the running Python keeps its structure: libcst reads it, and the
stdlib parser reads it lowered (riskscan/lowering.py), so its functions and entry points count."""
from __future__ import annotations

import ast
import sys
import textwrap

import libcst as cst
import pytest

from riskscan.api import ScanOptions, scan
from riskscan.lowering import lowered_tree

APP = textwrap.dedent('''\
    from fastapi import FastAPI
    from openai import OpenAI

    type Reply = str

    app = FastAPI()
    client = OpenAI()


    @app.post("/chat")
    def chat[T](question: T) -> Reply:
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])


    def helper():
        return f"{ {"a": 1}["a"] }"
''')


def test_entry_points_of_a_module_in_newer_grammar_are_found(tmp_path, catalogue):
    (tmp_path / "app.py").write_text(APP)
    report = scan(tmp_path, ScanOptions(jobs=1), catalogue)
    assert report.skipped == []
    entries = {e.name: e.as_dict() for e in report.exposure.entry_points}
    assert entries["chat"]["vendors"] == ["openai"]
    structure = report.results[0].structure
    assert {"chat", "helper"} <= set(structure.functions)


def test_lowering_keeps_every_line_where_it_was():
    module = cst.parse_module(APP)
    tree = lowered_tree(module, APP)
    assert tree is not None
    lines = {node.name: node.lineno for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    assert lines == {"chat": 11, "helper": 15}
    assert len(ast.unparse(tree).splitlines()) <= len(APP.splitlines())


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="this Python reads the 3.12 grammar itself")
def test_a_statement_the_stdlib_cannot_read_is_lost_not_the_module():
    source = 'import os\n\n\ndef keep():\n    return os.getcwd()\n\n\ndef lose():\n    value = f"{ {"a": 1}["a"] }"\n    return value\n'
    tree = lowered_tree(cst.parse_module(source), source)
    functions = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    assert set(functions) == {"keep", "lose"} and functions["lose"].lineno == 8
    assert len(functions["lose"].body) == 2  # the assignment became the statement `0`, its line kept
