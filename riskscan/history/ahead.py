"""The files later commits change, analysed by worker processes while this process scans the commits in order.

Once the first commit is scanned, every version of a source file that a later commit brings is
sent to the workers, each read from the object store by the worker itself. Just before a commit
is scanned, the results of the files it changed join the in-memory results, under the key the
scan will look for, and only when the file's context (scope, module name, the first-party names
its folder sees) is the one it was analysed in; any other file is analysed by the scan itself.
So the analysis of changed files runs beside the per-commit work instead of before it, and every
file version is analysed once.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path, PurePosixPath

from ..analyse import analyse_file
from ..api import cache_key
from ..cache import Cache
from ..discover import SOURCE_SUFFIXES, SourceFile, module_names, scope_for
from ..escape import printable
from .tree import LINK, wanted


class Ahead:
    def __init__(self, repo, options, catalogue, workers: int):
        self.options, self.catalogue = options, catalogue
        self.folder = Path(tempfile.mkdtemp(prefix="riskscan-history-ahead-"))
        self.pool = ProcessPoolExecutor(max_workers=workers, initializer=_init,
                                        initargs=(repo, catalogue, options.max_bytes, options.prefilter, str(self.folder)))
        self.pending: dict = {}  # (relpath, blob id) -> (context, future or FileResult)
        self.analysed: dict = {}  # key -> FileResult: what the workers analysed, for the persistent cache

    def submit(self, tree, plan, changes: list) -> None:
        """Send every source file version in `changes` (later commits') to the workers, in order."""
        known = Cache(self.options.cache_dir, self.catalogue.version) if self.options.cache_dir else None
        try:
            for change in changes:
                relpath = printable(tree.relative(change.path))
                if (relpath, change.oid) in self.pending or not _source(change):
                    continue
                context = _context(tree, plan, relpath, self.options)
                key = _key(tree, relpath, change.oid, context, self.options)
                done = known.get(key) if known and key else None
                self.pending[(relpath, change.oid)] = (context, done if done is not None else
                                                       self.pool.submit(_analyse, (relpath, change.oid, *context)))
        finally:
            if known:
                known.close()

    def collect(self, plan, memo: dict) -> None:
        """Put the results of this commit's files into `memo`, where the scan will find them."""
        for source in plan.files:
            oid = (plan.digests or {}).get(source.relpath)
            entry = self.pending.pop((source.relpath, oid), None) if oid else None
            if entry is None:
                continue
            context, outcome = entry
            folder_names = plan.names[source.path.parent]
            if context != (source.scope, folder_names, plan.modules[source.relpath], source.relpath.endswith("__init__.py")):
                continue  # analysed in another context: the scan analyses it itself
            result = outcome.result() if isinstance(outcome, Future) else outcome
            key = cache_key(source, (source, *context[1:]), self.options, plan.digests)
            memo[key] = result
            if isinstance(outcome, Future):
                self.analysed[key] = result

    def close(self) -> None:
        """Stop the workers, keep what they analysed in the persistent cache, remove their files."""
        self.pool.shutdown(cancel_futures=True)
        if self.options.cache_dir and self.analysed:
            cache = Cache(self.options.cache_dir, self.catalogue.version)
            for key, result in self.analysed.items():
                cache.put(key, result)
            cache.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _source(change) -> bool:
    return change.oid is not None and change.mode != LINK and wanted(change.path) and change.path.endswith(SOURCE_SUFFIXES)


def _context(tree, plan, relpath: str, options) -> tuple:
    """(scope, first-party names, module, is_package) the file most likely has when its commit comes."""
    path = tree.root / relpath
    source = SourceFile(path, relpath, scope_for(relpath, options.test_globs, options.example_globs))
    module = plan.modules.get(relpath) or module_names([source])[relpath]
    return source.scope, plan.names.get(path.parent, frozenset()), module, relpath.endswith("__init__.py")


def _key(tree, relpath: str, oid: str, context: tuple, options):
    source = SourceFile(tree.root / relpath, relpath, context[0])
    return cache_key(source, (source, *context[1:]), options, {relpath: oid})


_STATE: dict = {}


def _init(repo, catalogue, max_bytes, prefilter, folder) -> None:
    repo.forget_pipes()  # a forked worker must not talk over its parent's git pipe
    _STATE.update(repo=repo, catalogue=catalogue, max_bytes=max_bytes, prefilter=prefilter,
                  folder=Path(folder) / str(os.getpid()))
    _STATE["folder"].mkdir(parents=True, exist_ok=True)


def _analyse(task):
    """One file version, read from the object store by this worker and analysed from a file of its own."""
    relpath, oid, scope, names, module, is_package = task
    (_, data), = _STATE["repo"].blobs([oid])
    path = _STATE["folder"] / PurePosixPath(relpath).name
    path.write_bytes(data)
    return analyse_file(SourceFile(path, relpath, scope), _STATE["catalogue"], names, _STATE["max_bytes"],
                        _STATE["prefilter"], module, is_package)
