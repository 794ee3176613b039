"""A scan must not become a way in: no network, no code execution, data-only settings, escaped and
redacted output, and files written only where the user pointed, whole or not at all."""
from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from riskscan import cli
from riskscan.api import ScanOptions, scan
from riskscan.model import Skipped
from riskscan.render import FORMATS, render
from riskscan.render.graph_export import GRAPH_FORMATS, render_graph

from conftest import FIXTURES
from hostile_support import BIDI, TERMINAL, build_terminal_repo, unsafe_characters, write
from report_support import HOSTILE, build_hostile_repo

SECRETS_REPO = FIXTURES / "repos" / "secrets_repo"
KEYS = ("sk-proj-FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE",
        "sk-ant-api03-FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE")


def run_cli(args, env_home: Path, cwd: Path = None):
    """riskscan in a child process with its own HOME and cache folder (what CI would run)."""
    env = dict(os.environ, HOME=str(env_home), XDG_CACHE_HOME=str(env_home / "cache"), NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "riskscan", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd or env_home, timeout=300)


# ---------------------------------------------------------------- every output escapes what it shows
@pytest.fixture(scope="module")
def hostile(tmp_path_factory, catalogue):
    """One report holding every hostile string a tree can carry, plus what a tree cannot
    (a lone surrogate in a detail, markup and escapes in a skip reason)."""
    root = tmp_path_factory.mktemp("hostile")
    build_terminal_repo(root / "terminal")
    build_hostile_repo(root / "markup")
    report = scan(root, ScanOptions(jobs=1), catalogue)
    first = report.findings[0]
    report.findings.append(replace(first, detail=f"gpt\udce9{TERMINAL}\u2028{HOSTILE}\x85", snippet=f"{BIDI}{TERMINAL}\x00"))
    report.skipped.append(Skipped(f"injected{TERMINAL}.py", f"reason {HOSTILE}{TERMINAL}\udce9{BIDI}"))
    return report


def _check_escaped(text: str, fmt: str) -> None:
    text.encode("utf-8")  # strict: a lone surrogate cannot even be written to a UTF-8 stream
    assert unsafe_characters(text) == [], f"{fmt} shows control, bidi or undecodable characters raw"
    assert not any(line.startswith("all clear") for line in text.splitlines()), f"{fmt}: a file name forged a line"
    try:
        json.loads(text)
        return  # JSON escapes every string by construction; markup inside a JSON string is inert
    except ValueError:
        pass
    if fmt not in ("text", "dot"):  # everything else is read by something that may interpret markup
        assert HOSTILE not in text and "<script" not in text.lower(), f"{fmt} lets markup from the scanned tree through"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_report_format_escapes_what_it_shows(hostile, fmt):
    """Iterates riskscan.render.FORMATS, so a format added later is covered without a new test."""
    text = render(hostile, fmt)
    _check_escaped(text, fmt)
    assert "term" in text or fmt == "cyclonedx"  # the hostile files are reported, not dropped


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_every_graph_format_escapes_what_it_shows(hostile, fmt):
    text = render_graph(hostile.graph.graph, fmt)
    _check_escaped(text, fmt)
    if fmt == "graphml":
        ET.fromstring(text.encode("utf-8"))  # well-formed XML: no control characters XML 1.0 forbids


