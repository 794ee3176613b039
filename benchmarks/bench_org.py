#!/usr/bin/env python3
"""Benchmark the organisation's view: a portfolio scan of many small repositories, and a history of many commits.

    python benchmarks/bench_org.py                          # both, at the README's sizes
    python benchmarks/bench_org.py --portfolio 200 --repo-lines 2000
    python benchmarks/bench_org.py --history 300 --lines 40000
    python benchmarks/bench_org.py --portfolio 50 --dask    # the Dask executor too (a LocalCluster)

Portfolio: N synthetic repositories (benchmarks/synthetic.py, one seed each); the sum of N single
cold `riskscan scan` runs against one cold `riskscan portfolio scan` of all of them.
History: a synthetic repository committed, then changed by C-1 more commits (one to three files
each: an edit, a new module, now and then a new vendor call); one cold scan of the final tree
against one cold `riskscan history --every 1` of all C commits. Everything is measured in this one
run, so compare the ratios, never seconds across runs.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from synthetic import VENDOR_SNIPPETS, generate  # noqa: E402


def riskscan(*args: str) -> float:
    """Wall seconds of one riskscan command (exit 0 expected), of this checkout's riskscan whatever the
    current folder (`python -m` imports from it first)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "riskscan", *args], capture_output=True, text=True, cwd=HERE.parent)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"riskscan {' '.join(args[:3])} ... failed ({done.returncode}): {done.stderr[-800:]}")
    return seconds


# --- portfolio -------------------------------------------------------------------------------------

def portfolio(base: Path, count: int, lines: int, dask: bool) -> dict:
    repos = [generate(base / f"repo{i:03d}", lines, seed=1000 + i) for i in range(count)]
    out = base / "out.json"
    singles = sum(riskscan("scan", str(r), "--no-cache", "--format", "json", "-o", str(out)) for r in repos)
    result = {"repos": count, "files": sum(1 for r in repos for _ in r.rglob("*.py")), "singles": singles,
              "local": riskscan("portfolio", "scan", *map(str, repos), "--no-cache", "-q", "-o", str(out))}
    if dask:
        result["dask"] = _dask_run(repos, out)
    return result


def _dask_run(repos: list, out: Path) -> float:
    from distributed import LocalCluster

    with LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True) as cluster:
        return riskscan("portfolio", "scan", *map(str, repos), "--no-cache", "-q", "--executor", "dask",
                        "--scheduler", cluster.scheduler_address, "-o", str(out))


# --- history ---------------------------------------------------------------------------------------

def git(root: Path, *args: str, when: str = "") -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when} if when else None
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def history_repo(root: Path, lines: int, commits: int) -> Path:
    """A repository of `commits` first-parent commits, one day apart, ending in the tree scanned cold."""
    generate(root, lines)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "user.name", "bench")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial", when=_date(0))
    rng = random.Random(11)
    modules = sorted((root / "src").rglob("mod*.py"))
    for number in range(1, commits):
        changed = _change(rng, root, modules, number)
        git(root, "add", *map(str, changed))
        git(root, "commit", "-q", "-m", f"change {number}", when=_date(number))
    return root


def _date(day: int) -> str:
    from datetime import datetime, timedelta, timezone

    return (datetime(2025, 1, 1, 9, tzinfo=timezone.utc) + timedelta(days=day)).isoformat()


def _change(rng: random.Random, root: Path, modules: list, number: int) -> list:
    """One commit's edits: a function appended to one or two modules; every 20th commit a new module,
    half of them calling a vendor."""
    changed = []
    for path in rng.sample(modules, rng.randint(1, 2)):
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"\n\ndef added_{number}(value):\n    return value * {number}\n")
        changed.append(path)
    if number % 20 == 0:
        path = modules[0].parent / f"feature{number}.py"
        vendor = VENDOR_SNIPPETS[(number // 20) % len(VENDOR_SNIPPETS)] if number % 40 == 0 else None
        body = [vendor[0], vendor[1], "", "def ask(prompt):", vendor[2].format(arg="prompt")] if vendor else \
            ["def feature(value):", "    return value"]
        path.write_text("\n".join(body) + "\n", encoding="utf-8")
        modules.append(path)
        changed.append(path)
    return changed


def history(base: Path, lines: int, commits: int, repeat: int) -> dict:
    root = history_repo(base / "history", lines, commits)
    out = base / "history.json"
    cold = min(riskscan("scan", str(root), "--no-cache", "--format", "json", "-o", str(out)) for _ in range(repeat))
    whole = min(riskscan("history", str(root), "--no-cache", "--every", "1", "-q", "-o", str(out)) for _ in range(repeat))
    files = sum(1 for _ in root.rglob("*.py"))
    return {"commits": commits, "files": files, "cold": cold, "history": whole, "repeat": repeat}


# --- report ----------------------------------------------------------------------------------------

def show_portfolio(r: dict) -> str:
    lines = [f"portfolio: {r['repos']} repositories, {r['files']:,} Python files; {os.cpu_count()} cores",
             f"  sum of {r['repos']} single cold scans  {r['singles']:8.1f} s",
             f"  portfolio scan (local processes) {r['local']:8.1f} s   x{r['local'] / r['singles']:.2f} of the sum"]
    if "dask" in r:
        lines.append(f"  portfolio scan (Dask LocalCluster){r['dask']:7.1f} s   x{r['dask'] / r['singles']:.2f} of the sum")
    return "\n".join(lines)


def show_history(r: dict) -> str:
    per_commit = (r["history"] - r["cold"]) / max(1, r["commits"] - 1)
    return "\n".join([
        f"history: {r['commits']} commits, final tree {r['files']:,} Python files; {os.cpu_count()} cores; fastest of {r['repeat']}",
        f"  one cold scan of the final tree    {r['cold']:8.2f} s",
        f"  history of every commit (cold)     {r['history']:8.2f} s   x{r['history'] / r['cold']:.2f} of one cold scan (goal < 5)",
        f"  per commit beyond one cold scan    {per_commit * 1000:8.1f} ms  ({per_commit / r['cold']:.1%} of a cold scan)",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--portfolio", type=int, default=200, metavar="N", help="repositories (0: skip)")
    parser.add_argument("--repo-lines", type=int, default=2000, help="lines of each portfolio repository")
    parser.add_argument("--dask", action="store_true", help="also run the Dask executor on a LocalCluster")
    parser.add_argument("--history", type=int, default=300, metavar="C", help="commits (0: skip)")
    parser.add_argument("--lines", type=int, default=40000, help="lines of the history's first tree")
    parser.add_argument("--repeat", type=int, default=2, help="history runs; the fastest is kept")
    options = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="riskscan-bench-org-"))
    try:
        if options.history:
            print(show_history(history(base, options.lines, options.history, options.repeat)), flush=True)
        if options.portfolio:
            print(show_portfolio(portfolio(base, options.portfolio, options.repo_lines, options.dask)), flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
