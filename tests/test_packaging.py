"""The rule files load from an editable checkout and from a built wheel (a classic packaging trap)."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import riskscan
from riskscan.ruleset import builtin_rules_dir, load_catalogue

from conftest import FIXTURES, ROOT


def test_source_checkout_finds_top_level_rules():
    if Path(riskscan.__file__).resolve().parent.parent != ROOT:
        pytest.skip("riskscan is not imported from this checkout")
    assert builtin_rules_dir() == ROOT / "rules"
    assert load_catalogue().vendors


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("riskscan-*.whl")
    return built


def test_wheel_contains_every_rule_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for kind, sub in (("vendor", "vendors"), ("router", "routers")):
        for rule in (ROOT / "rules" / sub).glob("*.toml"):
            assert f"riskscan/_rules/{sub}/{rule.name}" in names
    assert not any(name.startswith(("fixtures/", "tests/")) for name in names)


def test_installed_wheel_scans_with_its_own_rules(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)], check=True)
    env = dict(os.environ, PYTHONPATH=str(target))
    probe = "import riskscan, riskscan.ruleset as r; print(riskscan.__file__); print(r.builtin_rules_dir())"
    where = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path, check=True).stdout.split()
    assert where[0].startswith(str(target)) and where[1] == str(target / "riskscan" / "_rules")
    scan = subprocess.run([sys.executable, "-m", "riskscan", "scan", str(FIXTURES / "example_app"), "--format", "json"],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert scan.returncode == 0, scan.stderr
    assert '"vendor": "openai"' in scan.stdout


def test_wheel_contains_the_report_templates(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "riskscan" / "render" / "templates").iterdir():
        assert f"riskscan/render/templates/{template.name}" in names


def test_installed_wheel_renders_the_html_report(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)], check=True)
    env = dict(os.environ, PYTHONPATH=str(target))
    scan = subprocess.run([sys.executable, "-m", "riskscan", "scan", str(FIXTURES / "example_app"), "--format", "html", "--no-cache"],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert scan.returncode == 0, scan.stderr
    assert scan.stdout.startswith("<!DOCTYPE html>") and "AI supplier register" in scan.stdout
