"""scan(root, options) -> Report: runs discover -> analyse (in parallel) and nothing else."""
from __future__ import annotations

import gc
import os
import re
import stat
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from .dependencies import review as review_dependencies
from .discover import discover, first_party_names, folders_once, module_names, scope_for, sibling_modules
from .analyse import analyse_file
from .config import entry_weights
from .errors import UsageError
from .exposure import assess, count_call_sites
from .attribution import attribute
from .graph import build_graph
from .cross_module import imported_hints
from .decisions import decide
from .project import project_kind
from .switches import find_switches
from .cache import Cache, content_key, digest_of, remembering
from .model import FileResult, Report, Skipped
from .redact import redact_findings
from .ruleset import Catalogue, load_catalogue
from .options import _GC_THRESHOLDS, ScanOptions, collecting_less  # noqa: F401 - ScanOptions is part of this API
from .products import product
from .source import read_source
from .stages import stage, staged

# The pipeline's steps, timed when benchmarks/bench.py --profile-stages records (free otherwise).
load_catalogue, discover, attribute = staged("catalogue", load_catalogue), staged("discover", discover), staged("attribution", attribute)
build_graph, assess = staged("graph", build_graph), staged("scores", assess)


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
    imported: Optional[dict] = None  # relpath -> values other modules export to it (cross_module.py): a second walk


def layout(root, options: ScanOptions, catalogue: Catalogue) -> Layout:
    with folders_once():  # what is a package, what sits beside a script: asked once per folder, for this scan only
        files = list(discover(Path(root), options.excludes, options.test_globs, options.example_globs, options.use_gitignore))
        return layout_of(files, first_party_names(files), catalogue)


def layout_of(files: list, first_party: frozenset, catalogue: Catalogue, modules: Optional[dict] = None) -> Layout:
    """The Layout of a list of files; `modules` when the caller knows the module names better."""
    with folders_once():
        return _layout_of(files, first_party, catalogue, modules)


def _layout_of(files: list, first_party: frozenset, catalogue: Catalogue, modules: Optional[dict]) -> Layout:
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
    results = _follow_imported_values(_run(plan, catalogue, options), plan, catalogue, options)
    results.sort(key=lambda r: r.path)
    scopes = {f.relpath: f.scope for f in files}
    findings = attribute(results, catalogue, root, scopes)
    skipped = [r.skipped for r in results if r.skipped is not None]
    lines = sum(r.lines for r in results)
    with stage("dependency review"), remembering(options.cache_dir):
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
        partly_skipped=[cell for r in results for cell in r.partial],
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
                             switches=switches, project=report.project, scopes=scopes,
                             unread=_unread(report, root, catalogue, scopes))
    report.decisions = decide(report)


def _follow_imported_values(results: list, plan: Layout, catalogue: Catalogue, options: ScanOptions) -> list:
    """The files that import a client another module of the project built, walked again with it
    (cross_module.py): their calls on it are call sites. Cached like any analysis, under its own key."""
    hints = imported_hints(results)
    by_path = {r.path: r for r in results}  # every hinted file was analysed: imported_hints reads its result
    files = tuple(f for f in plan.files if f.relpath in hints and _spells_any(f, by_path[f.relpath], hints[f.relpath], options))
    if not files:
        return results
    again = replace(plan, files=files, imported=hints)
    redone = {r.path: r for r in _run(again, catalogue, options)}
    return [redone.get(r.path, r) for r in results]


def _spells_any(source, result, hints: dict, options: ScanOptions) -> bool:
    """Whether the file spells the name of any value it is given (`client` of `mod.client`,
    `get_client` of `mod.get_client()`): a file that never writes the name cannot use the value, and
    walking it again would only repeat its first result. A file that cannot be read is walked. The
    answer is kept with the file's result (a history asks again at every commit)."""
    names = frozenset(key.rstrip("()").rsplit(".", 1)[-1] for key in hints)
    return product(result, "spells", names, lambda: _spelled(source, names, options))


def _spelled(source, names: frozenset, options: ScanOptions) -> bool:
    data = read_source(source.path, options.max_bytes)
    if not isinstance(data, bytes):
        return True
    return any(re.search(rb"(?<![\w])" + re.escape(name.encode()) + rb"(?![\w])", data) for name in names)


def _unread(report: Report, root: Path, catalogue: Catalogue, scopes: dict) -> tuple:
    """(path, reason) of the production files the scan skipped that mention an AI supplier (or
    could not be read at all): AI use may hide there, so "no use" cannot stand."""
    found = []
    for skipped in report.skipped:
        if (scopes.get(skipped.path) or scope_for(skipped.path)) != "prod":
            continue
        head = _head(root / skipped.path if root.is_dir() else root)
        if head is None or catalogue.trigger.search(head):
            found.append((skipped.path, skipped.reason))
    return tuple(found)


_UNREAD_WINDOW = 4 << 20  # bytes of a skipped file searched for a supplier's name


