#!/usr/bin/env python3
"""Benchmark riskscan against the floor of parsing the same files with the stdlib `ast`.

    python benchmarks/bench.py                 # synthetic repo of ~600,000 lines in ~3,000 modules
    python benchmarks/bench.py --lines 100000  # smaller
    python benchmarks/bench.py --repo PATH     # a real repository

Everything is measured in this one run, on this machine, so the ratios compare like with like
(each step three times, the fastest kept; `--repeat N`):
the floor (read + ast.parse of every file in one process), a cold scan (empty cache), a warm
scan (cache filled, nothing changed), `check` on 5 changed files, and, for the synthetic repo, a
cold scan of a repo half the size (time should be linear in size). Peak memory is the largest
resident set of riskscan and its workers.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from synthetic import generate  # noqa: E402


def python_files(root: Path) -> list:
    skip = {".git", ".venv", "venv", "node_modules", "build", "dist", "__pycache__", "site-packages"}
    found = []
    for current, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip]
        found += [Path(current) / f for f in files if f.endswith(".py")]
    return sorted(found)


def floor(root: Path) -> tuple:
    """Seconds to read and ast.parse every .py file in one process, and the number of lines."""
    files = python_files(root)
    lines = 0
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in files:
            data = path.read_bytes()
            lines += data.count(b"\n")
            try:
                ast.parse(data)
            except (SyntaxError, ValueError, RecursionError):
                pass
    return time.perf_counter() - start, lines, len(files)


def run(args: list, cwd=None) -> tuple:
    """Wall seconds and peak RSS (MB) of one riskscan command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "riskscan", *args], capture_output=True, text=True, cwd=cwd)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"riskscan {' '.join(args)} failed ({done.returncode}): {done.stderr[-800:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def touch(files: list, count: int) -> list:
    """Change `count` files the way an edit would (a new function at the end)."""
    chosen = random.Random(7).sample(files, min(count, len(files)))
    for path in chosen:
        with path.open("a", encoding="utf-8") as handle:
            handle.write("\n\ndef _benchmark_edit():\n    return 42\n")
    return chosen


def has_check_command() -> bool:
    done = subprocess.run([sys.executable, "-m", "riskscan", "check", "--help"], capture_output=True, text=True)
    return done.returncode == 0


def measure(roots: list, jobs, repeat: int = 3) -> list:
    """Each step `repeat` times for each repository, keeping the fastest (as timeit does: the least
    disturbed by whatever else the machine was doing); peak memory is the largest seen.

    The repositories take turns within each round, so a machine that slows down or speeds up
    during the benchmark moves all of them alike (the linearity ratio compares them).
    """
    out = Path(tempfile.mkdtemp(prefix="riskscan-bench-out-")) / "report.json"
    job_args = ["--jobs", str(jobs)] if jobs else []
    runs = [{"floor": [], "cold": [], "warm": [], "peak": [], "cache": None} for _ in roots]
    try:
        for _ in range(repeat):
            for root, seen in zip(roots, runs):
                floor_s, seen["lines"], seen["files"] = floor(root)
                seen["floor"].append(floor_s)
                if seen["cache"] is not None:
                    shutil.rmtree(seen["cache"], ignore_errors=True)
                seen["cache"] = Path(tempfile.mkdtemp(prefix="riskscan-bench-cache-"))
                scan = ["scan", str(root), "--format", "json", "-o", str(out), "--cache-dir", str(seen["cache"]), *job_args]
                for step in ("cold", "warm"):  # a new, empty cache, then the same one filled
                    seconds, peak = run(scan)
                    seen[step].append(seconds)
                    seen["peak"].append(peak)
                seen["findings"] = json.loads(out.read_text())["summary"]["findings"]
        results = [{"files": seen["files"], "lines": seen["lines"], "floor": min(seen["floor"]), "cold": min(seen["cold"]),
                    "warm": min(seen["warm"]), "peak_mb": max(seen["peak"]), "findings": seen["findings"], "repeat": repeat}
                   for seen in runs]
        if has_check_command():
            root, cache = roots[-1], runs[-1]["cache"]
            cache_args = ["--cache-dir", str(cache)] if _check_takes_cache() else []
            run(["check", *cache_args], cwd=root)  # warm the check's own view of the repository first
            checks = []
            for _ in range(repeat):
                changed = [str(p.relative_to(root)) for p in touch(python_files(root), 5)]
                checks.append(run(["check", *changed, *cache_args], cwd=root)[0])
            results[-1]["check"] = min(checks)
        return results
    finally:
        for seen in runs:
            if seen["cache"] is not None:
                shutil.rmtree(seen["cache"], ignore_errors=True)
        shutil.rmtree(out.parent, ignore_errors=True)


