"""scan(root, options) -> Report: runs discover -> analyse (in parallel) and nothing else."""
from __future__ import annotations

import gc
import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Optional

from .dependencies import review as review_dependencies
from .discover import discover, first_party_names, module_names, scope_for, sibling_modules
from .analyse import analyse_file
from .config import entry_weights
from .errors import UsageError
from .exposure import assess
from .attribution import attribute
from .graph import build_graph
from .cache import Cache, content_key, digest_of, remembering
from .model import FileResult, Report, Skipped
from .ruleset import Catalogue, load_catalogue
from .options import _GC_THRESHOLDS, ScanOptions, collecting_less  # noqa: F401 - ScanOptions is part of this API
from .source import read_source
from .stages import stage, staged

# The pipeline's steps, timed when benchmarks/bench.py --profile-stages records (free otherwise).
load_catalogue, discover, attribute = staged("catalogue", load_catalogue), staged("discover", discover), staged("attribution", attribute)
build_graph, assess = staged("graph", build_graph), staged("scores", assess)


def scan(root, options: Optional[ScanOptions] = None, catalogue: Optional[Catalogue] = None) -> Report:
    with collecting_less():
        return _scan(root, options or ScanOptions(), catalogue)


def _scan(root, options: ScanOptions, catalogue: Optional[Catalogue]) -> Report:
    root = Path(root)
    if not root.exists():
        raise UsageError(f"path does not exist: {root}")
    catalogue = catalogue or load_catalogue(options.rule_dirs)
    files = list(discover(root, options.excludes, options.test_globs, options.example_globs, options.use_gitignore))
    first_party = first_party_names(files)
    results = _run(files, catalogue, first_party, options)
    results.sort(key=lambda r: r.path)
    scopes = {f.relpath: f.scope for f in files}
    findings = attribute(results, catalogue, root, scopes)
    skipped = [r.skipped for r in results if r.skipped is not None]
    lines = sum(r.lines for r in results)
    with stage("dependency review"), remembering(options.cache_dir):
        review = review_dependencies(root, results, findings, catalogue, options.rule_dirs, options.as_of, options.retiring_within,
                                     lambda path: scope_for(path, options.test_globs, options.example_globs))
    findings = review.findings
    skipped.sort(key=lambda s: s.path)
    vendors = {f.vendor: catalogue.vendors[f.vendor] for f in findings if f.vendor in catalogue.vendors}
    report = Report(
        root=root.resolve().name, findings=findings, skipped=skipped,
        files_scanned=len(results) - len(skipped), lines_scanned=lines, vendors=vendors,
        rules_version=catalogue.version,
    )
    report.extra["results"] = results
    report.extra.update(dependencies=review, lifecycle=review.calendar, as_of=review.as_of)
    if options.exposure:
        repo = build_graph(report, results, root, options.entry_points, scopes)
        report.extra["graph"] = repo
        crit = entry_weights(repo.entry_points, options.entry_points, options.criticality)
        report.extra["exposure"] = assess(report, repo, catalogue, crit=crit, gates=review.gates)
    return report


def _run(files: list, catalogue: Catalogue, first_party: frozenset, options: ScanOptions) -> list:
    """Analyse every file: from the cache where the bytes are unchanged, else in worker processes."""
    modules = module_names(files)
    cache = Cache(options.cache_dir, catalogue.version) if options.cache_dir else None
    contexts: dict = {}
    results: dict = {}
    pending = []
    now = time.time()
    try:
        with stage("cache look-up"):
            for source in files:
                names = contexts.setdefault(source.path.parent, first_party | sibling_modules(source.path.parent))
                task = _Task(source, names, modules[source.relpath], source.relpath.endswith("__init__.py"))
                key = _cache_key(task, options, cache, now) if cache else None
                cached = cache.get(key) if key else None
                if cached is not None:
                    results[source.relpath] = cached
                elif options.only is None or source.relpath in options.only:
                    pending.append((task, _read_for_analysis(task, key, options)))
        done = len(results)
        _progress(options, done, len(files))
        for (task, key), result in zip(pending, _analyse_all([t for t, _ in pending], catalogue, options)):
            results[task.source.relpath] = result
            if cache and key:
                with stage("cache store"):
                    cache.put(key, result)
            done += 1
            _progress(options, done, len(files))
    finally:
        if cache:
            cache.close()
    return [results[f.relpath] for f in files if f.relpath in results]


