"""`riskscan history`: scan past commits of one branch and record the facts of each (the trend).

Each selected commit's tree is copied out of the object store into a temporary folder (moved
from commit to commit by its changes, riskscan/history/tree.py) and scanned like any folder,
with one catalogue, one as-of day and one configuration for all commits, so the trend shows
changes of the code, not of the settings or the calendar. Results are kept in memory by content
key across commits (and in the persistent cache, when on): an unchanged file is analysed once.
"""
from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from typing import Optional

from .. import __version__
from ..api import ScanOptions, collecting_less, scan
from ..portfolio.facts import compact, repo_facts
from ..portfolio.inputs import HISTORY_KIND
from ..render.json_report import report_dict
from ..ruleset import load_catalogue
from .ahead import Ahead
from .git import Repository, between, select
from .tree import WorkTree
from .trend import events, suppliers

SCHEMA_VERSION = "1.0"


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
    """(points, facts of the newest commit): the commits in order, the tree read whole for the first
    and then moved by each commit's changes; the files later commits change are analysed ahead by
    worker processes (history/ahead.py) while this one scans."""
    tree, ahead = WorkTree(repo), None
    points, facts, where = [], None, {c.sha: i for i, c in enumerate(commits)}
    try:
        for number, commit in enumerate(chosen):
            changes = None if number == 0 else between(commits, where[chosen[number - 1].sha], where[commit.sha])
            if tree.move_to(commit.sha, changes) or facts is None:  # else nothing a scan reads changed: same facts
                layout = tree.layout(options, catalogue)
                if ahead is not None:
                    ahead.collect(layout, options.memo)
                facts = repo_facts(report_dict(scan(tree.root, replace(options, layout=layout), catalogue)))
                if number == 0:
                    ahead = _ahead(repo, tree, layout, commits, chosen, where, options, catalogue)
            points.append({"commit": commit.sha, "date": commit.date, "subject": commit.subject, "facts": compact(facts)})
            if progress is not None:
                progress(number + 1, len(chosen))
    finally:
        if ahead is not None:
            ahead.close()
        tree.close()
        repo.close()
    return points, facts


def _ahead(repo, tree, layout, commits: list, chosen: list, where: dict, options: ScanOptions, catalogue):
    """Workers for the later commits' files (None when one process is asked for, or nothing is left)."""
    workers = options.jobs or os.cpu_count() or 1  # this process spends much of its time waiting for them
    if workers <= 1 or len(chosen) < 2:
        return None
    ahead = Ahead(repo, options, catalogue, workers)
    for older, newer in zip(chosen, chosen[1:]):
        ahead.submit(tree, layout, between(commits, where[older.sha], where[newer.sha]))
    return ahead