def _check_takes_cache() -> bool:
    done = subprocess.run([sys.executable, "-m", "riskscan", "check", "--help"], capture_output=True, text=True)
    return "--cache-dir" in done.stdout


def table(result: dict, half: dict = None) -> str:
    floor_s = result["floor"]
    rows = [
        ("ast floor (1 process)", floor_s, 1.0, "-"),
        ("cold scan", result["cold"], result["cold"] / floor_s, "<= 3x"),
        ("warm scan (cache)", result["warm"], result["warm"] / floor_s, "<= 0.3x"),
    ]
    if "check" in result:
        rows.append(("check, 5 changed files", result["check"], result["check"] / floor_s, "< 1 s"))
    lines = [f"{result['files']:,} files, {result['lines']:,} lines, {result['findings']:,} findings; "
             f"{os.cpu_count()} cores, Python {sys.version.split()[0]}; fastest of {result['repeat']} runs per step",
             "",
             f"{'step':<26}{'seconds':>9}{'x floor':>9}{'goal':>10}{'lines/s':>12}"]
    for name, seconds, ratio, goal in rows:
        lines.append(f"{name:<26}{seconds:>9.2f}{ratio:>9.2f}{goal:>10}{result['lines'] / seconds:>12,.0f}")
    lines.append(f"\npeak memory: {result['peak_mb']:,.0f} MB (goal < 1,024 MB at 600,000 lines)")
    if half:
        growth = result["cold"] / half["cold"]  # measured in the same rounds, so machine drift cancels
        lines.append(f"linearity: {half['lines']:,} lines -> {half['cold']:.2f} s, {result['lines']:,} lines -> "
                     f"{result['cold']:.2f} s: x{growth:.2f} for x{result['lines'] / half['lines']:.2f} lines (goal <= 2.2)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, help="benchmark this repository instead of a synthetic one")
    parser.add_argument("--lines", type=int, default=600_000, help="size of the synthetic repository")
    parser.add_argument("--jobs", type=int, help="riskscan --jobs (default: all cores)")
    parser.add_argument("--no-linearity", action="store_true", help="skip the half-size run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step; the fastest is kept (default 3)")
    parser.add_argument("--keep", type=Path, help="generate the synthetic repository here and keep it")
    options = parser.parse_args()
    if options.repo:
        work = Path(tempfile.mkdtemp(prefix="riskscan-bench-repo-"))
        shutil.copytree(options.repo, work / "repo", symlinks=True, ignore=shutil.ignore_patterns(".git"))
        print(table(measure([work / "repo"], options.jobs, options.repeat)[0]))
        shutil.rmtree(work, ignore_errors=True)
        return
    base = options.keep or Path(tempfile.mkdtemp(prefix="riskscan-bench-"))
    try:
        roots = [generate(base / "full", options.lines)]
        if not options.no_linearity:
            roots.insert(0, generate(base / "half", options.lines // 2))
        results = measure(roots, options.jobs, options.repeat)
        print(table(results[-1], results[0] if len(results) > 1 else None))
    finally:
        if not options.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
