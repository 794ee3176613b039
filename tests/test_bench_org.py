"""The organisation benchmark keeps working: a tiny portfolio and history, end to end (no timing asserted)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_bench_org_reports_both_ratios():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_org.py"), "--portfolio", "3", "--repo-lines", "400",
                           "--history", "6", "--lines", "2000", "--repeat", "1"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"^history: 6 commits, final tree [\d,]+ Python files", done.stdout, re.MULTILINE)
    assert re.search(r"history of every commit \(cold\)\s+[\d.]+ s\s+x[\d.]+ of one cold scan", done.stdout)
    assert re.search(r"^portfolio: 3 repositories", done.stdout, re.MULTILINE)
    assert re.search(r"portfolio scan \(local processes\)\s+[\d.]+ s\s+x[\d.]+ of the sum", done.stdout)
