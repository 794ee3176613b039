"""What a scan is asked to do (ScanOptions), and how it paces the garbage collector: both needed
before the pipeline is imported, so a command that never scans does not import it."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Optional

from .discover import EXAMPLE_GLOBS, TEST_GLOBS

DEFAULT_MAX_BYTES = 5 * 1024 * 1024  # files larger are skipped (source.read_source)
DEFAULT_WINDOW = 180  # days: models retiring this soon are findings (lifecycle.py judges them)


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
    layout: Optional["Layout"] = None  # api.Layout: the files and what their list decides, known already (history); None: discover


def shipped_rules_dir() -> Optional[Path]:
    """The shipped rule files (ruleset.builtin_rules_dir, which says when they are missing): in a
    wheel `rules/` is `riskscan/_rules` (hatch force-include); an editable install resolves the
    package to the source tree, where the same files sit at `<repo>/rules`."""
    here = Path(__file__).resolve().parent
    return next((c for c in (here / "_rules", here.parent / "rules") if (c / "vendors").is_dir()), None)


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
