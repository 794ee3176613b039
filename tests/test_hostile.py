"""Hostile and messy trees: the scan finishes, loses no file's result, and says why it skipped one."""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from riskscan import api, cli
from riskscan.api import ScanOptions, scan
from riskscan.budget import MAX_TOKENS
from riskscan.render import FORMATS, render

from conftest import FIXTURES
from hostile_support import write

ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0
FORK = multiprocessing.get_start_method() == "fork"


def serial_in_child(root: Path, *, max_bytes: int = None) -> dict:
    """A serial scan in a child process, so that a native crash fails the test instead of pytest."""
    code = ("import json, sys, resource\nfrom riskscan.api import ScanOptions, scan\nfrom riskscan.render import render\n"
            "options = ScanOptions(jobs=1, **({'max_bytes': int(sys.argv[2])} if sys.argv[2] else {}))\n"
            "report = json.loads(render(scan(sys.argv[1], options), 'json'))\n"
            "report['peak_rss_kb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "print(json.dumps(report))\n")
    result = subprocess.run([sys.executable, "-c", code, str(root), str(max_bytes or "")],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"the scan died (exit {result.returncode}): {result.stderr[-2000:]}"
    return json.loads(result.stdout)


def skipped_of(report) -> dict:
    items = report["skipped"] if isinstance(report, dict) else [vars(s) for s in report.skipped]
    return {item["path"]: item["reason"] for item in items}


def paths_with_findings(report) -> set:
    return {f["path"] for f in report["findings"]} if isinstance(report, dict) else {f.path for f in report.findings}


# ---------------------------------------------------------------- expressions that exhaust a recursive parser
DEEP = {  # each of these killed libcst's native parser (stack overflow) or took minutes
    "parens": "x = " + "(" * 5000 + "1" + ")" * 5000,
    "calls": "x = " + "f(" * 5000 + ")" * 5000,
    "binop": "x = " + "+".join(["1"] * 100_000),
    "and_chain": "x = " + " and ".join(["a"] * 100_000),
    "lambdas": "x = " + "lambda: " * 5000 + "1",
    "unary": "x = " + "-" * 100_000 + "1",
    "trailers": "x = f" + "()" * 100_000,
    # inside f-string holes, which libcst parses as code (a string is not one token)
    "fstring_brackets": 'x = f"{' + "(" * 2000 + "1" + ")" * 2000 + '}"',
    "fstring_chain": 'x = f"{' + " + ".join(["a"] * 10_000) + '}"',
    "fstring_spec": 'x = f"{a:{' + "(" * 2000 + "1" + ")" * 2000 + '}}"',
}
# Refused before libcst runs (the budget's words), not by a walk that gave up after a long parse.
BEFORE_PARSING = {"fstring_brackets", "fstring_chain", "fstring_spec"}


def build_deep_repo(root: Path) -> Path:
    """Each deep expression three ways: with a vendor import (libcst runs), followed by a Python 2
    line (the stdlib parser gives up, libcst is the only parser), and with no vendor word."""
    write(root / "good.py", "import openai\nopenai.OpenAI().chat.completions.create(model='gpt-4o', messages=[])\n")
    for name, expression in DEEP.items():
        write(root / f"{name}_vendor.py", f"import openai\n{expression}\n")
        write(root / f"{name}_py2.py", f"import openai\n{expression}\nprint 'python 2'\n")
        write(root / f"{name}_plain.py", f"{expression}\n")
    return root


def _check_deep(report) -> None:
    skipped = skipped_of(report)
    for name in DEEP:
        for variant in ("vendor", "py2"):
            reason = skipped.get(f"{name}_{variant}.py", "")
            assert "nested" in reason, (name, variant, skipped)
            assert name not in BEFORE_PARSING or "parse safely" in reason, (name, variant, reason)
    assert "good.py" in paths_with_findings(report)
    assert report_count(report) == 1 + 3 * len(DEEP)


def report_count(report) -> int:
    summary = report["summary"] if isinstance(report, dict) else None
    if summary is not None:
        return summary["files_scanned"] + summary["files_skipped"]
    return report.files_scanned + len(report.skipped)


def test_deeply_nested_expressions_are_skipped_with_a_reason_serially(tmp_path):
    _check_deep(serial_in_child(build_deep_repo(tmp_path / "repo")))


def test_deeply_nested_expressions_are_skipped_with_a_reason_in_parallel(tmp_path, catalogue):
    _check_deep(scan(build_deep_repo(tmp_path / "repo"), ScanOptions(jobs=2, parallel_from=0), catalogue))


def test_the_parser_budgets_refuse_no_real_code():
    """The standard library and riskscan itself: large, idiomatic modules, none of them refused,
    whether the budget reads every token or only the long statements of the stdlib tree."""
    import ast
    import asyncio
    import email
    import json as json_package
    import typing

    from riskscan.budget import nesting_problem, size_problem
    from riskscan.extract.positions import StdlibTables

    folders = [Path(m.__file__).parent for m in (asyncio, email, json_package)] + [Path(api.__file__).parent]
    files = [p for folder in folders for p in folder.rglob("*.py")] + [Path(typing.__file__)]
    assert len(files) > 100
    refused = {}
    for path in files:
        data = path.read_bytes()
        tree = ast.parse(data)
        refused[str(path)] = nesting_problem(data) or nesting_problem(data, tree, StdlibTables(tree).work) or size_problem(data)
    assert {path: why for path, why in refused.items() if why} == {}


def test_many_moderately_nested_statements_are_refused_before_libcst_spends_minutes(tmp_path, catalogue):
    """Each statement alone is within the nesting limit, but libcst's time grows with the square
    of depth: 700 of them would keep it busy for tens of seconds. The nesting work counts them all."""
    statement = "x = a" + "[0]" * 250
    for name, tail in (("vendor", ""), ("py2", "print 'python 2'\n")):
        write(tmp_path / "repo" / f"{name}.py", "import openai\n" + (statement + "\n") * 700 + tail)
    write(tmp_path / "repo" / "fine.py", "import openai\n" + (statement + "\n") * 20)
    for jobs in (1, 2):
        skipped = skipped_of(scan(tmp_path / "repo", ScanOptions(jobs=jobs, parallel_from=0), catalogue))
        assert set(skipped) == {"vendor.py", "py2.py"}, skipped
        assert all("parse in reasonable time" in reason for reason in skipped.values()), skipped


@pytest.mark.skipif(not FORK, reason="the worker is made to die by a patch that only forked workers inherit")
def test_a_worker_process_that_dies_costs_only_its_own_file(tmp_path, monkeypatch, catalogue):
    repo = tmp_path / "repo"
    for index in range(200):
        write(repo / f"m{index:03d}.py", "import anthropic\n" if index % 2 else "import openai\nopenai.OpenAI()\n")
    write(repo / "m100_crash.py", "import openai\n")
    expected = scan(repo, ScanOptions(jobs=1), catalogue)
    parent, analyse = os.getpid(), api.analyse_file

    def dying(source, *args):
        if source.relpath == "m100_crash.py" and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)  # a native crash or the OOM killer: nothing to catch
        return analyse(source, *args)

    monkeypatch.setattr(api, "analyse_file", dying)
    report = scan(repo, ScanOptions(jobs=2, parallel_from=0), catalogue)
    assert skipped_of(report) == {"m100_crash.py": "the analysis crashed on this file"}
    assert report.findings == [f for f in expected.findings if f.path != "m100_crash.py"]
    assert report.files_scanned == expected.files_scanned - 1


# ---------------------------------------------------------------- every file scanned or skipped with a reason
def test_odd_trees_finish_and_account_for_every_file(tmp_path, catalogue):
    """Symlink loops, links out of the root, a FIFO, binary and broken files, odd names."""
    outside = write(tmp_path / "outside" / "secret_notes.py", "import cohere\nTOKEN = 'outside-marker'\n")
    repo = tmp_path / "repo"
    write(repo / "app.py", "import openai\n")
    write(repo / "broken.py", "def f(:\n")
    (repo / "binary.py").write_bytes(b"\x00\x01\x02import openai")
    write(repo / "notebook.ipynb", "{not json")
    write(repo / "pkg" / "__init__.py", "")
    os.symlink("..", repo / "pkg" / "up")  # a folder loop
    os.symlink("loop_b.py", repo / "loop_a.py")  # a file loop
    os.symlink("loop_a.py", repo / "loop_b.py")
    os.symlink("missing.py", repo / "dangling.py")
    os.symlink(outside, repo / "linked_out.py")
    os.symlink(outside.parent, repo / "linked_dir")
    os.symlink(repo / "app.py", repo / "linked_in.py")  # inside the root: read
    os.mkfifo(repo / "pipe.py")  # opening it would block forever
    with open(os.path.join(os.fsencode(repo), b"caf\xe9.py"), "wb") as handle:
        handle.write(b"import mistralai\n")
    candidates = 12  # every *.py/*.ipynb above that is not a folder link
    for options in (ScanOptions(jobs=1), ScanOptions(jobs=2, parallel_from=0)):
        report = scan(repo, options, catalogue)
        assert report.files_scanned + len(report.skipped) == candidates
        skipped = skipped_of(report)
        assert all(reason for reason in skipped.values())
        assert set(skipped) == {"broken.py", "binary.py", "notebook.ipynb", "loop_a.py", "loop_b.py", "dangling.py",
                                "linked_out.py", "pipe.py"}
        assert "outside" in skipped["linked_out.py"] and "regular file" in skipped["pipe.py"]
        assert paths_with_findings(report) == {"app.py", "linked_in.py", "caf\udce9.py"}  # the real name, a key
        assert "outside-marker" not in render(report, "json") and "cohere" not in {f.vendor for f in report.findings}


def _unreadable_report(repo: Path, catalogue, jobs: int):
    return scan(repo, ScanOptions(jobs=jobs, parallel_from=0), catalogue)


def _build_unreadable_repo(root: Path) -> Path:
    write(root / "ok.py", "import openai\n")
    write(root / "locked.py", "import anthropic\n")
    write(root / "private" / "inner.py", "import cohere\n")
    return root


def _check_unreadable(report) -> None:
    skipped = skipped_of(report)
    assert skipped["locked.py"] == "cannot read file: Permission denied"
    assert skipped["private/"] == "cannot read folder: Permission denied"
    assert paths_with_findings(report) == {"ok.py"}
    assert report.files_scanned + len(report.skipped) == 3


@pytest.mark.parametrize("jobs", [1, 2])
def test_unreadable_files_and_folders_are_skipped_with_a_reason(tmp_path, monkeypatch, catalogue, jobs):
    """Simulated (CI runs as root, where chmod 000 stops nothing): the OS refuses one file and one folder."""
    repo = _build_unreadable_repo(tmp_path / "repo")
    real_open, real_scandir = Path.open, os.scandir

    def refusing_open(self, *args, **kwargs):
        if self.name == "locked.py":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    def refusing_scandir(path="."):
        if os.fsdecode(path).endswith("private"):
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_scandir(path)

    monkeypatch.setattr(Path, "open", refusing_open)
    monkeypatch.setattr(os, "scandir", refusing_scandir)
    _check_unreadable(_unreadable_report(repo, catalogue, jobs))


@pytest.mark.skipif(ROOT_USER, reason="running as root: chmod 000 does not stop root from reading (the simulated test covers it)")
def test_unreadable_files_and_folders_with_real_permissions(tmp_path, catalogue):
    repo = _build_unreadable_repo(tmp_path / "repo")
    (repo / "locked.py").chmod(0)
    (repo / "private").chmod(0)
    try:
        _check_unreadable(_unreadable_report(repo, catalogue, 1))
    finally:
        (repo / "private").chmod(0o755)
        (repo / "locked.py").chmod(0o644)


def test_non_utf8_file_names_are_scanned_and_shown_byte_for_byte(tmp_path, catalogue):
    repo = tmp_path / "repo"
    folder = os.path.join(os.fsencode(repo), b"d\xfcr")
    os.makedirs(folder)
    for name in (b"caf\xe9.py", b"\xff\xfe.py", "naïve.py".encode()):
        with open(os.path.join(folder, name), "wb") as handle:
            handle.write(b"import openai\n")
    report = scan(repo, ScanOptions(jobs=1), catalogue)
    # the report keeps the names as the file system spells them (they are keys) ...
    assert paths_with_findings(report) == {"d\udcfcr/caf\udce9.py", "d\udcfcr/\udcff\udcfe.py", "d\udcfcr/naïve.py"}
    for fmt in FORMATS:
        render(report, fmt).encode("utf-8")  # writable to any UTF-8 stream or file
    # ... and every format shows them byte for byte
    for fmt in ("text", "markdown"):
        assert "d\\xfcr/caf\\xe9.py" in render(report, fmt) and "xff\\xfe.py" in render(report, fmt)


# ---------------------------------------------------------------- trivial and empty inputs
def test_an_empty_repository_scans_cleanly(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert cli.main(["scan", str(tmp_path / "empty"), "-q", "--no-cache"]) == 0
    assert "No Python files (*.py, *.ipynb) found in empty" in capsys.readouterr().out
    report = scan(tmp_path / "empty", ScanOptions(jobs=1))
    assert (report.files_scanned, report.skipped, report.findings) == (0, [], [])


def test_a_repository_without_python_says_so_and_exits_0(tmp_path, capsys):
    repo = tmp_path / "webapp"
    write(repo / "index.js", "import OpenAI from 'openai';\n")
    write(repo / "README.md", "# openai\n")
    assert cli.main(["scan", str(repo), "-q", "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "No Python files (*.py, *.ipynb) found in webapp: there was no code to analyse." in out
    assert cli.main(["scan", str(repo), "-q", "--no-cache", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["files_scanned"] == 0


def test_a_single_file_can_be_the_path(tmp_path, capsys):
    source = FIXTURES / "repos" / "single_vendor" / "app.py"
    report = scan(source, ScanOptions(jobs=1))
    assert report.files_scanned == 1 and paths_with_findings(report) == {"app.py"}
    assert cli.main(["scan", str(source), "-q", "--no-cache", "--format", "json"]) == 0
    assert {f["path"] for f in json.loads(capsys.readouterr().out)["findings"]} == {"app.py"}


# ---------------------------------------------------------------- size: one huge file, many tiny ones
def _dense_code(path: Path, size: int) -> None:
    """Generated handlers, about 40 bytes a token: what a code generator emits."""
    block = "".join(f"def handler_{i}(request, value=None):\n    result = len(request) * 2 + value\n"
                    f"    return {{'id': 'h{i}', 'result': result}}\n\n" for i in range(1000))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("import openai\n")
        for _ in range(size // len(block) + 1):
            handle.write(block)


def _serialized_blob(path: Path, size: int) -> None:
    """A protobuf-style module: one huge bytes literal beside a little code."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("import openai\n\nDESCRIPTOR = AddSerializedFile(b'")
        chunk = "\\x0a\\x12\\x08" * 10_000
        for _ in range(size // len(chunk) + 1):
            handle.write(chunk)
        handle.write("')\n\ndef ask(q):\n    return openai.OpenAI().chat.completions.create(model='gpt-4o', messages=[q])\n")


@pytest.mark.slow
def test_a_50_mb_file_is_skipped_by_default_and_bounded_in_memory_when_allowed(tmp_path):
    """Measured here (2 cores): dense code is refused by the token budget in ~6 s at ~100 MB peak
    (parsing it would take ~8 GB); the 50 MB literal is analysed in ~4 s at ~330 MB peak."""
    for folder in ("dense", "blob"):
        (tmp_path / folder).mkdir()
    _dense_code(tmp_path / "dense" / "generated.py", 50_000_000)
    _serialized_blob(tmp_path / "blob" / "schema_pb2.py", 50_000_000)
    default = serial_in_child(tmp_path / "dense")
    assert "larger than the size limit" in skipped_of(default)["generated.py"]
    dense = serial_in_child(tmp_path / "dense", max_bytes=100_000_000)
    assert f"the limit is {MAX_TOKENS:,}" in skipped_of(dense)["generated.py"]
    blob = serial_in_child(tmp_path / "blob", max_bytes=100_000_000)
    assert skipped_of(blob) == {} and "openai" in {f["vendor"] for f in blob["findings"]}
    for report in (dense, blob):
        assert report["peak_rss_kb"] < 1_500_000, f"peak RSS {report['peak_rss_kb'] // 1024} MB"


@pytest.mark.slow
def test_twenty_thousand_tiny_files(tmp_path, catalogue):
    """The suite's stand-in for 100,000 files (measured: 100,100 files in ~22 s, ~460 MB, 2 cores)."""
    repo = tmp_path / "repo"
    for index in range(20_000):
        folder = repo / f"pkg{index // 1000:02d}"
        if index % 1000 == 0:
            write(folder / "__init__.py", "")
        (folder / f"m{index:05d}.py").write_text("import openai\n" if index % 500 == 0 else f"X = {index}\n")
    report = scan(repo, ScanOptions(), catalogue)
    assert report.files_scanned == 20_020 and report.skipped == []
    assert len(report.findings) == 40 and {f.vendor for f in report.findings} == {"openai"}
