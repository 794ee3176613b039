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
ROW = re.compile(r"^(?P<step>\S.*?)\s{2,}(?P<seconds>\d+\.\d\d)\s+(?P<ratio>\d+\.\d\d)\s+(?P<libcst>\d+\.\d\d)?\s+(?P<goal>.+?)\s+[\d,]+$")
STEPS = {"ast floor (1 process)", "libcst floor (1 process)", "cold scan", "warm scan (cache)", "warm, 1 file changed",
         "graph after the scans", "graph again", "check, 5 changed files", "import of riskscan check"}


def test_benchmark_runs_and_reports_every_step(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--lines", "4000", "--repeat", "1", "--keep", str(tmp_path),
         "--profile-stages"],
        capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {m["step"].strip(): m for m in map(ROW.match, done.stdout.splitlines()) if m}
    assert set(rows) == STEPS, done.stdout
    assert float(rows["ast floor (1 process)"]["ratio"]) == 1.0 and float(rows["libcst floor (1 process)"]["libcst"]) == 1.0
    assert rows["cold scan"]["libcst"] is not None  # the cold scan is compared with both floors
    assert all(float(row["seconds"]) > 0 for row in rows.values())
    assert re.search(r"^peak memory: scan [\d,]+ MB, graph [\d,]+ MB", done.stdout, re.MULTILINE)
    assert re.search(r"^linearity: [\d,]+ lines -> [\d.]+ s, [\d,]+ lines -> [\d.]+ s: x[\d.]+ for x[\d.]+ lines", done.stdout, re.MULTILINE)
    findings = int(re.search(r"([\d,]+) findings", done.stdout).group(1).replace(",", ""))
    assert findings > 0  # the synthetic repository really touches vendors
    assert (tmp_path / "full").is_dir() and (tmp_path / "half").is_dir()  # --keep keeps both sizes
    # --profile-stages: the per-file stages of a serial cold scan, and a warm scan the memo answers
    for stage in ("ast parse", "structure", "pre-filter", "libcst parse", "extraction", "catalogue", "discover"):
        assert re.search(rf"^\s+{stage}\s+[\d.]+ s\s+[\d,]+x", done.stdout, re.MULTILINE), stage
    assert re.search(r"^warm: [\d.]+ s wall", done.stdout, re.MULTILINE)
