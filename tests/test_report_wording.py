"""Small things a reader trips over: one scope per table, marks that are explained, plurals, a
plan B that is only a configuration switch, "could not be read" said only of unreadable files,
and reason figures rounded like the fields they cite."""
from __future__ import annotations

import re

import pytest
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


@pytest.mark.parametrize("repo", [FIXTURES / "example_app", FIXTURES / "repos" / "diversified_gateway"])
def test_reason_figures_are_rounded_like_the_fields_they_cite(repo, capsys):
    """diversified_gateway's HHI is 3333.3333..., which the field rounds to 3333.3."""
    data = scan(repo, "json", capsys)
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


def test_the_control_mapping_counts_plan_b_as_the_plan_b_section_does(capsys):
    """A switch by configuration is half a plan B in the coverage figure, never a "coded fallback"."""
    data = scan(FIXTURES / "repos" / "config_switch_app", "json", capsys)
    s = data["scores"]
    html = visible(scan(FIXTURES / "repos" / "config_switch_app", "html", capsys))
    assert (f"0 of {s['call_sites']} production AI call sites have a coded fallback to another supplier; "
            f"{s['call_sites_switchable']} can be switched by configuration.") in html
    assert "of AI calls have a coded fallback" not in html
    assert "(s)" not in html


def test_a_library_report_says_what_its_figures_count(capsys):
    """A library's concentration is over hard-wired use counted by module; its outage impact is left
    out of the score: no section may word those as functions, or print the left-out term as 0."""
    root = FIXTURES / "repos" / "provider_library"
    s = scan(root, "json", capsys)["scores"]
    assert s["reach_unit"] == "modules" and s["blast_radius_max"] is None
    html = visible(scan(root, "html", capsys))
    bar = html.split("What makes up this score")[1].split("Confidence")[0]
    assert "stops n/a" not in html and "Outage impact" not in bar and "Concentration" in bar
    assert (f"A library: its users' functions are not in this code; the worst single-supplier outage reaches "
            f"{s['blast_radius_modules_max']:.0%} of AI-using production modules (module level).") in html
    assert "counting call sites instead of modules gives" in html and "instead of functions" not in html
    assert "Each supplier's share of hard-wired AI use, counted by the production modules behind it" in html
    assert "OpenAI carries 100% of our hard-wired AI use, counted by the production modules behind it (highly concentrated)" in html
    assert "1 call site is hard-wired to OpenAI" in html


def test_module_level_exposure_names_modules_by_their_files(tmp_path, capsys):
    """Dotted names depend on where each import root was found (`app.api` beside `backend.scripts.seed`)."""
    root = tmp_path / "repo"
    (root / "backend" / "app").mkdir(parents=True)
    (root / "backend" / "scripts").mkdir()
    (root / "backend" / "app" / "__init__.py").write_text("")
    (root / "backend" / "app" / "chat.py").write_text(
        "import openai\n\n\ndef answer(q):\n    return openai.OpenAI().chat.completions.create(model='gpt-house', messages=[])\n")
    (root / "backend" / "scripts" / "seed.py").write_text(
        "import openai\n\nopenai.OpenAI().embeddings.create(model='text-embedding-3-small', input=['a'])\n")
    data = scan(root, "json", capsys)
    assert data["scores"]["reach_unit"] == "modules"
    markdown = scan(root, "markdown", capsys).replace("\\_", "_")
    line = next(line for line in markdown.splitlines() if "production modules that use AI (" in line)
    assert "backend/app/chat.py" in line and "backend/scripts/seed.py" in line
    assert "app.chat" not in line


def test_text_reasons_mark_places_not_shown(tmp_path, capsys):
    root = tmp_path / "app"
    root.mkdir()
    calls = "".join(f"def f{i}():\n    return openai.OpenAI().chat.completions.create(model='gpt-house', messages=[])\n\n\n"
                    for i in range(5))
    (root / "app.py").write_text("import openai\n\n\n" + calls)
    text = scan(root, "text", capsys)
    line = next(line for line in text.splitlines() if "production AI call sites have no plan B" in line)
    assert line.endswith(", ...]") and line.count("app.py:") == 3
