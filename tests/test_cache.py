"""The persistent cache changes speed, never results; a damaged cache is rebuilt, not trusted."""
from __future__ import annotations

import shutil

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
