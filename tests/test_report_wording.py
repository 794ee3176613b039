"""Small things a reader trips over: one scope per table, marks that are explained, plurals, a
plan B that is only a configuration switch, "could not be read" said only of unreadable files,
and reason figures rounded like the fields they cite."""
from __future__ import annotations

import re

from conftest import FIXTURES
from scan_support import scan_output as scan




def visible(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.S))
    return re.sub(r"\s+", " ", text.replace("&#39;", "'").replace("&amp;", "&"))


def test_the_vendor_table_counts_one_scope_per_column(capsys):
    text = scan(FIXTURES / "example_app", "text", capsys)
    data = scan(FIXTURES / "example_app", "json", capsys)
    header = next(line for line in text.splitlines() if line.startswith("vendor "))
    assert header.split()[-1] == "tests/examples"
    openai = next(v for v in data["vendors"] if v["id"] == "openai")
    row = next(line for line in text.splitlines() if line.startswith("OpenAI "))
    assert row.split()[-5:] == [str(openai["prod_files"]), str(openai["prod_findings"]), str(openai["call_sites"]),
                                str(openai["call_sites_without_plan_b"]), str(openai["findings"] - openai["prod_findings"])]


def test_the_approximate_mark_is_explained_where_it_is_shown(tmp_path, capsys):
    """An unresolved call into a module (tests/test_graph.py) makes the entry point's reach approximate: "~"."""
    root = tmp_path / "app"
    (root / "tool").mkdir(parents=True)
    (root / "tool" / "__init__.py").write_text("")
    (root / "tool" / "backend.py").write_text("import cohere\n\n\ndef embed(texts):\n"
                                             "    return cohere.ClientV2().embed(texts=texts, model='embed-v4.0')\n\n\n"
                                             "REGISTRY = {'embed': embed}\n")
    (root / "tool" / "cli.py").write_text("import click\n\nfrom tool import backend\n\n\n@click.command()\ndef run():\n"
                                         "    backend.REGISTRY['embed'](['a'])\n    backend.lookup_dynamic('embed')\n")
    data = scan(root, "json", capsys)
    assert any(e["approximate"] for e in data["entry_points"])
    text = scan(root, "text", capsys)
    assert " ~\n" in text and "(~: reach partly inferred" in text


def test_a_plan_b_that_is_only_a_configuration_switch_is_said_so(capsys):
    data = scan(FIXTURES / "repos" / "config_switch_app", "json", capsys)
    s = data["scores"]
    assert s["call_sites_switchable"] and s["call_sites"] - s["call_sites_without_plan_b"] - s["call_sites_switchable"] == 0
    html = visible(scan(FIXTURES / "repos" / "config_switch_app", "html", capsys))
    assert "working plan B" not in html
    assert f"0 of {s['call_sites']} AI call sites have a runtime plan B, {s['call_sites_switchable']} a switch by configuration" in html
    assert "0 have a runtime plan B with another supplier" in html and "1 has none" in html


def test_one_supplier_without_plan_b_is_not_none_of_one(capsys):
    html = visible(scan(FIXTURES / "repos" / "single_vendor", "html", capsys))
    assert "None of the 1 supplier" not in html
    assert "the only supplier, has no plan B" in html


def test_could_not_be_read_is_said_only_of_files_that_could_not_be_read(tmp_path, capsys):
    root = tmp_path / "app"
    root.mkdir()
    (root / "ok.py").write_text("import openai\nopenai.OpenAI().chat.completions.create(model='x', messages=[])\n")
    (root / "broken.py").write_text("def f(:\n")
    (root / "also_broken.py").write_text("print 'py2'\n")
    (root / "blob.py").write_bytes(b"\x00\x01binary")
    html = visible(scan(root, "html", capsys))
    assert "2 files could not be parsed and 1 could not be read, so the figures leave them out." in html
    assert "3 files could not be read" not in html


def test_reason_figures_are_rounded_like_the_fields_they_cite(capsys):
    data = scan(FIXTURES / "example_app", "json", capsys)
    for reason in data["scores"]["reasons"]:
        for figure in reason["figures"]:
            path = figure["field"].split(".")
            value = data
            for part in path:
                name, _, key = part.partition("[")
                value = value[name]
                if key:
                    value = next(row for row in value if row["id"] == key.rstrip("]"))
            assert figure["value"] == value, (reason["text"], figure)  # equal, not approximately