def _head(path: Path) -> Optional[bytes]:
    """The first bytes of a regular file; b"" for anything else (a FIFO or a device is no source,
    and opened without O_NONBLOCK it would block the scan); None when a file cannot be read."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return b""
        return os.read(handle, _UNREAD_WINDOW)
    except OSError:
        return None
    finally:
        os.close(handle)


def analyse(files: list, catalogue: Catalogue, first_party: frozenset, options: ScanOptions, modules: dict) -> list:
    """Per-file results of `files`, with the cache and the workers of a scan; `modules` (relpath ->
    dotted name) names them where the layout says more than discovery can infer (`riskscan learn`
    on site-packages, whose namespace packages discovery cannot tell from folders). As in a scan,
    the files importing a client (or a client factory) another module builds are walked with it."""
    plan = layout_of(files, first_party, catalogue, modules)
    return _follow_imported_values(_run(plan, catalogue, options), plan, catalogue, options)


def _run(plan: Layout, catalogue: Catalogue, options: ScanOptions) -> list:
    """Analyse every file: from the cache where the bytes are unchanged, else in worker processes."""
    files = plan.files
    cache = Cache(options.cache_dir, catalogue.version) if options.cache_dir else None
    results: dict = {}
    pending = []
    now = time.time()
    try:
        with stage("cache look-up"):
            for source in files:
                task = (source, plan.names[source.path.parent], plan.modules[source.relpath], source.relpath.endswith("__init__.py"),
                        (plan.imported or {}).get(source.relpath))
                key = data = None
                if cache or options.memo is not None:
                    key, data = _key_and_bytes(source, task, options, plan.digests, cache, now)
                cached = _recall(key, options.memo, cache)
                if cached is not None:
                    results[source.relpath] = cached
                elif options.only is None or source.relpath in options.only:
                    key, data = _read_for_analysis(source, task, key, data, options, plan.digests)
                    pending.append((task + (data,), key))
        done = len(results)
        _progress(options, done, len(files))
        for (task, key), result in zip(pending, _analyse_all([t for t, _ in pending], catalogue, options)):
            results[task[0].relpath] = result
            if cache and key:
                with stage("cache store"):
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


def cache_key(source, task, options: ScanOptions, digests=None, cache: Optional[Cache] = None, now: Optional[float] = None):
    """The key of one file's analysis (task: source, first-party names, module, is_package); None for
    a file that cannot be read now: analysis will report why."""
    return _key_and_bytes(source, task, options, digests, cache, now)[0]


def _key_and_bytes(source, task, options: ScanOptions, digests=None, cache: Optional[Cache] = None, now: Optional[float] = None):
    """(key, the file's bytes if they were read for it). The key is the digest of the bytes and
    everything else the result depends on. The digest comes from `digests` (relative path -> a
    content id the caller vouches for, a git blob id), else from the cache's stat index for a file
    whose stat signature is unchanged (it is not even read), else from reading the file."""
    if source.problem:
        return None, None
    context = _context(source, task, options)
    oid = digests.get(source.relpath) if digests else None
    if oid is not None:
        return content_key(f"content-id:{oid}", context), None  # never equal to a key of the bytes themselves
    digest = info = None
    if cache is not None:
        try:
            info = os.stat(source.path)
        except OSError:
            return None, None
        digest = cache.known_digest(str(source.path), info)
    if digest is not None:
        return content_key(digest, context), None
    data = read_source(source.path, options.max_bytes)
    if not isinstance(data, bytes):  # unreadable: the analysis reports why (an empty file has a key like any other)
        return None, None
    digest = digest_of(data)
    if info is not None:
        cache.record_digest(str(source.path), info, digest, now)
    return content_key(digest, context), data


def _context(source, task, options: ScanOptions) -> str:
    """Everything but the bytes that a file's result depends on."""
    _, names, module, is_package = task[:4]
    imported = task[4] if len(task) > 4 else None
    context = [source.relpath, source.scope, module, str(is_package), str(options.max_bytes), str(options.prefilter),
               ",".join(sorted(names))]
    if imported:  # a second walk with the values other modules export to this file (cross_module.py)
        context.append(repr(sorted(imported.items())))
    return "|".join(context)


def _read_for_analysis(source, task, key: Optional[str], data: Optional[bytes], options: ScanOptions, digests) -> tuple:
    """A file to analyse whose digest came from the stat index is read now, and its key follows
    what was read: a file that changed since its stat cannot store its result under old bytes.
    (A content id the caller gave stays the key: the caller vouches for it.)"""
    if key is None or data is not None or (digests and source.relpath in digests):
        return key, data
    data = read_source(source.path, options.max_bytes)
    if not isinstance(data, bytes):
        return None, None
    return content_key(digest_of(data), _context(source, task, options)), data


def _analyse_all(tasks: list, catalogue: Catalogue, options: ScanOptions):
    """Yield results in task order; in parallel when it pays, and a crashing file costs only itself."""
    cores = os.cpu_count() or 1
    # A project's config may set jobs, and the project may be hostile: never thousands of processes.
    jobs = min(options.jobs or cores, max(4, 2 * cores))
    if jobs <= 1 or len(tasks) < options.parallel_from:
        for source, names, module, is_package, imported, data in tasks:
            yield analyse_file(source, catalogue, names, options.max_bytes, options.prefilter, module, is_package, data, imported)
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


def _work(task) -> FileResult:
    source, names, module, is_package, imported, data = task
    return analyse_file(source, _WORKER["catalogue"], names, _WORKER["max_bytes"], _WORKER["prefilter"], module, is_package, data,
                        imported)


def _progress(options: ScanOptions, done: int, total: int) -> None:
    if options.progress is not None:
        options.progress(done, total)
