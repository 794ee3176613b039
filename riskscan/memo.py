"""Whole-run memo: a command whose inputs all match an earlier run's writes that run's outputs again, analysing nothing.

The inputs are everything an output is computed from: riskscan itself (its version and files),
the Python version, the command and its options (configuration included), the rule folders,
the as-of day, any baseline report, and every file of the scanned tree: its path, size, times
and inode, for all files and not only the Python ones (lock files, configuration, `.gitignore`),
skipping only the folders a scan does not read: those that are never the project's own (`.git`,
virtualenvs, `node_modules`; discover.SKIP_DIRS) and those excluded or listed in a `.gitignore`
(as discovery skips them). A manifest the scan read inside such a folder anyway (`-r
build/requirements.txt`) is signed when the outputs are remembered, and checked before they are
replayed. A file that changed in the last seconds makes the run unsettled: its outputs are not
remembered, because a file can change again without its timestamps moving.

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


_READ = "read outside the signed tree"  # the row of a run's extra inputs: relative path -> stat signature


@dataclass
class RunMemo:
    """The memo of one command run: `replay(names)` gives earlier outputs, `remember` stores these."""

    cache_dir: Path
    key: str  # digest of every input
    scope: str  # folder and command: each output keeps its latest run per scope
    settled: bool  # no input changed within RACY_SECONDS before the run started
    root: Optional[Path] = None  # the scanned folder, resolved
    unsigned: tuple = ()  # folders (relative, "/"-terminated) the tree signature did not walk
    start: float = 0.0  # when the run began

    def replay(self, names: list) -> Optional[dict]:
        """{name: value} for every name asked (a name is an output, or "meta"), or None."""
        cache = Cache(self.cache_dir)
        try:
            found = {name: cache.memo_get(self._row(name)) for name in [*names, _READ]}
        finally:
            cache.close()
        if any(value is None for value in found.values()):
            return None
        read = found.pop(_READ)
        if any(signature != self._stat(path, "signature") for path, signature in read.items()):
            return None  # a manifest outside the signed tree changed
        return found

    def remember(self, values: dict, read=()) -> None:
        """Store {name: JSON object} (only when the inputs had settled); `read`: relative paths of
        files the run read besides the tree's sources (manifests), signed when outside the signed tree."""
        extra = {path: self._stat(path, "newest") for path in read if path.startswith(self.unsigned)}
        if not self.settled or any(newest is None or newest >= self.start - _cache.RACY_SECONDS for newest in extra.values()):
            return
        values = {**values, _READ: {path: self._stat(path, "signature") for path in extra}}
        cache = Cache(self.cache_dir)
        try:
            for name, value in values.items():
                cache.memo_put(self._row(name), value, scope=_digest(self.scope, name))
        finally:
            cache.close()

    def _stat(self, path: str, what: str):
        """The stat signature, or the newest change time, of a file of the tree; None when it cannot be read."""
        try:
            info = os.stat(self.root / path)
        except (OSError, TypeError):
            return None
        return stat_signature(info) if what == "signature" else max(info.st_mtime_ns, info.st_ctime_ns) / 1e9

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
        tree = tree_signature(root, options.excludes, options.use_gitignore)
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
    return RunMemo(Path(cache_dir), key, f"{command}\0{root}", newest < start - _cache.RACY_SECONDS, root, tree[2], start)


def tree_signature(root: Path, excludes=(), use_gitignore: bool = False) -> Optional[tuple]:
    """(digest of every file's path and stat signature, newest change time in seconds, the folders
    not walked: relative, each ending in "/"), or None for a tree of more than MAX_ENTRIES files.
    Folders discovery skips are not walked: virtualenvs, discover.SKIP_DIRS, and those `excludes`
    or (with `use_gitignore`) a .gitignore lists. A single file signs itself; links are not followed."""
    from . import globs
    from .discover import SKIP_DIRS, gitignore_spec, ignored

    if not root.is_dir():
        info = os.stat(root)
        return _digest(str(root), stat_signature(info)), max(info.st_mtime_ns, info.st_ctime_ns) / 1e9, ()
    digest, newest, entries, unsigned, ignores = hashlib.sha256(), 0.0, 0, [], []
    exclude = globs.spec(excludes) if excludes else None
    pending = [(str(root), "")]
    while pending:
        folder, rel = pending.pop()
        with os.scandir(folder) as listing:
            children = sorted(listing, key=lambda entry: entry.name)
        if rel and any(_marks_virtualenv(entry) for entry in children):
            unsigned.append(rel + "/")
            continue  # a virtualenv: never the project's own code
        if use_gitignore and any(entry.name == ".gitignore" for entry in children):
            spec = gitignore_spec(Path(folder))
            if spec is not None:
                ignores.append((rel, spec))
        for entry in children:
            entries += 1
            if entries > MAX_ENTRIES:
                return None
            if entry.is_dir(follow_symlinks=False):
                child = f"{rel}/{entry.name}" if rel else entry.name
                if entry.name in SKIP_DIRS or entry.name.endswith(".egg-info") or ignored(child + "/", ignores, exclude):
                    unsigned.append(child + "/")
                else:
                    pending.append((entry.path, child))
                continue
            info = entry.stat(follow_symlinks=False)
            newest = max(newest, info.st_mtime_ns / 1e9, info.st_ctime_ns / 1e9)
            digest.update(f"{entry.path}\0{stat_signature(info)}\0".encode("utf-8", "surrogateescape"))
    return digest.hexdigest(), newest, tuple(unsigned)


def _marks_virtualenv(entry) -> bool:
    """As discovery tells a virtualenv: a `pyvenv.cfg` file or a `conda-meta` folder."""
    try:
        return entry.name == "pyvenv.cfg" and entry.is_file() or entry.name == "conda-meta" and entry.is_dir()
    except OSError:
        return False


def date_today():
    from datetime import date

    return date.today()


def _digest(*parts) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.hexdigest()
