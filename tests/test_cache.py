"""The persistent cache changes speed, never results; a damaged cache is rebuilt, not trusted."""
from __future__ import annotations

import shutil

import pytest

from riskscan.api import ScanOptions, scan
from riskscan.cache import Cache
from riskscan.render import render

from conftest import FIXTURES


def _json(root, catalogue, **options):
    return render(scan(root, ScanOptions(jobs=1, **options), catalogue), "json")


def test_cold_warm_and_uncached_scans_are_identical(tmp_path, catalogue):
    app = FIXTURES / "example_app"
    uncached = _json(app, catalogue)
    cold = _json(app, catalogue, cache_dir=tmp_path)
    warm = _json(app, catalogue, cache_dir=tmp_path)
    assert uncached == cold == warm


def test_warm_scan_reads_the_cache_and_reanalyses_changed_files(tmp_path, catalogue):
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "repos" / "single_vendor", repo)
    _json(repo, catalogue, cache_dir=tmp_path / "cache")
    (repo / "app.py").write_text((repo / "app.py").read_text() + "\nimport anthropic\n")
    report = scan(repo, ScanOptions(jobs=1, cache_dir=tmp_path / "cache"), catalogue)
    assert "anthropic" in {f.vendor for f in report.findings}
    cache = Cache(tmp_path / "cache", catalogue.version)
    cache.close()


def test_corrupt_cache_file_is_moved_aside_and_rebuilt(tmp_path, catalogue):
    (tmp_path / "cache.sqlite3").write_bytes(b"this is not a database" * 100)
    app = FIXTURES / "repos" / "single_vendor"
    assert _json(app, catalogue, cache_dir=tmp_path) == _json(app, catalogue)
    assert (tmp_path / "cache.corrupt").exists()
    assert _json(app, catalogue, cache_dir=tmp_path) == _json(app, catalogue)


def test_unwritable_cache_location_does_not_stop_the_scan(tmp_path, catalogue):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    app = FIXTURES / "repos" / "single_vendor"
    assert _json(app, catalogue, cache_dir=blocker / "cache") == _json(app, catalogue)


def test_cache_holds_data_not_code(tmp_path, catalogue):
    _json(FIXTURES / "repos" / "single_vendor", catalogue, cache_dir=tmp_path)
    import sqlite3
    import zlib

    rows = sqlite3.connect(tmp_path / "cache.sqlite3").execute("SELECT value FROM results").fetchall()
    assert rows
    for (blob,) in rows:
        assert zlib.decompress(blob).startswith(b"{")  # JSON, never pickle


def test_concurrent_runs_sharing_a_cache_all_succeed_with_the_same_result(tmp_path):
    import subprocess
    import sys

    command = [sys.executable, "-m", "riskscan", "scan", str(FIXTURES / "example_app"), "--format", "json", "--cache-dir", str(tmp_path / "cache")]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outputs = [run.communicate() for run in runs]
    assert all(run.returncode == 0 for run in runs), [err.decode()[-500:] for _, err in outputs]
    assert len({out for out, _ in outputs}) == 1


# ---------------------------------------------------------------- rows of the wrong shape are misses
def _rewrite_rows(cache_dir, change) -> int:
    """Apply `change(decoded row)` to every stored result; returns how many rows it changed."""
    import json
    import sqlite3
    import zlib

    db = sqlite3.connect(cache_dir / "cache.sqlite3")
    rows = db.execute("SELECT key, value FROM results").fetchall()
    for key, blob in rows:
        value = change(json.loads(zlib.decompress(blob)))
        db.execute("UPDATE results SET value = ? WHERE key = ?", (zlib.compress(json.dumps(value).encode()), key))
    db.commit()
    db.close()
    return len(rows)


def _first_finding(row: dict, **change) -> dict:
    if row["findings"]:
        row["findings"][0].update(change)
    return row


SHAPES = {
    "not an object": lambda row: ["path", row["path"]],
    "a finding that is a string": lambda row: {**row, "findings": ["x"] + row["findings"]},
    "a line that is a string": lambda row: _first_finding(row, line="3"),
    "a vendor that is a list": lambda row: _first_finding(row, vendor=["openai"]),
    "functions as a list": lambda row: {**row, "structure": row["structure"] and {**row["structure"], "functions": []}},
    "imports as a string": lambda row: {**row, "imports": "ab"},
    "a skip without a reason": lambda row: {**row, "skipped": {"path": row["path"]}},
    "a missing key": lambda row: {k: v for k, v in row.items() if k != "lines"},
    "a call list of numbers": lambda row: {**row, "structure": row["structure"] and {
        **row["structure"], "functions": {q: [line, [1, 2], c, *rest] for q, (line, _, c, *rest) in row["structure"]["functions"].items()}}},
}


