"""The progress bar on stderr: drawn only on a terminal, and only once a scan takes more than a moment."""
from __future__ import annotations

import os
import shutil
import sys
import time

DELAY = 0.5  # seconds before the first draw: a quick scan never flickers a bar
REDRAW = 0.1  # seconds between draws: a terminal is slower than a scan of small files


def is_terminal(stream) -> bool:
    """A real, capable terminal: not a pipe, a file, a CI log or TERM=dumb."""
    try:
        return bool(stream.isatty()) and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


class ProgressBar:
    """`ScanOptions.progress` hook: `bar(done, total)` after each file; `close()` wipes the line.

    Stdout stays clean for the report; the bar lives on stderr and erases itself, so a terminal
    shows the report alone once the scan ends.
    """

    def __init__(self, stream=None, enabled=None, delay=None, clock=time.monotonic, unit: str = "files"):
        self.stream = stream if stream is not None else sys.stderr
        self.unit = unit
        self.enabled = is_terminal(self.stream) if enabled is None else enabled
        self.delay, self.clock = (DELAY if delay is None else delay), clock
        self.started = clock()
        self.last_draw = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        now = self.clock()
        if now - self.started < self.delay:
            return
        if self.last_draw is not None and done < total and now - self.last_draw < REDRAW:
            return
        self.last_draw = now
        self._draw(done, total)

    def _draw(self, done: int, total: int) -> None:
        label = f" {done:,}/{total:,} {self.unit} {done / total:4.0%}"
        columns = shutil.get_terminal_size((80, 24)).columns
        width = max(10, min(40, columns - len(label) - 12))
        filled = width * done // total
        self.stream.write(f"\rscanning [{'#' * filled}{'-' * (width - filled)}]{label}\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self.last_draw is not None:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.last_draw = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
