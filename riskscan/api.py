"""scan(root, options) -> Report: runs discover -> analyse (in parallel) and nothing else."""
from __future__ import annotations

import gc
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Optional

from .dependencies import review as review_dependencies
from .discover import EXAMPLE_GLOBS, TEST_GLOBS, discover, first_party_names, module_names, scope_for, sibling_modules
from .analyse import analyse_file
from .config import entry_weights
from .errors import UsageError
from .exposure import assess, count_call_sites
from .attribution import attribute
from .graph import build_graph
from .decisions import decide
from .project import project_kind
from .switches import find_switches
from .cache import Cache, content_key
from .model import FileResult, Report, Skipped
from .redact import redact_findings
from .ruleset import Catalogue, load_catalogue
from .lifecycle import DEFAULT_WINDOW
from .source import DEFAULT_MAX_BYTES, read_source



@dataclass
class ScanOptions:
    excludes: tuple = ()
    rule_dirs: tuple = ()
    test_globs: tuple = TEST_GLOBS
    example_globs: tuple = EXAMPLE_GLOBS
    use_gitignore: bool = True
    max_bytes: int = DEFAULT_MAX_BYTES
    jobs: Optional[int] = None
    prefilter: bool = True
    progress: Optional[object] = None  # callable(done, total)
    exposure: bool = True  # build the graph and the scores (off for per-file evidence only)
    parallel_from: int = 64  # files; below this, starting worker processes costs more than it saves
    cache_dir: Optional[Path] = None  # persistent per-file cache (None: no cache)
    only: Optional[frozenset] = None  # relpaths to analyse; the others come from the cache or not at all
    entry_points: tuple = ()  # configured (target "pkg.module:function", name, kind, criticality or None)
    criticality: tuple = ()  # configured (glob, weight) for detected entry points; first match wins
    as_of: Optional[date] = None  # reference day for model retirements and API shutdowns (None: today)
    retiring_within: int = DEFAULT_WINDOW  # days: models retiring this soon are findings
    memo: Optional[dict] = None  # content key -> FileResult, kept in memory across scans of similar trees (history)
    layout: Optional["Layout"] = None  # the files and what their list decides, known already (history); None: discover


@dataclass(frozen=True)
class Layout:
    """What the list of files decides before any file is read: the files, their module names, and
    the first-party names each folder's files see. `riskscan history` keeps one while commits add
    and remove no file; with `digests` (relative path -> a content id the caller vouches for, a git
    blob id) the files are not read to key the cache."""

    files: tuple
    modules: dict
    names: dict  # folder -> first-party names that shadow a vendor package
    digests: Optional[dict] = None


def layout(root, options: ScanOptions, catalogue: Catalogue) -> Layout:
    files = list(discover(Path(root), options.excludes, options.test_globs, options.example_globs, options.use_gitignore))
    return layout_of(files, first_party_names(files), catalogue)


def layout_of(files: list, first_party: frozenset, catalogue: Catalogue, modules: Optional[dict] = None) -> Layout:
    """The Layout of a list of files; `modules` when the caller knows the module names better."""
    names: dict = {}
    for source in files:
        folder = source.path.parent
        if folder not in names:
            # Only first-party names that shadow a vendor package change an analysis (extract/imports.py), so
            # only they reach it and its cache key: a module added to a folder leaves its siblings' entries valid.
            names[folder] = (first_party | sibling_modules(folder)) & catalogue.shadowable_roots
    return Layout(tuple(files), modules or module_names(files), names)


def scan(root, options: Optional[ScanOptions] = None, catalogue: Optional[Catalogue] = None) -> Report:
    with collecting_less():
        return _scan(root, options or ScanOptions(), catalogue)


def _scan(root, options: ScanOptions, catalogue: Optional[Catalogue]) -> Report:
    root = Path(root)
    if not root.exists():
        raise UsageError(f"path does not exist: {root}")
    catalogue = catalogue or load_catalogue(options.rule_dirs)
    plan = options.layout or layout(root, options, catalogue)
    files = list(plan.files)
    results = _run(plan, catalogue, options)
    results.sort(key=lambda r: r.path)
    scopes = {f.relpath: f.scope for f in files}
    findings = attribute(results, catalogue, root, scopes)
    skipped = [r.skipped for r in results if r.skipped is not None]
    lines = sum(r.lines for r in results)
    review = review_dependencies(root, results, findings, catalogue, options.rule_dirs, options.as_of, options.retiring_within,
                                 lambda path: scope_for(path, options.test_globs, options.example_globs))
    findings = redact_findings(review.findings, catalogue, results)  # made from whole files and manifests, after the analysis
    skipped.sort(key=lambda s: s.path)
    vendors = {f.vendor: catalogue.vendors[f.vendor] for f in findings if f.vendor in catalogue.vendors}
    report = Report(
        root=root.resolve().name, findings=findings, skipped=skipped,
        files_scanned=len(results) - len(skipped), lines_scanned=lines, vendors=vendors,
        rules_version=catalogue.version, results=results, dependencies=review, lifecycle=review.calendar,
        as_of=review.as_of, counts=count_call_sites(findings),
    )
    if options.exposure:
        _assess(report, root, catalogue, options, scopes)
    return report


