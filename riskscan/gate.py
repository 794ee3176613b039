"""The CI gate behind `riskscan check` and `riskscan baseline`: scan, apply the policy, suppressions and baseline."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional

from .api import ScanOptions, scan
from .baseline import load_baseline, split_known
from .config import Config
from .errors import UsageError
from .policy import Policy, apply_suppressions, evaluate, unjudged
from .ruleset import load_catalogue


@dataclass
class CheckResult:
    """What `check` reports, and the counts its summary line gives."""

    report: object
    policy: Policy
    violations: list
    suppressed: dict = field(default_factory=dict)  # "bare" / "code" -> count
    known: int = 0  # matched the baseline
    files: Optional[frozenset] = None  # relpaths asked about; None = the whole repository
    note: str = ""  # why baselined violations may show as new


def collect(root: Path, config: Config, options: ScanOptions) -> tuple:
    """(report, policy, Outcome) for the whole tree, or for `options.only` when that is enough."""
    catalogue = load_catalogue(options.rule_dirs)
    policy = Policy.from_config(config)
    policy.validate(config, catalogue)
    report = scan(root, replace(options, exposure=policy.needs_scores), catalogue)
    violations = evaluate(report, policy, retired_lookup(report))
    return report, policy, apply_suppressions(violations, root)


GRADES = ("A", "B", "C", "D", "F")


def failed_gate(report, fail_on: str, root: Path, config: Config) -> str:
    """Why `scan --fail-on` fails the run ("" when it passes): the grade is `fail_on` or worse, or,
    with `policy`, the repository has the violations `riskscan check` would report."""
    if fail_on.lower() == "policy":
        policy = Policy.from_config(config)
        violations = apply_suppressions(evaluate(report, policy, retired_lookup(report)), Path(root)).violations
        if violations and config.data.get("baseline"):
            violations, _ = split_known(violations, load_baseline(Path(config.default_map("check")["baseline"])))
        return f"{len(violations)} policy violation(s); `riskscan check` lists them" if violations else ""
    grade = getattr(getattr(report.exposure, "scores", None), "grade", None)
    if grade in GRADES and GRADES.index(grade) >= GRADES.index(fail_on.upper()):
        return f"the grade is {grade}, {fail_on.upper()} or worse"
    return ""


def run_check(root: Path, files, config: Config, options: ScanOptions, baseline: Optional[Path] = None) -> CheckResult:
    """Violations that touch `files` (every violation when none are given or the configuration changed).

    Per-file checks need only the changed files analysed; the repository-wide limits (max_hhi,
    max_blast_radius) see the whole tree, from the cache where it is warm.
    """
    root = _directory(root)
    paths = relative_paths(root, files)
    if paths is not None and config.path is not None and relative_paths(root, [config.path.resolve()], strict=False) & paths:
        paths = None  # a policy change can make any old code a violation
    if paths is not None and not Policy.from_config(config).needs_scores:
        # every per-file check reads only the file's own findings: the rest of the tree is not
        # needed at all, and changed files miss the cache anyway, so it is not even consulted
        options = replace(options, only=paths, cache_dir=None)
    report, policy, outcome = collect(root, config, options)
    violations = [v.focus(paths) for v in outcome.violations if v.touches(paths)] if paths is not None else outcome.violations
    result = CheckResult(report, policy, violations, outcome.suppressed_counts(paths), files=paths,
                         note="; ".join(unjudged(report, policy)))
    if baseline is not None:
        known_baseline = load_baseline(baseline)
        result.violations, known = split_known(violations, known_baseline)
        result.known = len(known)
        result.note = "; ".join(filter(None, [result.note, known_baseline.staleness(report.rules_version, policy.settings())]))
    return result


def _directory(root: Path) -> Path:
    root = Path(root)
    if not root.is_dir():
        raise UsageError(f"--root must be a folder: {root}")
    return root


def relative_paths(root: Path, files, strict: bool = True) -> Optional[frozenset]:
    """FILES as POSIX paths relative to the scanned root (pre-commit passes them relative to the repository).

    A folder stands for every file under it. A name that does not exist is a usage error: a gate
    that answered "no violations" about a file it never saw would pass anything.
    """
    if not files:
        return None
    base = root.resolve()
    paths = set()
    for name in files:
        target = Path.cwd() / name
        if strict and not target.exists():
            raise UsageError(f"{name}: no such file")
        try:
            relative = target.resolve().relative_to(base).as_posix()
        except ValueError:
            if strict:
                raise UsageError(f"{name} is outside the checked folder {root}") from None
            continue
        if strict and target.is_dir():
            if relative == ".":
                return None  # the whole repository
            paths.update(_files_under(target, base))
            continue
        paths.add(relative)
    return frozenset(paths)


def _files_under(folder: Path, base: Path) -> set:
    found = set()
    for current, _, names in os.walk(folder):
        here = Path(current).resolve()
        found.update((here / name).relative_to(base).as_posix() for name in names)
    return found


def retired_lookup(report):
    """finding -> retirement date or None, from the scan's `lifecycle` findings (riskscan/lifecycle.py).

    Without the lifecycle module, RS302 finds nothing rather than failing the gate.
    """
    try:
        from .lifecycle import retired_lookup as lookup
    except ImportError:
        return None
    return lookup(report)
