"""Seconds per stage of a scan, for `benchmarks/bench.py --profile-stages`: free unless recording.

The benchmark records one serial scan in one process (worker processes record nothing), so
that the stages add up to the scan and show where its time goes.
"""
from __future__ import annotations

import functools
import inspect
from contextlib import contextmanager, nullcontext
from time import perf_counter
from typing import Callable, Optional

_totals: Optional[dict] = None  # stage name -> [seconds, times entered] while recording
_OFF = nullcontext()


def stage(name: str):
    """A context manager that adds the time spent inside it to `name` (nothing when not recording)."""
    return _OFF if _totals is None else _Timer(_totals.setdefault(name, [0.0, 0]))


class _Timer:
    __slots__ = ("entry", "start")

    def __init__(self, entry: list):
        self.entry = entry

    def __enter__(self):
        self.start = perf_counter()

    def __exit__(self, *exc):
        self.entry[0] += perf_counter() - self.start
        self.entry[1] += 1
        return False


@contextmanager
def recording():
    """Record the stages of everything run inside; yields the dict of {stage: [seconds, count]}.
    A stage timed inside another one is counted in both (the benchmark says which contain which)."""
    global _totals
    previous, _totals = _totals, {}
    try:
        yield _totals
    finally:
        _totals = previous


def staged(name: str, function: Callable) -> Callable:
    """`function`, timed as stage `name` (a generator function: while it is iterated)."""
    if inspect.isgeneratorfunction(function):
        @functools.wraps(function)
        def generate(*args, **kwargs):
            with stage(name):
                yield from function(*args, **kwargs)
        return generate

    @functools.wraps(function)
    def timed(*args, **kwargs):
        with stage(name):
            return function(*args, **kwargs)
    return timed