def _assess(report: Report, root: Path, catalogue: Catalogue, options: ScanOptions, scopes: dict) -> None:
    """Graph, configuration switches, project kind, scores and decisions: the typed fields renderers read."""
    report.graph = build_graph(report, report.results, root, options.entry_points, scopes)
    switches = find_switches(report, report.graph, scopes)
    report.project = project_kind(report, root, switches)
    crit = entry_weights(report.graph.entry_points, options.entry_points, options.criticality)
    report.exposure = assess(report, report.graph, catalogue, crit=crit, gates=report.dependencies.gates,
                             switches=switches, project=report.project, scopes=scopes)
    report.decisions = decide(report)


def analyse(files: list, catalogue: Catalogue, first_party: frozenset, options: ScanOptions, modules: dict) -> list:
    """Per-file results of `files`, with the cache and the workers of a scan; `modules` (relpath ->
    dotted name) names them where the layout says more than discovery can infer (`riskscan learn`
    on site-packages, whose namespace packages discovery cannot tell from folders)."""
    return _run(layout_of(files, first_party, catalogue, modules), catalogue, options)


def _run(plan: Layout, catalogue: Catalogue, options: ScanOptions) -> list:
    """Analyse every file: from the cache where the bytes are unchanged, else in worker processes."""
    files = plan.files
    cache = Cache(options.cache_dir, catalogue.version) if options.cache_dir else None
    results: dict = {}
    pending = []
    try:
        for source in files:
            task = (source, plan.names[source.path.parent], plan.modules[source.relpath], source.relpath.endswith("__init__.py"))
            key = cache_key(source, task, options, plan.digests) if cache or options.memo is not None else None
            cached = _recall(key, options.memo, cache)
            if cached is not None:
                results[source.relpath] = cached
            elif options.only is None or source.relpath in options.only:
                pending.append((task, key))
        done = len(results)
        _progress(options, done, len(files))
        for (task, key), result in zip(pending, _analyse_all([t for t, _ in pending], catalogue, options)):
            results[task[0].relpath] = result
            if cache and key:
                cache.put(key, result)
            if options.memo is not None and key:
                options.memo[key] = result
            done += 1
            _progress(options, done, len(files))
    finally:
        if cache:
            cache.close()
    return [results[f.relpath] for f in files if f.relpath in results]


def _recall(key, memo, cache):
    """A result analysed before: from memory first, then from the persistent cache."""
    if key is None:
        return None
    if memo is not None and key in memo:
        return memo[key]
    result = cache.get(key) if cache else None
    if result is not None and memo is not None:
        memo[key] = result
    return result


def cache_key(source, task, options: ScanOptions, digests=None):
    """The key of one file's analysis (task: source, first-party names, module, is_package); None for
    a file that cannot be read now: analysis will report why."""
    _, names, module, is_package = task
    context = "|".join([source.relpath, source.scope, module, str(is_package), str(options.max_bytes), ",".join(sorted(names))])
    digest = digests.get(source.relpath) if digests and not source.problem else None
    if digest is not None:
        return content_key(digest.encode(), context + "|content-id")  # never equal to a key of the bytes themselves
    data = read_source(source.path, options.max_bytes) if not source.problem else None
    if not isinstance(data, bytes):
        return None
    return content_key(data, context) if data else None


def _analyse_all(tasks: list, catalogue: Catalogue, options: ScanOptions):
    """Yield results in task order; in parallel when it pays, and a crashing file costs only itself."""
    cores = os.cpu_count() or 1
    # A project's config may set jobs, and the project may be hostile: never thousands of processes.
    jobs = min(options.jobs or cores, max(4, 2 * cores))
    if jobs <= 1 or len(tasks) < options.parallel_from:
        for source, names, module, is_package in tasks:
            yield analyse_file(source, catalogue, names, options.max_bytes, options.prefilter, module, is_package)
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
        source = task[0]
        return FileResult(source.relpath, skipped=Skipped(source.relpath, "the analysis crashed on this file"), module=task[2])


_WORKER: dict = {}


def _init_worker(catalogue, max_bytes, prefilter):
    _WORKER.update(catalogue=catalogue, max_bytes=max_bytes, prefilter=prefilter)
    gc.freeze()  # see collecting_less; for the worker's life
    gc.set_threshold(*_GC_THRESHOLDS)


_GC_THRESHOLDS = (20_000, 50, 100)


@contextmanager
def collecting_less():
    """Parse trees, cached results and graph nodes are many small objects without cycles. At the
    default pace the cyclic collector walks them, and everything made before, again and again: a
    third of the time of `ast.parse` on a large repository, and of reading a warm cache. Collect
    less often during a scan, and never what existed before it."""
    if _PACE["inside"]:  # an outer call set the pace (a history's many scans): counting frozen objects is not free
        yield
        return
    previous = gc.get_threshold()
    freezing = gc.get_freeze_count() == 0  # a caller that froze objects itself keeps them frozen
    if freezing:
        gc.freeze()
    gc.set_threshold(*_GC_THRESHOLDS)
    _PACE["inside"] = True
    try:
        yield
    finally:
        _PACE["inside"] = False
        gc.set_threshold(*previous)
        if freezing:
            gc.unfreeze()


_PACE = {"inside": False}


def _work(task) -> FileResult:
    source, names, module, is_package = task
    return analyse_file(source, _WORKER["catalogue"], names, _WORKER["max_bytes"], _WORKER["prefilter"], module, is_package)


def _progress(options: ScanOptions, done: int, total: int) -> None:
    if options.progress is not None:
        options.progress(done, total)
