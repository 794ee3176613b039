"""Whole-run memo: a command whose inputs all match an earlier run's writes that run's outputs again, analysing nothing.

The inputs are everything an output is computed from: riskscan itself (its version and files),
the Python version, the command and its options (configuration included), the rule folders,
the as-of day, any baseline report, and every file of the scanned tree: its path, size, times
and inode, for all files and not only the Python ones (lock files, configuration, `.gitignore`),
skipping only the folders that are never the project's own (`.git`, virtualenvs, `node_modules`;
discover.SKIP_DIRS). A file that changed in the last seconds makes the run unsettled: its
outputs are not remembered, because a file can change again without its timestamps moving.

Signing the tree costs a stat per file (a few tens of milliseconds for thousands of files), much
less than reading and hashing them; a tree of more than MAX_ENTRIES files is not signed at all.
Each output keeps only its latest run per folder and command, so the memo does not grow.
"""
from __future__ import annotations

import hashlib
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from . import cache as _cache
from .cache import Cache, code_signature, stat_signature
from .options import shipped_rules_dir

MAX_ENTRIES = 200_000


@dataclass
class RunMemo:
    """The memo of one command run: `replay(names)` gives earlier outputs, `remember` stores these."""

    cache_dir: Path
    key: str  # digest of every input
    scope: str  # folder and command: each output keeps its latest run per scope
    settled: bool  # no input changed within RACY_SECONDS before the run started

    def replay(self, names: list) -> Optional[dict]:
        """{name: value} for every name asked (a name is an output, or "meta"), or None."""
        cache = Cache(self.cache_dir)
        try:
            found = {name: cache.memo_get(self._row(name)) for name in names}
        finally:
            cache.close()
        return found if all(value is not None for value in found.values()) else None

    def remember(self, values: dict) -> None:
        """Store {name: JSON object} (only when the inputs had settled)."""
        if not self.settled:
            return
        cache = Cache(self.cache_dir)
        try:
            for name, value in values.items():
                cache.memo_put(self._row(name), value, scope=_digest(self.scope, name))
        finally:
            cache.close()

    def _row(self, name: str) -> str:
        return _digest(self.key, name)


def run_memo(cache_dir: Optional[Path], command: str, root: Path, options, *inputs) -> Optional[RunMemo]:
    """The memo of `command` on `root` with ScanOptions `options` and further `inputs` (strings
    or bytes: configuration, a baseline's bytes...); None without a cache, or when the tree
    cannot be signed."""
    if cache_dir is None:
        return None
    start = time.time()
    try:
        root = Path(root).resolve()
        tree = tree_signature(root)
        shipped = shipped_rules_dir()
        rules = [tree_signature(shipped) if shipped else None] + [tree_signature(Path(d).resolve()) for d in options.rule_dirs]
    except (OSError, RuntimeError, ValueError):
        return None
    if tree is None or any(r is None for r in rules):
        return None
    as_of = options.as_of or date_today()
    fields = (options.excludes, options.rule_dirs, options.test_globs, options.example_globs, options.use_gitignore,
              options.max_bytes, options.prefilter, options.exposure, options.only, options.entry_points,
              options.criticality, as_of.isoformat(), options.retiring_within)
    key = _digest(code_signature(), sys.version, command, str(root), repr(fields), tree[0], *(r[0] for r in rules), *inputs)
    newest = max([tree[1]] + [r[1] for r in rules])
    return RunMemo(Path(cache_dir), key, f"{command}\0{root}", newest < start - _cache.RACY_SECONDS)


def tree_signature(root: Path) -> Optional[tuple]:
    """(digest of every file's path and stat signature, newest change time in seconds), or None
    for a tree of more than MAX_ENTRIES files. A single file signs itself; links are not followed."""
    from .discover import SKIP_DIRS

    digest, newest, entries = hashlib.sha256(), 0.0, 0
    if not root.is_dir():
        info = os.stat(root)
        return _digest(str(root), stat_signature(info)), max(info.st_mtime_ns, info.st_ctime_ns) / 1e9
    pending = [str(root)]
    while pending:
        folder = pending.pop()
        with os.scandir(folder) as listing:
            children = sorted(listing, key=lambda entry: entry.name)
        if any(entry.name in ("pyvenv.cfg", "conda-meta") for entry in children) and folder != str(root):
            continue  # a virtualenv: never the project's own code
        for entry in children:
            entries += 1
            if entries > MAX_ENTRIES:
                return None
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIP_DIRS and not entry.name.endswith(".egg-info"):
                    pending.append(entry.path)
                continue
            info = entry.stat(follow_symlinks=False)
            newest = max(newest, info.st_mtime_ns / 1e9, info.st_ctime_ns / 1e9)
            digest.update(f"{entry.path}\0{stat_signature(info)}\0".encode("utf-8", "surrogateescape"))
    return digest.hexdigest(), newest


def date_today():
    from datetime import date

    return date.today()


def _digest(*parts) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.hexdigest()
