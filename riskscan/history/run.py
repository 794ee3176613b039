"""`riskscan history`: scan past commits of one branch and record the facts of each (the trend).

Each selected commit's tree is copied out of the object store into a temporary folder (moved
from commit to commit by its changes, riskscan/history/tree.py) and scanned like any folder,
with one catalogue, one as-of day and one configuration for all commits, so the trend shows
changes of the code, not of the settings or the calendar. Results are kept in memory by content
key across commits (and in the persistent cache, when on): an unchanged file is analysed once.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import date
from typing import Optional

from .. import __version__
from ..api import ScanOptions, collecting_less, scan
from ..portfolio.facts import compact, repo_facts
from ..portfolio.inputs import HISTORY_KIND
from ..render.json_report import report_dict
from ..ruleset import load_catalogue
from .git import Repository, between, select
from .tree import WorkTree
from .trend import events, suppliers

SCHEMA_VERSION = "1.0"
MIN_PER_WORKER = 20  # commits: below this, a forked process costs more than it saves


def history(path, options: ScanOptions, ref: str = "HEAD", since: Optional[date] = None, every: str = "1",
            progress=None) -> dict:
    """The history document (README, "History JSON contract")."""
    repo = Repository(path)
    commits = repo.commits(ref, since)
    chosen = select(commits, every)
    options = replace(options, as_of=options.as_of or date.today(), memo={} if options.memo is None else options.memo)
    with collecting_less():  # once for the whole run, not once per commit (it walks the heap)
        points, latest = _scan_all(repo, commits, chosen, options, load_catalogue(options.rule_dirs), progress)
    return {
        "schema_version": SCHEMA_VERSION, "kind": HISTORY_KIND,
        "tool": {"name": "riskscan", "version": __version__},
        "repository": repo.name, "ref": ref, "since": since.isoformat() if since else None, "every": every,
        "as_of": options.as_of.isoformat(),
        "points": points, "suppliers": suppliers(points), "events": events(points), "latest": latest,
    }


def _scan_all(repo: Repository, commits: list, chosen: list, options: ScanOptions, catalogue, progress) -> tuple:
    """(points, facts of the newest commit). The first commit is scanned here, cold, on every core;
    the others in contiguous runs, one per core, by forked processes that inherit what that scan
    learnt (the in-memory results), so each run only analyses the files its commits change."""
    workers = _workers(options, len(chosen) - 1)
    if workers <= 1:
        return _walk(repo, commits, chosen, options, catalogue, progress, len(chosen))
    points, _ = _walk(repo, commits, chosen[:1], options, catalogue, progress, len(chosen))
    runs = _split(list(range(1, len(chosen))), workers)
    _FORKED.update(repo=repo, commits=commits, chosen=chosen, options=replace(options, jobs=1), catalogue=catalogue)
    latest = None
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for run_points, facts in pool.map(_walk_forked, runs):
                points += run_points
                latest = facts
                if progress is not None:
                    progress(len(points), len(chosen))
    finally:
        _FORKED.clear()
    return points, latest


def _workers(options: ScanOptions, commits: int) -> int:
    """Processes for the commits after the first: forked, so only where fork is the safe default."""
    if commits < MIN_PER_WORKER * 2 or not sys.platform.startswith("linux"):
        return 1
    cores = os.cpu_count() or 1
    return max(1, min(options.jobs or cores, max(4, 2 * cores), commits // MIN_PER_WORKER))


def _split(items: list, parts: int) -> list:
    size, extra = divmod(len(items), parts)
    runs, start = [], 0
    for index in range(parts):
        end = start + size + (index < extra)
        runs.append(items[start:end])
        start = end
    return [run for run in runs if run]


_FORKED: dict = {}  # what a forked worker inherits instead of receiving it pickled


def _walk_forked(indexes: list) -> tuple:
    f = _FORKED
    return _walk(f["repo"], f["commits"], [f["chosen"][i] for i in indexes], f["options"], f["catalogue"])


def _walk(repo: Repository, commits: list, chosen: list, options: ScanOptions, catalogue, progress=None,
          total: int = 0) -> tuple:
    """Scan `chosen` in order, the tree read whole for the first and then moved by each commit's changes."""
    tree = WorkTree(repo)
    points, facts, where = [], None, {c.sha: i for i, c in enumerate(commits)}
    try:
        for number, commit in enumerate(chosen):
            changes = None if number == 0 else between(commits, where[chosen[number - 1].sha], where[commit.sha])
            if tree.move_to(commit.sha, changes) or facts is None:  # else nothing a scan reads changed: same facts
                layout = tree.layout(options, catalogue)
                facts = repo_facts(report_dict(scan(tree.root, replace(options, layout=layout), catalogue)))
            points.append({"commit": commit.sha, "date": commit.date, "subject": commit.subject, "facts": compact(facts)})
            if progress is not None:
                progress(number + 1, total)
    finally:
        tree.close()
        repo.close()  # before any fork: a child must not share this process's git pipe
    return points, facts
