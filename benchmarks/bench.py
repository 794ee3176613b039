#!/usr/bin/env python3
"""Benchmark riskscan against the floors of parsing the same files with the stdlib `ast` and with libcst.

    python benchmarks/bench.py                   # synthetic repo of ~600,000 lines in ~3,000 modules
    python benchmarks/bench.py --lines 100000    # smaller
    python benchmarks/bench.py --repo PATH       # a real repository
    python benchmarks/bench.py --profile-stages  # also: where one serial scan spends its time

Everything is measured in this one run, on this machine, so the ratios compare like with like
(each step three times, the fastest kept; `--repeat N`):
- the ast floor: read and `ast.parse` every .py file, one process;
- the libcst floor: `libcst.parse_module` of the files the pre-filter sends to libcst, and
  `ast.parse` of the rest, one process (what a scan cannot avoid doing);
- a cold scan (empty cache), a warm scan (cache filled, nothing changed: the run memo answers),
  a warm scan after one file changed (the per-file cache answers for the others);
- `riskscan graph` after the scans (the cache filled by them), and again (its own memo);
- `check` on 5 changed files, and the import time of `riskscan check`;
- for the synthetic repo, a cold scan of a repo half the size (time should be linear in size).
Peak memory is the largest resident set of riskscan and its workers.
"""
from __future__ import annotations

import argparse
import ast
import gc
import json
import os
import random
import re
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

STEPS = ("cold", "warm", "warm_one_changed", "graph", "graph_again")


def python_files(root: Path) -> list:
    skip = {".git", ".venv", "venv", "node_modules", "build", "dist", "__pycache__", "site-packages"}
    found = []
    for current, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip]
        found += [Path(current) / f for f in files if f.endswith(".py")]
    return sorted(found)


def floors(root: Path) -> dict:
    """Seconds of the ast floor and the libcst floor, lines, files, and files sent to libcst."""
    import libcst

    from riskscan.ruleset import load_catalogue

    trigger = load_catalogue().trigger
    files = python_files(root)
    lines = to_libcst = 0
    ast_seconds = libcst_seconds = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in files:
            start = time.perf_counter()
            data = path.read_bytes()
            lines += data.count(b"\n")
            try:
                ast.parse(data)
                parsed = True
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                parsed = False
            seconds = time.perf_counter() - start
            ast_seconds += seconds
            if parsed and not trigger.search(data):
                libcst_seconds += seconds
                continue
            to_libcst += 1
            start = time.perf_counter()
            try:
                libcst.parse_module(data)
            except Exception:  # noqa: BLE001 - a file libcst refuses costs what it cost
                pass
            libcst_seconds += time.perf_counter() - start
    return {"ast": ast_seconds, "libcst": libcst_seconds, "lines": lines, "files": len(files), "to_libcst": to_libcst}


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


def touch(files: list, count: int, seed: int = 7) -> list:
    """Change `count` files the way an edit would (a new function at the end)."""
    chosen = random.Random(seed).sample(files, min(count, len(files)))
    for path in chosen:
        with path.open("a", encoding="utf-8") as handle:
            handle.write("\n\ndef _benchmark_edit():\n    return 42\n")
    return chosen


def settle() -> None:
    """The cache does not trust a file changed within the last two seconds (its timestamps may
    not have moved yet): wait that out after editing files, as any real edit-then-scan does."""
    time.sleep(2.1)


