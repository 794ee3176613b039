"""The classes of code that README "What counts as a finding" describes, one annotated fixture each.

`fixtures/classes/` is scanned as one small repository (a package there shows re-exports);
every file's findings must equal its `# expect:` annotations exactly, as (line, vendor, kind)
with `kind@service` for a finding of a non-inference service; `kind[feature]` also checks the
feature (`google:call[client]`: building a local object, no request). A file that expects a
`lifecycle` finding anywhere is compared on its lifecycle findings too (retirement dates are
catalogue data that changes; the other files do not depend on it).
"""
from __future__ import annotations

from datetime import date

import pytest

from riskscan.api import ScanOptions, scan
from riskscan.model import DERIVED_KINDS

from conftest import FIXTURES, read_annotations

CLASSES = FIXTURES / "classes"
FILES = sorted(p for p in CLASSES.rglob("*.py"))
AS_OF = date(2026, 12, 3)  # the retirement dates the fixtures rely on are before this day


def finding_key(finding) -> tuple:
    kind = f"{finding.kind}@{finding.service}" if finding.service else finding.kind
    return finding.line, finding.vendor, kind


def featured(key: tuple, finding) -> tuple:
    """The key with the feature, as `kind[feature]` annotations name it (`google:call[client]`)."""
    return key[:2] + (f"{key[2]}[{finding.feature}]",)


def plain(keys: set) -> set:
    return {(line, vendor, kind.split("[")[0]) for line, vendor, kind in keys}


@pytest.fixture(scope="module")
def report(catalogue):
    return scan(CLASSES, ScanOptions(jobs=1, as_of=AS_OF), catalogue=catalogue)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CLASSES)) for p in FILES])
def test_class_fixture_matches_annotations(path, report):
    expected, _, todo = read_annotations(path)
    relative = path.relative_to(CLASSES).as_posix()
    assert not report.skipped, report.skipped
    dated = any(kind == "lifecycle" for _, _, kind in expected)
    mine = [f for f in report.findings
            if f.path == relative and f.kind not in DERIVED_KINDS or f.path == relative and dated and f.kind == "lifecycle"]
    found = {finding_key(f) for f in mine}
    missing = sorted(expected - found - {featured(finding_key(f), f) for f in mine})
    unexpected = sorted(found - plain(expected) - plain(todo))
    assert not missing and not unexpected, f"\n{relative}: missing {missing}\nunexpected {unexpected}"


@pytest.mark.parametrize("path", [p for p in FILES if p.parent == CLASSES], ids=lambda p: p.name)
def test_each_class_fixture_shows_both_sides(path):
    expected, ok_lines, _ = read_annotations(path)
    assert expected and ok_lines, f"{path.name} needs `# expect:` and `# ok:` lines"
