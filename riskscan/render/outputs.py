"""Which report goes where: `-o` files get the format their extension names, stdout gets --format."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..errors import UsageError

# Longest suffix first: "report.cdx.json" is CycloneDX, "report.json" the JSON report.
EXTENSIONS = (
    (".sarif.json", "sarif"), (".cdx.json", "cyclonedx"), (".bom.json", "cyclonedx"),
    (".cyclonedx.json", "cyclonedx"), (".sarif", "sarif"), (".json", "json"),
    (".md", "markdown"), (".markdown", "markdown"), (".html", "html"), (".htm", "html"),
    (".txt", "text"),
)


def format_for_path(path, extensions=EXTENSIONS) -> Optional[str]:
    """The format a file name asks for, or None when its extension names none."""
    name = Path(path).name.lower()
    for suffix, fmt in extensions:
        if name.endswith(suffix):
            return fmt
    return None


def plan_outputs(outputs, fmt: Optional[str], extensions=EXTENSIONS, default: str = "text") -> list:
    """[(path or None for stdout, format)] for one run.

    `fmt` is the --format the user gave (None when they gave none). It decides stdout and a single
    `-o` file (so `--format sarif -o results.json` still writes SARIF); with several files, each
    extension speaks for its file and --format only for files whose extension names no format.
    `extensions` and `default` are the command's own (the portfolio writes CSV, and no text).
    """
    outputs = list(outputs or ())
    if not outputs:
        return [(None, fmt or default)]
    if len(outputs) == 1:
        return [(outputs[0], fmt or format_for_path(outputs[0], extensions) or default)]
    plan = []
    for path in outputs:
        chosen = format_for_path(path, extensions) or fmt
        if chosen is None:
            known = ", ".join(sorted({suffix for suffix, _ in extensions}))
            raise UsageError(f"cannot tell the format of {path} from its extension ({known}); add --format")
        plan.append((path, chosen))
    if len({Path(p).resolve() for p, _ in plan}) < len(plan):
        raise UsageError("the same output file is named twice")
    return plan
