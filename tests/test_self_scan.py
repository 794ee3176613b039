"""riskscan scans itself: its own package names every vendor in data, and must report none of them."""
from __future__ import annotations

import json

from riskscan.cli import main

from conftest import ROOT


def test_riskscan_reports_no_vendor_use_in_its_own_code(capsys):
    assert main(["scan", str(ROOT), "--format", "json", "--no-cache", "-q"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["files_scanned"] > 40 and not report["skipped"]
    assert [f for f in report["findings"] if f["kind"] != "manifest"] == []