def measure(roots: list, jobs, repeat: int = 3) -> list:
    """Each step `repeat` times for each repository, keeping the fastest (as timeit does: the least
    disturbed by whatever else the machine was doing); peak memory is the largest seen.

    The repositories take turns within each round, so a machine that slows down or speeds up
    during the benchmark moves all of them alike (the linearity ratio compares them).
    """
    out = Path(tempfile.mkdtemp(prefix="riskscan-bench-out-"))
    job_args = ["--jobs", str(jobs)] if jobs else []
    runs = [{"floors": [], "peak": [], "graph_peak": [], "cache": None, **{step: [] for step in STEPS}} for _ in roots]
    try:
        settle()
        for round_number in range(repeat):
            for root, seen in zip(roots, runs):
                seen["floors"].append(floors(root))
                if seen["cache"] is not None:
                    shutil.rmtree(seen["cache"], ignore_errors=True)
                seen["cache"] = Path(tempfile.mkdtemp(prefix="riskscan-bench-cache-"))
                cache = ["--cache-dir", str(seen["cache"])]
                scan = ["scan", str(root), "--format", "json", "-o", str(out / "report.json"), *cache, *job_args]
                for step in ("cold", "warm"):  # a new, empty cache, then the same one filled
                    seconds, peak = run(scan)
                    seen[step].append(seconds)
                    seen["peak"].append(peak)
                seen["findings"] = json.loads((out / "report.json").read_text())["summary"]["findings"]
                graph = ["graph", str(root), "-o", str(out / "graph.dot"), *cache, *job_args]
                for step in ("graph", "graph_again"):
                    seconds, peak = run(graph)
                    seen[step].append(seconds)
                    seen["graph_peak"].append(peak)
                touch(python_files(root), 1, seed=round_number)
                settle()
                seen["warm_one_changed"].append(run(scan)[0])
        results = []
        for seen in runs:
            best = {key: min(f[key] for f in seen["floors"]) for key in ("ast", "libcst")}
            results.append({**{key: seen["floors"][0][key] for key in ("lines", "files", "to_libcst")},
                            "ast_floor": best["ast"], "libcst_floor": best["libcst"], "findings": seen["findings"],
                            "peak_mb": max(seen["peak"]), "graph_peak_mb": max(seen["graph_peak"]), "repeat": repeat,
                            **{step: min(seen[step]) for step in STEPS}})
        root, cache = roots[-1], runs[-1]["cache"]
        run(["check", "--cache-dir", str(cache)], cwd=root)  # warm the check's own view of the repository first
        checks = []
        for _ in range(repeat):
            changed = [str(p.relative_to(root)) for p in touch(python_files(root), 5)]
            checks.append(run(["check", *changed, "--cache-dir", str(cache)], cwd=root)[0])
        results[-1]["check"] = min(checks)
        results[-1]["import"] = min(import_seconds() for _ in range(repeat))
        return results
    finally:
        for seen in runs:
            if seen["cache"] is not None:
                shutil.rmtree(seen["cache"], ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


def import_seconds() -> float:
    """What `riskscan check` imports before it runs, by `python -X importtime`: the cumulative
    time of riskscan's top-level imports (what they import included, Python's own start not)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "riskscan", "check", "--help"],
                          capture_output=True, text=True)
    total = 0
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (riskscan\S*)$", line)
        if match:
            total += int(match.group(1))
    return total / 1e6


def table(result: dict, half: dict = None) -> str:
    ast_floor, libcst_floor = result["ast_floor"], result["libcst_floor"]
    rows = [
        ("ast floor (1 process)", ast_floor, 1.0, None, "-"),
        ("libcst floor (1 process)", libcst_floor, libcst_floor / ast_floor, 1.0, "-"),
        ("cold scan", result["cold"], result["cold"] / ast_floor, result["cold"] / libcst_floor, "<= 1.5x libcst"),
        ("warm scan (cache)", result["warm"], result["warm"] / ast_floor, None, "<= 0.15x ast"),
        ("warm, 1 file changed", result["warm_one_changed"], result["warm_one_changed"] / ast_floor, None, "-"),
        ("graph after the scans", result["graph"], result["graph"] / ast_floor, None, "< 2x warm"),
        ("graph again", result["graph_again"], result["graph_again"] / ast_floor, None, "< 2x warm"),
    ]
    if "check" in result:
        rows.append(("check, 5 changed files", result["check"], result["check"] / ast_floor, None, "< 1 s"))
        rows.append(("import of riskscan check", result["import"], result["import"] / ast_floor, None, "< 0.15 s"))
    lines = [f"{result['files']:,} files, {result['lines']:,} lines ({result['to_libcst']:,} files to libcst), "
             f"{result['findings']:,} findings; {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
             f"fastest of {result['repeat']} runs per step",
             "",
             f"{'step':<26}{'seconds':>9}{'x ast':>8}{'x libcst':>10}  {'goal':<16}{'lines/s':>12}"]
    for name, seconds, ratio, libcst_ratio, goal in rows:
        libcst_text = f"{libcst_ratio:>10.2f}" if libcst_ratio is not None else f"{'':>10}"
        lines.append(f"{name:<26}{seconds:>9.2f}{ratio:>8.2f}{libcst_text}  {goal:<16}{result['lines'] / seconds:>12,.0f}")
    lines.append(f"\ngraph / warm scan: {result['graph'] / result['warm']:.1f}x after the scans, "
                 f"{result['graph_again'] / result['warm']:.1f}x again")
    lines.append(f"peak memory: scan {result['peak_mb']:,.0f} MB, graph {result['graph_peak_mb']:,.0f} MB "
                 f"(goal < 500 MB at 600,000 lines)")
    if half:
        growth = result["cold"] / half["cold"]  # measured in the same rounds, so machine drift cancels
        lines.append(f"linearity: {half['lines']:,} lines -> {half['cold']:.2f} s, {result['lines']:,} lines -> "
                     f"{result['cold']:.2f} s: x{growth:.2f} for x{result['lines'] / half['lines']:.2f} lines (goal <= 2.2)")
    return "\n".join(lines)


# ---------------------------------------------------------------------- --profile-stages
_PROFILE = """
import json, sys
from riskscan import cli, stages
with stages.recording() as totals:
    code = cli.main(sys.argv[2:])
print(json.dumps({"code": code, "stages": totals}), file=open(sys.argv[1], "w"))
"""


def profile_stages(root: Path) -> str:
    """Seconds per stage of a serial cold scan and of a warm scan (each in a fresh process)."""
    work = Path(tempfile.mkdtemp(prefix="riskscan-bench-stages-"))
    settle()
    try:
        scan = ["scan", str(root), "--format", "json", "-o", str(work / "report.json"), "--cache-dir", str(work / "cache"), "-q"]
        runs = {}
        for name, extra in (("cold, 1 process", ["--jobs", "1"]), ("warm", []), ("warm, memo missed", ["--jobs", "1"])):
            if name == "warm, memo missed":
                touch(python_files(root), 1, seed=99)
                settle()
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", _PROFILE, str(work / "stages.json"), *scan, *extra], check=True)
            wall = time.perf_counter() - start
            runs[name] = (wall, json.loads((work / "stages.json").read_text())["stages"])
        return _stage_table(runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


_NESTED = {"read", "size budget", "ast parse", "structure", "pre-filter", "positions and nesting budget", "libcst parse",
           "lowering (newer grammar)", "extraction", "import libcst"}  # inside "analysis" (the per-file stages)


def _stage_table(runs: dict) -> str:
    lines = ["", "Stages (seconds; per-file stages indented, they add up to the analysis of the files the cache did not have)"]
    for name, (wall, stages) in runs.items():
        lines.append(f"\n{name}: {wall:.2f} s wall, process start and imports included")
        analysis = sum(seconds for stage, (seconds, _) in stages.items() if stage in _NESTED)
        for stage, (seconds, count) in sorted(stages.items(), key=lambda item: item[0] not in _NESTED):
            indent = "    " if stage in _NESTED else "  "
            share = f"{seconds / analysis:6.1%} of analysis" if stage in _NESTED and analysis else ""
            lines.append(f"{indent}{stage:<34}{seconds:>8.3f} s {count:>7,}x  {share}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, help="benchmark this repository instead of a synthetic one")
    parser.add_argument("--lines", type=int, default=600_000, help="size of the synthetic repository")
    parser.add_argument("--jobs", type=int, help="riskscan --jobs (default: all cores)")
    parser.add_argument("--no-linearity", action="store_true", help="skip the half-size run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step; the fastest is kept (default 3)")
    parser.add_argument("--keep", type=Path, help="generate the synthetic repository here and keep it")
    parser.add_argument("--profile-stages", action="store_true", help="also time each stage of one serial scan")
    options = parser.parse_args()
    gc.collect()
    if options.repo:
        work = Path(tempfile.mkdtemp(prefix="riskscan-bench-repo-"))
        try:
            shutil.copytree(options.repo, work / "repo", symlinks=True, ignore=shutil.ignore_patterns(".git"))
            print(table(measure([work / "repo"], options.jobs, options.repeat)[0]))
            if options.profile_stages:
                print(profile_stages(work / "repo"))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    base = options.keep or Path(tempfile.mkdtemp(prefix="riskscan-bench-"))
    try:
        roots = [generate(base / "full", options.lines)]
        if not options.no_linearity:
            roots.insert(0, generate(base / "half", options.lines // 2))
        results = measure(roots, options.jobs, options.repeat)
        print(table(results[-1], results[0] if len(results) > 1 else None))
        if options.profile_stages:
            print(profile_stages(roots[-1]))
    finally:
        if not options.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
