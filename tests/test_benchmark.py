"""The benchmark keeps working: one small run, end to end, prints every row with numbers.

It measures nothing here (times on a test machine mean nothing); it only guards the command the
README's Performance section tells people to run.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^(?P<step>\S.*?)\s{2,}(?P<seconds>\d+\.\d\d)\s+(?P<ratio>\d+\.\d\d)\s+(?P<goal>.+?)\s+[\d,]+$")


def test_benchmark_runs_and_reports_every_step(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--lines", "4000", "--repeat", "1", "--keep", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {m["step"].strip(): m for m in map(ROW.match, done.stdout.splitlines()) if m}
    assert set(rows) == {"ast floor (1 process)", "cold scan", "warm scan (cache)", "check, 5 changed files"}
    assert float(rows["ast floor (1 process)"]["ratio"]) == 1.0
    assert all(float(row["seconds"]) > 0 for row in rows.values())
    assert re.search(r"^peak memory: [\d,]+ MB", done.stdout, re.MULTILINE)
    assert re.search(r"^linearity: [\d,]+ lines -> [\d.]+ s, [\d,]+ lines -> [\d.]+ s: x[\d.]+ for x[\d.]+ lines", done.stdout, re.MULTILINE)
    findings = int(re.search(r"([\d,]+) findings", done.stdout).group(1).replace(",", ""))
    assert findings > 0  # the synthetic repository really touches vendors
    assert (tmp_path / "full").is_dir() and (tmp_path / "half").is_dir()  # --keep keeps both sizes