def test_terminal_output_shows_escapes_instead_of_obeying_them(tmp_path):
    build_terminal_repo(tmp_path / "repo")
    result = run_cli(["scan", tmp_path / "repo", "--no-cache", "-q"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and BIDI not in result.stdout
    assert "term\\x1b[2J\\x1b]0;pwned\\x07.py" in result.stdout
    assert "caf\\xe9_latin1.py" in result.stdout  # a non-UTF-8 file name, shown byte for byte


# ---------------------------------------------------------------- no network
def test_no_socket_is_opened_during_a_scan(tmp_path, monkeypatch, catalogue):
    """Serial, in worker processes (forked with the patch) and through the CLI with every format."""
    marker = tmp_path / "network-used"

    def refuse(*args, **kwargs):
        marker.write_text(repr(args))  # seen even from a worker process, and even if swallowed
        raise OSError("network access during a scan")

    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    app = FIXTURES / "example_app"
    scan(app, ScanOptions(jobs=1), catalogue)
    scan(app, ScanOptions(jobs=2, parallel_from=0), catalogue)
    outputs = [f"-o{tmp_path / ('report' + ext)}" for ext in (".txt", ".json", ".sarif", ".md", ".html", ".cdx.json")]
    assert cli.main(["scan", str(app), "-q", "--cache-dir", str(tmp_path / "cache"), *outputs]) == 0
    assert cli.main(["graph", str(app), "-o", str(tmp_path / "graph.dot")]) == 0
    assert not marker.exists(), marker.read_text()


# ---------------------------------------------------------------- scanned code is data
TRAPS = {  # files Python would run on import, install, test collection or start-up
    "setup.py": "", "conftest.py": "", "pkg/__init__.py": "", "pkg/__main__.py": "", "pkg/mod.py": "",
    "sitecustomize.py": "", "usercustomize.py": "", "openai.py": "", "click.py": "", "libcst.py": "",
    "json.py": "", "riskscan/__init__.py": "", "riskscan/__main__.py": "",
}


def build_trap_repo(root: Path, markers: Path) -> Path:
    """Every module writes a marker when executed; the notebook cell too."""
    for relpath in TRAPS:
        marker = markers / relpath.replace("/", "_")
        write(root / relpath, f"import anthropic\nopen({str(marker)!r}, 'w').write('executed')\nclient = anthropic.Anthropic()\n")
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": [f"open({str(markers / 'notebook')!r}, 'w').write('executed')\n", "import anthropic\n"]}
    write(root / "analysis.ipynb", json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return root


def test_scanned_code_is_never_imported_or_executed(tmp_path, monkeypatch, catalogue):
    markers = tmp_path / "markers"
    markers.mkdir()
    repo = build_trap_repo(tmp_path / "repo", markers)
    before = set(sys.modules)
    serial = scan(repo, ScanOptions(jobs=1), catalogue)
    scan(repo, ScanOptions(jobs=2, parallel_from=0), catalogue)
    monkeypatch.chdir(repo)  # even run from inside the hostile tree
    assert cli.main(["scan", ".", "-q", "--no-cache", "-o", str(tmp_path / "r.json")]) == 0
    assert list(markers.iterdir()) == []
    assert {f.path for f in serial.findings} >= {"pkg/mod.py", "setup.py", "analysis.ipynb"}  # it was read
    assert not list(repo.rglob("__pycache__")), "something imported the scanned tree"
    assert not any(getattr(sys.modules[name], "__file__", "") and str(repo) in str(sys.modules[name].__file__)
                   for name in set(sys.modules) - before)


def test_console_script_run_inside_a_hostile_tree_executes_nothing(tmp_path):
    """The `riskscan` script puts its own folder first on sys.path, never the working folder.

    (`python -m riskscan` inside an untrusted tree imports that tree's `riskscan/` or `click.py`
    first: that is how Python's -m works, and the README says to use `riskscan` or `python -P`.)
    """
    script = Path(sys.executable).parent / "riskscan"
    if not script.exists():
        pytest.skip("no riskscan console script next to this Python (not installed with pip)")
    markers = tmp_path / "markers"
    markers.mkdir()
    repo = build_trap_repo(tmp_path / "repo", markers)
    env = dict(os.environ, HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"))
    result = subprocess.run([str(script), "scan", ".", "-q"], cwd=repo, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    result = subprocess.run([sys.executable, "-P", "-m", "riskscan", "scan", ".", "-q"], cwd=repo, capture_output=True,
                            text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert list(markers.iterdir()) == []


# ---------------------------------------------------------------- configuration and rules are data
def test_rules_and_configuration_are_data_never_code(tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    repo = tmp_path / "repo"
    rules = repo / "myrules"
    trap = f"open({str(markers / 'rules')!r}, 'w').write('executed')\n"
    for relpath in ("__init__.py", "vendors/__init__.py", "vendors/acme.py", "conftest.py"):
        write(rules / relpath, trap)
    code = f"__import__('os').system('touch {markers / 'shell'}')"
    write(rules / "vendors" / "acme.toml",
          f'id = "acme"\nname = "{code}"\ncompany = "Acme"\nkind = "gateway"\n[sdk]\nimport_roots = ["acme_sdk"]\n')
    write(repo / "riskscan.toml", 'rules = ["myrules"]\nexclude = ["myrules/"]\n')
    write(repo / "app.py", "import acme_sdk\n")
    result = run_cli(["scan", repo, "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    vendors = {v["id"]: v for v in json.loads(result.stdout)["vendors"]}
    assert vendors["acme"]["name"] == code  # shown as text, never evaluated
    assert list(markers.iterdir()) == []


def test_a_project_configuration_cannot_direct_writes_outside_the_project(tmp_path):
    repo = tmp_path / "repo"
    write(repo / "app.py", "import openai\n")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "notes.txt").write_text("precious\n")
    os.symlink(tmp_path / "elsewhere", repo / "out")  # inside by its name, outside by where it leads
    for target in ("/tmp/riskscan-owned.json", "../../outside.json", "out/notes.txt"):
        write(repo / "riskscan.toml", f'baseline = "{target}"\n')
        result = run_cli(["baseline", repo], tmp_path, cwd=repo)
        assert result.returncode == 2, result.stderr
        assert "riskscan.toml:1: baseline:" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "outside.json").exists() and not Path("/tmp/riskscan-owned.json").exists()
    assert (tmp_path / "elsewhere" / "notes.txt").read_text() == "precious\n"


def test_a_project_configuration_reads_rules_only_from_inside_the_project(tmp_path):
    """A rule file's values are quoted in error messages (and CI logs show them to whoever opened
    the pull request): a repository's configuration cannot point riskscan at files elsewhere."""
    (tmp_path / "home" / "vendors").mkdir(parents=True)
    write(tmp_path / "home" / "vendors" / "x.toml", 'id = "x"\nname = "X"\ncompany = "X"\nkind = "private-value"\n')
    repo = tmp_path / "repo"
    write(repo / "app.py", "import openai\n")
    os.symlink(tmp_path / "home", repo / "linked")
    for rules in ("../home", str(tmp_path / "home"), "linked"):
        write(repo / "riskscan.toml", f'rules = ["{rules}"]\n')
        result = run_cli(["scan", repo], tmp_path, cwd=repo)
        assert result.returncode == 2 and "riskscan.toml:1: rules[0]:" in result.stderr, result.stderr
        assert "private-value" not in result.stderr + result.stdout


# ---------------------------------------------------------------- secrets stay redacted everywhere
def _no_key(text: str, where: str) -> None:
    for key in KEYS:
        assert key not in text and key[10:40] not in text, f"a key reached {where}"


def test_secrets_are_redacted_in_every_format_and_the_cache(tmp_path, catalogue):
    report = scan(SECRETS_REPO, ScanOptions(jobs=1, cache_dir=tmp_path), catalogue)
    assert any(f.kind == "secret" for f in report.findings)
    for fmt in FORMATS:
        _no_key(render(report, fmt), fmt)
    for fmt in GRAPH_FORMATS:
        _no_key(render_graph(report.graph.graph, fmt), f"graph {fmt}")
    rows = sqlite3.connect(tmp_path / "cache.sqlite3").execute("SELECT value FROM results").fetchall()
    assert rows
    for (blob,) in rows:
        _no_key(zlib.decompress(blob).decode("utf-8", "replace"), "the cache")


def test_secrets_are_redacted_in_skip_reasons_and_error_messages(tmp_path, monkeypatch, catalogue):
    from riskscan import analyse
    from riskscan.source import Unreadable

    monkeypatch.setattr(analyse, "read_units", lambda path, limit: Unreadable(f"cannot read: token {KEYS[0]}"))
    report = scan(SECRETS_REPO, ScanOptions(jobs=1), catalogue)
    assert report.skipped and "REDACTED" in report.skipped[0].reason
    _no_key(render(report, "json"), "a skip reason")
    rules = tmp_path / "rules" / "vendors"
    write(rules / "acme.toml", f'id = "acme"\nname = "Acme"\ncompany = "Acme"\nkind = "{KEYS[1]}"\n')
    result = run_cli(["scan", SECRETS_REPO, "--rules", rules.parent, "--no-cache"], tmp_path)
    assert result.returncode == 2 and "acme.toml:4: kind:" in result.stderr
    _no_key(result.stderr + result.stdout, "an error message")


# ---------------------------------------------------------------- outputs go only where the user pointed
def _tree(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


def test_a_scan_writes_only_the_reports_asked_for_and_its_cache(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "example_app", repo, symlinks=True)
    work, out = tmp_path / "work", tmp_path / "out"
    work.mkdir()
    out.mkdir()
    before = _tree(repo)
    result = run_cli(["scan", repo, "-q", "-o", out / "r.json", "-o", out / "r.html"], tmp_path, cwd=work)
    assert result.returncode == 0, result.stderr
    assert _tree(repo) == before, "the scan changed the scanned tree"
    assert list(work.iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == ["r.html", "r.json"]  # no temporary files left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "out", "repo", "work"]
    shutil.rmtree(tmp_path / "cache")
    assert run_cli(["scan", repo, "-q", "--no-cache"], tmp_path, cwd=work).returncode == 0
    assert not (tmp_path / "cache").exists() and list(work.iterdir()) == []


def test_an_output_that_cannot_be_written_is_a_clear_error(tmp_path):
    result = run_cli(["scan", FIXTURES / "repos" / "single_vendor", "--no-cache", "-o", tmp_path / "missing" / "r.json"], tmp_path)
    assert result.returncode == 2
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "missing").exists()


# ---------------------------------------------------------------- interruption: whole reports or none
class _FailingHandle:
    """Writes half of what it is given, then fails as Ctrl-C or a crash would."""

    def __init__(self, handle, error):
        self.handle, self.error = handle, error

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()

    def write(self, text):
        self.handle.write(text[: len(text) // 2])
        self.handle.flush()
        raise self.error


@pytest.mark.parametrize("error", [KeyboardInterrupt(), MemoryError(), OSError(28, "No space left on device")])
def test_a_report_interrupted_mid_write_leaves_the_previous_one_whole(tmp_path, monkeypatch, error):
    report = tmp_path / "report.json"
    report.write_text('{"previous": true}\n')
    real_fdopen = os.fdopen
    monkeypatch.setattr(cli.os, "fdopen", lambda fd, *a, **k: _FailingHandle(real_fdopen(fd, *a, **k), error))
    with pytest.raises((KeyboardInterrupt, MemoryError, cli.RiskscanError)):
        cli.write_atomically(report, '{"new": "' + "x" * 100_000 + '"}\n')
    assert report.read_text() == '{"previous": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # the temporary file is gone too
    monkeypatch.undo()
    cli.write_atomically(report, '{"new": true}\n')  # the next run recovers by itself
    assert json.loads(report.read_text()) == {"new": True}


def test_a_process_killed_mid_write_leaves_the_previous_report_and_the_next_run_recovers(tmp_path):
    report = tmp_path / "report.json"
    report.write_text("previous\n")
    killed = subprocess.run([sys.executable, "-c", (
        "import os, sys\nfrom riskscan import cli\n"
        "os.replace = lambda *a: os._exit(9)  # the process dies between writing and renaming\n"
        "cli.write_atomically(sys.argv[1], 'half of a new report')\n"), str(report)], timeout=60)
    assert killed.returncode == 9
    assert report.read_text() == "previous\n"
    cli.write_atomically(report, "new\n")
    assert report.read_text() == "new\n"


@pytest.mark.parametrize("stage", ["scan", "render"])
def test_ctrl_c_exits_130_without_a_report_or_a_traceback(tmp_path, monkeypatch, capsys, stage):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, stage, interrupt)
    target = tmp_path / "report.json"
    code = cli.main(["scan", str(FIXTURES / "repos" / "single_vendor"), "-q", "--no-cache", "-o", str(target)])
    assert code == 130
    assert "interrupted" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_truncated_or_corrupt_cache_is_ignored_and_rebuilt(tmp_path, catalogue):
    app = FIXTURES / "example_app"
    expected = render(scan(app, ScanOptions(jobs=1), catalogue), "json")
    cached = lambda: render(scan(app, ScanOptions(jobs=1, cache_dir=tmp_path), catalogue), "json")  # noqa: E731
    assert cached() == expected
    database = tmp_path / "cache.sqlite3"
    data = database.read_bytes()
    for damaged in (data[: len(data) // 2], data[:100], data[:4096] + b"\0" * (len(data) - 4096)):
        database.write_bytes(damaged)
        for leftover in tmp_path.glob("cache.sqlite3-*"):
            leftover.unlink()
        assert cached() == expected  # the damaged file is not trusted
        assert cached() == expected  # and the next run has a working cache again
    rebuilt = sqlite3.connect(database).execute("SELECT COUNT(*) FROM results").fetchone()[0]
    assert rebuilt > 0


def test_ctrl_c_mid_scan_leaves_a_cache_the_next_run_can_use(tmp_path, monkeypatch, catalogue):
    from riskscan import api

    app = FIXTURES / "example_app"
    expected = render(scan(app, ScanOptions(jobs=1), catalogue), "json")
    analyse, calls = api.analyse_file, []

    def interrupted(*args):
        calls.append(args[0].relpath)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return analyse(*args)

    monkeypatch.setattr(api, "analyse_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        scan(app, ScanOptions(jobs=1, cache_dir=tmp_path), catalogue)
    monkeypatch.undo()
    for _ in range(2):  # the first run completes what was interrupted, the second reads it all back
        assert render(scan(app, ScanOptions(jobs=1, cache_dir=tmp_path), catalogue), "json") == expected