class _Task:
    """One file to analyse, with what its result depends on; `data` holds its bytes once read
    (then the analysis does not read the file again, and analyses what the cache key names)."""

    __slots__ = ("source", "names", "module", "is_package", "data", "digest", "context")

    def __init__(self, source, names: frozenset, module: str, is_package: bool):
        self.source, self.names, self.module, self.is_package, self.data = source, names, module, is_package, None
        self.digest = self.context = ""

    def __getstate__(self):
        return self.source, self.names, self.module, self.is_package, self.data

    def __setstate__(self, state):
        self.source, self.names, self.module, self.is_package, self.data = state

    def analyse(self, catalogue: Catalogue, max_bytes: int, prefilter: bool) -> FileResult:
        return analyse_file(self.source, catalogue, self.names, max_bytes, prefilter, self.module, self.is_package, self.data)


def _cache_key(task: _Task, options: ScanOptions, cache: Cache, now: float) -> Optional[str]:
    """The key of a file's result: the digest of its bytes (from the stat index when the file is
    unchanged, so it is not even read) and everything else the result depends on. None for a file
    that cannot be read now: the analysis will report why."""
    source = task.source
    if source.problem:
        return None
    try:
        info = os.stat(source.path)
    except OSError:
        return None
    digest = cache.known_digest(str(source.path), info)
    if digest is None:
        data = read_source(source.path, options.max_bytes)
        if not isinstance(data, bytes) or not data:
            return None
        digest = digest_of(data)
        cache.record_digest(str(source.path), info, digest, now)
        task.data = data
    task.digest = digest
    task.context = "|".join([source.relpath, source.scope, task.module, str(task.is_package), str(options.max_bytes),
                             str(options.prefilter), ",".join(sorted(task.names))])
    return content_key(digest, task.context)


def _read_for_analysis(task: _Task, key: Optional[str], options: ScanOptions) -> Optional[str]:
    """A file to analyse whose digest came from the stat index is read now, and its key follows
    what was read: a file that changed since its stat cannot store its result under old bytes."""
    if key is None or task.data is not None:
        return key
    data = read_source(task.source.path, options.max_bytes)
    if not isinstance(data, bytes) or not data:
        return None
    task.data = data
    digest = digest_of(data)
    return key if digest == task.digest else content_key(digest, task.context)


def _analyse_all(tasks: list, catalogue: Catalogue, options: ScanOptions):
    """Yield results in task order; in parallel when it pays, and a crashing file costs only itself."""
    cores = os.cpu_count() or 1
    # A project's config may set jobs, and the project may be hostile: never thousands of processes.
    jobs = min(options.jobs or cores, max(4, 2 * cores))
    if jobs <= 1 or len(tasks) < options.parallel_from:
        for task in tasks:
            yield task.analyse(catalogue, options.max_bytes, options.prefilter)
        return
    chunk = max(1, min(64, len(tasks) // (jobs * 8) or 1))
    init = (catalogue, options.max_bytes, options.prefilter)
    finished = 0
    while finished < len(tasks):
        try:
            with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=init) as pool:
                for result in pool.map(_work, tasks[finished:], chunksize=chunk):
                    finished += 1
                    yield result
        except BrokenProcessPool:
            # A worker died (a native crash, the OOM killer). The first unfinished file may have
            # killed it: run it alone, in its own process, then go on in parallel with small
            # chunks. Only a file that kills its process on its own is lost, and it is reported.
            yield _isolated(tasks[finished], init)
            finished += 1
            chunk = 1


def _isolated(task, init) -> FileResult:
    try:
        with ProcessPoolExecutor(max_workers=1, initializer=_init_worker, initargs=init) as pool:
            return pool.submit(_work, task).result()
    except BrokenProcessPool:
        source = task.source
        return FileResult(source.relpath, skipped=Skipped(source.relpath, "the analysis crashed on this file"), module=task.module)


_WORKER: dict = {}


def _init_worker(catalogue, max_bytes, prefilter):
    _WORKER.update(catalogue=catalogue, max_bytes=max_bytes, prefilter=prefilter)
    gc.freeze()  # see collecting_less; for the worker's life
    gc.set_threshold(*_GC_THRESHOLDS)


def _work(task: _Task) -> FileResult:
    return task.analyse(_WORKER["catalogue"], _WORKER["max_bytes"], _WORKER["prefilter"])


def _progress(options: ScanOptions, done: int, total: int) -> None:
    if options.progress is not None:
        options.progress(done, total)
