"""scan(root, options) -> Report: runs discover -> analyse (in parallel) and nothing else."""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .discover import EXAMPLE_GLOBS, TEST_GLOBS, discover, first_party_names, module_names, sibling_modules
from .analyse import analyse_file
from .errors import UsageError
from .exposure import assess
from .graph import build_graph
from .model import FileResult, Report
from .ruleset import Catalogue, load_catalogue
from .source import DEFAULT_MAX_BYTES



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


def scan(root, options: Optional[ScanOptions] = None, catalogue: Optional[Catalogue] = None) -> Report:
    options = options or ScanOptions()
    root = Path(root)
    if not root.exists():
        raise UsageError(f"path does not exist: {root}")
    catalogue = catalogue or load_catalogue(options.rule_dirs)
    files = list(discover(root, options.excludes, options.test_globs, options.example_globs, options.use_gitignore))
    first_party = first_party_names(files)
    results = _run(files, catalogue, first_party, options)
    results.sort(key=lambda r: r.path)
    findings, skipped, lines = [], [], 0
    for result in results:
        lines += result.lines
        if result.skipped is not None:
            skipped.append(result.skipped)
        findings += result.findings
    findings.sort(key=lambda f: f.sort_key())
    skipped.sort(key=lambda s: s.path)
    vendors = {f.vendor: catalogue.vendors[f.vendor] for f in findings if f.vendor in catalogue.vendors}
    report = Report(
        root=root.resolve().name, findings=findings, skipped=skipped,
        files_scanned=len(files) - len(skipped), lines_scanned=lines, vendors=vendors,
        rules_version=catalogue.version,
    )
    report.extra["results"] = results
    if options.exposure:
        repo = build_graph(report, results, root)
        report.extra["graph"] = repo
        report.extra["exposure"] = assess(report, repo, catalogue)
    return report


def _run(files: list, catalogue: Catalogue, first_party: frozenset, options: ScanOptions) -> list:
    jobs = options.jobs or os.cpu_count() or 1
    modules = module_names(files)
    tasks = [(f, first_party | sibling_modules(f.path.parent), modules[f.relpath], f.relpath.endswith("__init__.py")) for f in files]
    if jobs <= 1 or len(files) < options.parallel_from:
        results = []
        for done, (source, names, module, is_package) in enumerate(tasks, 1):
            results.append(analyse_file(source, catalogue, names, options.max_bytes, options.prefilter, module, is_package))
            _progress(options, done, len(tasks))
        return results
    chunk = max(1, min(64, len(tasks) // (jobs * 8) or 1))
    results = []
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(catalogue, options.max_bytes, options.prefilter)) as pool:
        for done, result in enumerate(pool.map(_work, tasks, chunksize=chunk), 1):
            results.append(result)
            _progress(options, done, len(tasks))
    return results


_WORKER: dict = {}


def _init_worker(catalogue, max_bytes, prefilter):
    _WORKER.update(catalogue=catalogue, max_bytes=max_bytes, prefilter=prefilter)


def _work(task) -> FileResult:
    source, names, module, is_package = task
    return analyse_file(source, _WORKER["catalogue"], names, _WORKER["max_bytes"], _WORKER["prefilter"], module, is_package)


def _progress(options: ScanOptions, done: int, total: int) -> None:
    if options.progress is not None:
        options.progress(done, total)
