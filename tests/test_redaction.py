"""A key in a scanned repository reaches no output: not a report of any format, not the gate's output,
a baseline, a graph export, a diff, a message, a traceback or the cache, wherever the repository put it."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskscan import cli
from riskscan.api import ScanOptions, scan
from riskscan.redact import Redactor, mask, redact_document, redactor_for
from riskscan.render import FORMATS, render
from riskscan.render.graph_export import GRAPH_FORMATS, render_graph

from hostile_support import write
from redaction_support import ALNUM, KNOWN_FORMATS, SHAPES, cache_rows, escaped, key_of, leaks, outputs, plant


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_no_output_and_no_cache_row_holds_a_key(tmp_path, capsys, shape):
    """A table of key shapes, each planted in every place the scanner reads, against every output."""
    key = key_of(shape)
    root = plant(tmp_path / "repo", key, known_format=shape in KNOWN_FORMATS)
    texts = outputs(root, tmp_path / "out", capsys)
    assert texts["cache"], "the cache was not written"
    found = {name: leaks(text, key) for name, text in texts.items() if leaks(text, key)}
    assert found == {}, f"the {shape} key reached: {found}"
    report = json.loads(texts["report.json"])
    assert "REDACTED" in texts["report.json"] and report["findings"]
    if shape in KNOWN_FORMATS:  # the string scanner finds it however it is spelt, and the gate fails on it
        secrets = {(f["path"], f["line"]) for f in report["findings"] if f["kind"] == "secret"}
        lines = {line for path, line in secrets if path == "literals.py"}
        assert {2, 3, 4, 6, 7, 9, 11, 12} <= lines, f"{shape}: keys missed on lines {sorted({2, 3, 4, 6, 7, 9, 11, 12} - lines)}"
        assert ("notebooks/demo.ipynb", 2) in secrets
        assert "RS301" in texts["check-text stdout"]


def test_a_snippet_cut_inside_a_key_keeps_none_of_it(catalogue):
    redactor = redactor_for(catalogue)
    key = key_of("google")
    for kept in range(8, len(key)):
        snippet = f'x = "{key[:kept]}'
        assert key[6:kept] not in redactor(snippet, cut=True), kept


def test_rule_files_can_widen_redaction_never_narrow_it(catalogue):
    """A repository's own rule folder may add a key format; a pattern that matches only the first
    characters of a built-in format (sorted first because it is longer) must not stop the rest."""
    import re

    key = key_of("openai")
    hostile = re.compile("sk-p(?=roj-)" + "(?:)" * 40)
    redactor = Redactor([hostile] + [p for p, _, _ in catalogue.secrets])
    assert leaks(redactor(f'k = "{key}"'), key) == []
    assert leaks(Redactor([hostile])(f'k = "{key}"'), key) == []  # the generic shapes still hold


def test_error_messages_and_debug_tracebacks_hold_no_key(tmp_path, capsys, monkeypatch):
    key = key_of("openai")
    repo = tmp_path / "repo"
    write(repo / "app.py", "import openai\n")
    configs = {  # a key as an unknown key name, as a wrong value, and in a rule folder's file
        "riskscan.toml": f'"{key}" = 1\njobs = "{key}"\n',
    }
    for name, text in configs.items():
        write(repo / name, text)
    code = cli.main(["scan", str(repo), "--no-cache"])
    err = capsys.readouterr().err
    assert code == 2 and "riskscan.toml:1" in err and leaks(err, key) == []
    (repo / "riskscan.toml").unlink()
    write(repo / "rules" / "vendors" / "acme.toml", f'id = "acme"\nname = "Acme"\ncompany = "{key}"\nkind = "{key}"\n')
    code = cli.main(["rules", "--rules", str(repo / "rules")])
    err = capsys.readouterr().err
    assert code == 2 and "acme.toml:4: kind" in err and leaks(err, key) == []

    def fail(*args, **kwargs):
        raise RuntimeError(f"unexpected value {key} in https://user:{key}@host")

    monkeypatch.setattr(cli, "scan", fail)
    for debug in ([], ["--debug"]):
        code = cli.main(["scan", str(repo), "--no-cache", *debug])
        err = capsys.readouterr().err
        assert code == 2, "an internal error is exit 2, never 1 (the verdict)"
        assert "internal error: RuntimeError" in err and leaks(err, key) == []
        assert ("Traceback" in err) == bool(debug)


def test_masks_are_stable_and_recognisable():
    key = key_of("openai")
    assert mask(key) == f"sk-pro…[REDACTED {len(key)} chars]"
    once = redact_document(f'"https://u:{key}@h/x?key={key}"')
    assert redact_document(once) == once  # redacting a report twice changes nothing


# ---------------------------------------------------------------- property: any shape, any placement
def _key_strategy():
    starts = st.sampled_from([SHAPES[name][0] for name in KNOWN_FORMATS])
    return st.builds(lambda start, seed: start + _random_body(start, seed), starts, st.integers(0, 10**9))


def _random_body(start: str, seed: int) -> str:
    from redaction_support import body

    lengths = {"sk-proj-": 48, "sk-ant-api03-": 90, "AIza": 35, "gsk_": 52, "hf_": 34, "xai-": 60}
    return body(seed, lengths[start], ALNUM if start in ("AIza", "gsk_", "hf_", "xai-") else ALNUM + "_-")


def _placed(key: str, how: str, split: int) -> dict:
    """{relative path: text} putting `key` into a repository one way."""
    split = max(1, min(split, len(key) - 1))
    code = {
        "literal": f'c = OpenAI(api_key="{key}")',
        "pieces": f'c = OpenAI(api_key="{key[:split]}" \'{key[split:]}\')',
        "escapes": f'c = OpenAI(api_key="{escaped(key[:split], split)}{key[split:]}")',
        "lines": f'c = OpenAI(api_key=("{key[:split]}"\n    "{key[split:]}"), base_url="https://api.openai.com/v1")',
        "url": f'c = OpenAI(base_url="https://{key}@api.openai.com/v1?key={key}")',
        "model": f'r = OpenAI().chat.completions.create(model="{key}")',
        "fstring": f'P = "{key[:split]}"\nc = OpenAI(api_key=f"{{P}}{key[split:]}")',
    }
    if how in code:
        return {"app.py": "from openai import OpenAI\n" + code[how] + "\n"}
    if how == "name":
        return {f"{key}.py": "import openai\n", "app.py": "import openai\n"}
    if how == "notebook":
        cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                "source": ["import openai\n", f"c = openai.OpenAI(api_key='{key[:split]}' '{key[split:]}')\n"]}
        return {"nb.ipynb": json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})}
    if how == "manifest":
        return {"app.py": "import openai\n", "requirements.txt": f"openai @ https://u:{key}@example.com/o.whl\nx @ https://{key}@h/a b\n"}
    raise AssertionError(how)


PLACEMENTS = ["literal", "pieces", "escapes", "lines", "url", "model", "fstring", "name", "notebook", "manifest"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(key=_key_strategy(), how=st.sampled_from(PLACEMENTS), split=st.integers(1, 40))
def test_property_no_key_in_any_format_or_the_cache(tmp_path_factory, catalogue, key, how, split):
    root = tmp_path_factory.mktemp("repo")
    for relpath, text in _placed(key, how, split).items():
        write(root / relpath, text)
    cache = tmp_path_factory.mktemp("cache")
    for jobs in (1, 2):
        report = scan(root, ScanOptions(jobs=jobs, parallel_from=0, cache_dir=cache), catalogue)
    texts = {fmt: render(report, fmt) for fmt in FORMATS}
    texts.update({f"graph {fmt}": render_graph(report.extra["graph"].graph, fmt) for fmt in GRAPH_FORMATS})
    texts["cache"] = cache_rows(Path(cache))
    assert {name: leaks(text, key) for name, text in texts.items() if leaks(text, key)} == {}
    if how not in ("name", "manifest"):
        assert any(f.kind == "secret" for f in report.findings), f"{how}: the key was not found"


def test_config_and_notebook_keys_in_the_cli_error_path(tmp_path, capsys):
    """A notebook that cannot be read quotes a parser message; a configuration value quotes itself."""
    key = key_of("groq")
    repo = tmp_path / "repo"
    write(repo / "nb.ipynb", '{"cells": [' + f'"{key}"' + ", }")
    write(repo / "riskscan.toml", f'exclude = "{key}"\n')
    code = cli.main(["scan", str(repo), "--no-cache", "--format", "json"])
    out = capsys.readouterr()
    assert code == 2 and leaks(out.err + out.out, key) == []
    (repo / "riskscan.toml").unlink()
    assert cli.main(["scan", str(repo), "--no-cache", "--format", "json"]) == 0
    out = capsys.readouterr()
    assert leaks(out.err + out.out, key) == [] and "nb.ipynb" in out.out


