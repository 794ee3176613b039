"""Shared by the report tests: one CLI scan of a folder in one format, parsed when it is JSON."""
from __future__ import annotations

import json

from riskscan.cli import main

AS_OF = "2026-12-03"


def scan_output(root, fmt: str, capsys, *extra, as_of: str = AS_OF):
    """What `riskscan scan ROOT --format FMT` prints (a dict for json and sarif), on a fixed day, without the cache."""
    assert main(["scan", str(root), "--no-cache", "-q", "--as-of", as_of, "--format", fmt, *extra]) == 0
    out = capsys.readouterr().out
    return json.loads(out) if fmt in ("json", "sarif") else out
