#!/usr/bin/env python3
"""Benchmark learning: `riskscan learn` of a whole environment, and scans with `--learn-from-env`.

    python benchmarks/bench_learn.py --site-packages ENV/lib/python3.11/site-packages --project PATH

Everything is measured in this one run, so compare the ratios, never seconds across runs (each
step `--repeat N` times, default 3, the fastest kept):
- learning: `riskscan learn --site-packages DIR` (every distribution, no cache) against a cold
  `riskscan scan DIR` of the same folder (no cache): the same lines read by the same engine;
- learned scans: PATH (copied first) scanned with a warm cache, without and with
  `--learn-from-env DIR` (the learned files already in the cache: a first scan learned them), when
  nothing changed (the run memo answers) and after one file changed (the per-file cache answers).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import python_files, run, settle, touch  # noqa: E402


def lines_of(root: Path) -> int:
    return sum(path.read_bytes().count(b"\n") for path in python_files(root))


def learning(site_packages: Path, repeat: int, jobs: list) -> dict:
    """Fastest seconds of a cold scan of the folder and of learning all its distributions."""
    found = {"cold scan": [], "learn": []}
    with tempfile.TemporaryDirectory(prefix="riskscan-bench-learn-") as out:
        for _ in range(repeat):
            found["cold scan"].append(run(["scan", str(site_packages), "--no-cache", "-q", "--format", "json",
                                           "-o", f"{out}/scan.json", *jobs])[0])
            found["learn"].append(run(["learn", "--site-packages", str(site_packages), "--no-cache",
                                       "-o", f"{out}/rules", *jobs])[0])
    return {step: min(seconds) for step, seconds in found.items()}


def learned_scans(project: Path, site_packages: Path, repeat: int, jobs: list) -> dict:
    """Fastest seconds of warm scans of a copy of `project` without and with --learn-from-env."""
    with tempfile.TemporaryDirectory(prefix="riskscan-bench-learned-") as work:
        root, cache = Path(work) / "project", Path(work) / "cache"
        shutil.copytree(project, root, symlinks=True)
        plain = ["scan", str(root), "-q", "--format", "json", "-o", f"{work}/out.json", "--cache-dir", str(cache), *jobs]
        learned = plain + ["--learn-from-env", str(site_packages)]
        settle()
        run(plain)  # fills the cache
        run(learned)  # learns what the project imports
        found = {"warm": [], "warm, learned": [], "one changed": [], "one changed, learned": []}
        for round_number in range(repeat):
            for name, args in (("warm", plain), ("warm, learned", learned)):
                run(args)  # remembers its outputs (a folder's memo keeps the latest run of each output)
                found[name].append(run(args)[0])
            for name, args in (("one changed", plain), ("one changed, learned", learned)):
                touch(python_files(root), 1, seed=round_number * 2 + len(name))
                settle()
                found[name].append(run(args)[0])
    return {step: min(seconds) for step, seconds in found.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site-packages", type=Path, required=True, help="the environment to learn")
    parser.add_argument("--project", type=Path, help="a repository importing packages of that environment")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, help="worker processes of every run (default: riskscan's)")
    parser.add_argument("--skip-learning", action="store_true", help="measure only the scans of --project")
    args = parser.parse_args()
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    infos = len(list(args.site_packages.glob("*.dist-info")))
    print(f"{args.site_packages}: {infos} distributions, {lines_of(args.site_packages):,} lines of Python")
    seconds = {} if args.skip_learning else learning(args.site_packages, args.repeat, jobs)
    if seconds:
        print(f"cold scan {seconds['cold scan']:.1f} s, learn {seconds['learn']:.1f} s: "
              f"learn / cold scan = {seconds['learn'] / seconds['cold scan']:.2f}x (goal < 3x)")
    if args.project:
        seconds = learned_scans(args.project, args.site_packages, args.repeat, jobs)
        for base in ("warm", "one changed"):
            with_env = seconds[f"{base}, learned"]
            print(f"{base}: {seconds[base]:.3f} s, with --learn-from-env {with_env:.3f} s: "
                  f"{(with_env / seconds[base] - 1) * 100:+.0f}% (goal < 10%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
