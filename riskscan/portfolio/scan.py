"""`riskscan portfolio scan`: one task per repository (read or clone it, scan it, return its JSON report), run
by local processes or on a Dask cluster. A repository that fails costs only itself: its task
returns the reason instead of a report, and every other repository's report is kept.

The task is the same function whichever executor runs it, and results are ordered by name, so
a local run and a Dask run of the same repositories give the same portfolio.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Optional

from ..errors import RiskscanError, UsageError
from .manifest import Entry
from .sources import CLONE_TIMEOUT, checkout, display

EXECUTORS = ("local", "dask")


@dataclass(frozen=True)
class Settings:
    """What every task needs, sent to the workers with it (so it must pickle)."""

    as_of: Optional[date] = None
    retiring_within: int = 180
    cache_dir: Optional[Path] = None  # a base folder: each worker process claims its own slot in it; None: no cache
    jobs: int = 1  # worker processes inside one repository's scan
    clone_timeout: float = CLONE_TIMEOUT


def scan_one(entry: Entry, settings: Settings) -> dict:
    """{"name", "report"} or {"name", "error"}; never raises for a problem of this one repository."""
    try:
        with _one_at_a_time, checkout(entry.source, entry.name, entry.ref, settings.clone_timeout) as root:
            return {"name": entry.name, "report": _scan(root, settings)}
    except RiskscanError as exc:
        return {"name": entry.name, "error": display(str(exc))}
    except Exception as exc:  # noqa: BLE001 - a bug on one repository must not lose the others
        return {"name": entry.name, "error": f"internal error: {type(exc).__name__}: {display(str(exc))}"}


# Scans change process-wide state (the garbage collector's pace) and share one cache file per
# process: a worker running several tasks in threads (Dask's default) scans one at a time.
_one_at_a_time = threading.Lock()


def _scan(root: Path, settings: Settings) -> dict:
    """The repository's report with its own configuration, as `riskscan scan` would make it."""
    from ..api import ScanOptions, scan
    from ..config import find_config, load_config
    from ..render.json_report import report_dict
    from ..options import DEFAULT_MAX_BYTES

    config = load_config(find_config(root))
    chosen = config.default_map("scan")  # the settings `riskscan scan` takes from the file
    options = ScanOptions(excludes=tuple(chosen.get("exclude", ())), rule_dirs=tuple(chosen.get("rule_dirs", ())),
                          use_gitignore=not chosen.get("no_gitignore", False),
                          max_bytes=chosen.get("max_file_size", DEFAULT_MAX_BYTES), jobs=settings.jobs,
                          cache_dir=worker_cache(settings.cache_dir), as_of=settings.as_of,
                          retiring_within=settings.retiring_within, **config.scan_fields())
    return report_dict(scan(root, options))


_SLOT: dict = {}  # (process id, base folder) -> the slot this process claimed
_LOCKS: list = []  # the open, locked files that hold the slots


def worker_cache(base: Optional[Path]) -> Optional[Path]:
    """A cache folder this process holds alone. The cache is one SQLite file that one process
    writes at a time, so each worker process (local or Dask, several per machine) claims a free
    slot `base/worker-N`, locked for its life; the next run's workers find the same slots."""
    if base is None:
        return None
    key = (os.getpid(), base)  # a forked worker inherits its parent's memory, not its slot
    if key not in _SLOT:
        _SLOT[key] = _claim(Path(base))
    return _SLOT[key]


def _claim(base: Path) -> Optional[Path]:
    try:
        import fcntl
    except ImportError:  # no advisory locks: a folder of its own for this process
        return base / f"worker-pid{os.getpid()}"
    for slot in range(256):
        folder = base / f"worker-{slot}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle = open(folder / "lock", "w")  # kept open (and locked) until the process ends
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue
        _LOCKS.append(handle)
        return folder
    return None  # every slot busy or unwritable: scan without a cache


# --- executors -----------------------------------------------------------------------------------

def run_local(entries: list, settings: Settings, workers: int, progress=None) -> list:
    """Repositories in parallel worker processes (each scan in one process); alone, in this one."""
    if workers <= 1 or len(entries) <= 1:
        alone = replace(settings, jobs=max(workers, settings.jobs)) if len(entries) == 1 else settings
        return [_reported(scan_one(entry, alone), progress) for entry in entries]
    outcomes, lost = {}, []
    with ProcessPoolExecutor(max_workers=min(workers, len(entries))) as pool:
        futures = {pool.submit(scan_one, entry, settings): entry for entry in entries}
        for future in as_completed(futures):
            try:
                outcomes[futures[future].name] = _reported(future.result(), progress)
            except BrokenProcessPool:
                lost.append(futures[future])
    # A worker died (a native crash, the OOM killer) and took the pool with it: run each unfinished
    # repository alone, so that only one that kills its own process is lost.
    for entry in sorted(lost, key=lambda e: e.name):
        outcomes[entry.name] = _reported(_isolated(entry, settings), progress)
    return [outcomes[e.name] for e in entries]


def _isolated(entry: Entry, settings: Settings) -> dict:
    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(scan_one, entry, settings).result()
    except BrokenProcessPool:
        return {"name": entry.name, "error": "the scan's process died (out of memory, or a crash)"}


def run_dask(entries: list, settings: Settings, scheduler: str, progress=None) -> list:
    """One task per repository on an existing Dask cluster; a lost task is that repository's failure."""
    try:
        from distributed import Client, as_completed as completed
    except ImportError:
        raise UsageError("--executor dask needs Dask: pip install 'riskscan[dask]'") from None
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        futures = {client.submit(scan_one, entry, settings, pure=False, key=f"riskscan-scan-{index}-{entry.name}"): entry
                   for index, entry in enumerate(entries)}
        outcomes = {}
        for future in completed(futures):
            entry = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker that died or a task the cluster lost
                outcome = {"name": entry.name, "error": f"the Dask task failed: {type(exc).__name__}: {exc}"}
            outcomes[entry.name] = _reported(outcome, progress)
    return [outcomes[e.name] for e in entries]


def _reported(outcome: dict, progress) -> dict:
    if progress is not None:
        progress(outcome)
    return outcome