@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
def test_a_cached_row_of_the_wrong_shape_is_a_miss_not_a_traceback(tmp_path, catalogue, shape):
    app = FIXTURES / "example_app"
    expected = _json(app, catalogue)
    _json(app, catalogue, cache_dir=tmp_path)
    assert _rewrite_rows(tmp_path, SHAPES[shape]) > 0
    assert _json(app, catalogue, cache_dir=tmp_path) == expected  # re-analysed, and stored right again
    assert _json(app, catalogue, cache_dir=tmp_path) == expected


# ---------------------------------------------------------------- what the key holds
def test_the_pre_filter_switch_is_part_of_the_key(tmp_path, catalogue):
    """A host split across two literals is found only without the pre-filter (README Limits): a
    result cached with the pre-filter must not answer a scan without it."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "client.py").write_text('import httpx\nBASE = "https://api.lambda" ".ai/v1"\nhttpx.post(BASE)\n')
    with_filter, without = _json(repo, catalogue), _json(repo, catalogue, prefilter=False)
    assert with_filter != without  # the case still shows the difference
    assert _json(repo, catalogue, cache_dir=tmp_path / "cache") == with_filter
    assert _json(repo, catalogue, cache_dir=tmp_path / "cache", prefilter=False) == without


def test_an_unchanged_file_is_not_read_again_and_a_changed_one_is(tmp_path, catalogue, monkeypatch):
    """The stat index: a warm scan takes digests of unchanged files from their stat signature; a
    rewrite that keeps size and modification time still changes the signature (ctime, inode)."""
    import os

    from riskscan import api, cache

    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "repos" / "single_vendor", repo)
    monkeypatch.setattr(cache, "RACY_SECONDS", -3600.0)  # files written a moment ago count as settled
    _json(repo, catalogue, cache_dir=tmp_path / "cache")
    reads = []
    real = api.read_source
    monkeypatch.setattr(api, "read_source", lambda path, *args: reads.append(path.name) or real(path, *args))
    _json(repo, catalogue, cache_dir=tmp_path / "cache")
    assert reads == []
    app = repo / "app.py"
    text, before = app.read_text(), app.stat()
    changed = text.replace("openai", "OPENAI", 1) if "openai" in text else text.upper()
    assert len(changed) == len(text) and changed != text
    app.write_text(changed)
    os.utime(app, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert _json(repo, catalogue, cache_dir=tmp_path / "cache") == _json(repo, catalogue)
    assert reads == ["app.py"]


def test_several_rule_sets_share_the_cache_folder_and_the_oldest_beyond_the_bound_goes(tmp_path):
    from riskscan.cache import MAX_RULE_SETS
    from riskscan.model import FileResult

    def stored(rules: str, key: str, put: bool = False):
        cache = Cache(tmp_path, rules)
        try:
            if put:
                cache.put(key, FileResult(f"{key}.py", module=key))
            return cache.get(key)
        finally:
            cache.close()

    stored("plain", "a", put=True)
    stored("with-rules", "b", put=True)  # a scan with --rules, or `riskscan learn`
    assert stored("plain", "a") is not None  # switching rules back and forth keeps both
    assert stored("with-rules", "b") is not None
    for n in range(MAX_RULE_SETS):  # more rule sets than the bound, each used after "plain"
        stored(f"other-{n}", f"k{n}", put=True)
    assert stored("plain", "a") is None  # the least recently used rule set was evicted
    assert stored(f"other-{MAX_RULE_SETS - 1}", f"k{MAX_RULE_SETS - 1}") is not None


def test_a_process_that_scans_again_sees_the_folders_as_they_are_now(tmp_path, catalogue):
    """What discovery learns about folders (is it a package, which modules sit beside a script) is
    kept for one scan only: an API user who scans, edits the tree and scans again gets the new tree.
    `scripts/openai.py` shadows the SDK for `run.py` beside it until `scripts` becomes a package."""
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    (root / "scripts" / "openai.py").write_text("def OpenAI():\n    return None\n")
    (root / "scripts" / "run.py").write_text("import openai\n\nopenai.OpenAI().chat.completions.create(model='gpt-4o', messages=[])\n")

    def openai_calls() -> list:
        report = scan(root, ScanOptions(jobs=1), catalogue)
        return [f for f in report.findings if f.vendor == "openai" and f.kind == "call"]

    assert openai_calls() == []
    (root / "scripts" / "__init__.py").write_text("")
    assert openai_calls()  # `import openai` inside a package is the SDK now
    (root / "scripts" / "__init__.py").unlink()
    assert openai_calls() == []
