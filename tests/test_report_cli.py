"""`riskscan scan` as a user runs it for reports: several outputs at once, baselines, progress and colour."""
from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from riskscan.cli import cli, main
from riskscan.errors import UsageError
from riskscan.render import progress
from riskscan.render.outputs import format_for_path, plan_outputs
from riskscan.render.progress import ProgressBar

from conftest import FIXTURES
from report_support import REPOS

EXAMPLE = str(FIXTURES / "example_app")


def test_several_outputs_in_one_run_take_their_format_from_the_extension(tmp_path, capsys):
    names = ["r.html", "r.sarif", "r.md", "r.cdx.json", "r.json", "r.txt"]
    args = [arg for name in names for arg in ("-o", str(tmp_path / name))]
    assert main(["scan", EXAMPLE, "--no-cache", *args]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("wrote ") == len(names)
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    assert json.loads((tmp_path / "r.sarif").read_text())["version"] == "2.1.0"
    assert (tmp_path / "r.md").read_text().startswith("## AI vendor risk")
    assert json.loads((tmp_path / "r.cdx.json").read_text())["bomFormat"] == "CycloneDX"
    assert json.loads((tmp_path / "r.json").read_text())["schema_version"] == "1.0"
    assert (tmp_path / "r.txt").read_text().startswith("riskscan ")


def test_format_decides_for_a_single_output_and_stdout(tmp_path, capsys):
    assert main(["scan", EXAMPLE, "--no-cache", "--format", "sarif", "-o", str(tmp_path / "results.json")]) == 0
    assert json.loads((tmp_path / "results.json").read_text())["version"] == "2.1.0"
    assert main(["scan", EXAMPLE, "--no-cache", "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("## AI vendor risk")


def test_output_planning():
    assert format_for_path("a/report.SARIF") == "sarif" and format_for_path("bom.cdx.json") == "cyclonedx"
    assert format_for_path("report.json") == "json" and format_for_path("notes.rst") is None
    assert plan_outputs([], None) == [(None, "text")]
    assert plan_outputs(["x.rst"], None) == [("x.rst", "text")]
    assert plan_outputs(["a.html", "b.rst"], "json") == [("a.html", "html"), ("b.rst", "json")]
    with pytest.raises(UsageError, match="cannot tell the format of b.rst"):
        plan_outputs(["a.html", "b.rst"], None)
    with pytest.raises(UsageError, match="named twice"):
        plan_outputs(["a.html", "./a.html"], None)


def test_unknown_extension_among_several_is_a_usage_error(tmp_path, capsys):
    assert main(["scan", EXAMPLE, "-o", str(tmp_path / "a.html"), "-o", str(tmp_path / "b.rst")]) == 2
    err = capsys.readouterr().err
    assert "cannot tell the format" in err and "Traceback" not in err
    assert not (tmp_path / "a.html").exists()  # checked before the scan, so nothing is half-written


@pytest.mark.parametrize("content", ["not json", '{"hello": 1}', '["a"]'])
def test_a_baseline_that_is_not_a_report_is_a_usage_error(tmp_path, capsys, content):
    bad = tmp_path / "previous.json"
    bad.write_text(content)
    assert main(["scan", EXAMPLE, "--baseline", str(bad), "--format", "html"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and ("cannot read report" in err or "not a riskscan JSON report" in err)
    assert "Traceback" not in err


def test_missing_baseline_is_a_usage_error(tmp_path, capsys):
    assert main(["scan", EXAMPLE, "--baseline", str(tmp_path / "nope.json"), "--format", "html"]) == 2
    assert "cannot read report" in capsys.readouterr().err


def test_baseline_feeds_html_and_markdown(tmp_path, capsys):
    previous = tmp_path / "previous.json"
    assert main(["scan", str(REPOS / "single_vendor"), "--no-cache", "-o", str(previous)]) == 0
    out = tmp_path / "now.html"
    assert main(["scan", EXAMPLE, "--no-cache", "--baseline", str(previous), "-o", str(out), "-o", str(tmp_path / "now.md")]) == 0
    assert "Grade F → " in out.read_text() and "### Changes since the previous report" in (tmp_path / "now.md").read_text()


def test_colour_only_on_a_terminal(tmp_path, capsys):
    assert main(["scan", str(REPOS / "secrets_repo"), "--no-cache"]) == 0
    assert "\x1b[" not in capsys.readouterr().out  # a pipe gets plain text
    terminal = CliRunner().invoke(cli, ["scan", str(REPOS / "secrets_repo"), "--no-cache"], color=True)
    assert terminal.exit_code == 0 and "\x1b[" in terminal.output
    to_file = CliRunner().invoke(cli, ["scan", str(REPOS / "secrets_repo"), "--no-cache", "-o", str(tmp_path / "r.txt")], color=True)
    assert to_file.exit_code == 0 and "\x1b[" not in (tmp_path / "r.txt").read_text()


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_progress_bar_waits_a_moment_then_draws_and_erases_itself():
    stream, clock = FakeTerminal(), Clock()
    bar = ProgressBar(stream, clock=clock)
    bar(1, 10)
    assert stream.getvalue() == ""  # a quick scan never shows a bar
    clock.now = 1.0
    bar(5, 10)
    assert "scanning [" in stream.getvalue() and "5/10 files" in stream.getvalue() and "50%" in stream.getvalue()
    bar.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_progress_bar_is_off_when_stderr_is_not_a_terminal():
    stream, clock = io.StringIO(), Clock()
    bar = ProgressBar(stream, clock=clock)
    clock.now = 5.0
    bar(3, 10)
    bar.close()
    assert stream.getvalue() == ""


def test_scan_draws_the_bar_on_a_terminal_unless_quiet(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(progress, "is_terminal", lambda stream: True)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    assert main(["scan", EXAMPLE, "--no-cache", "-o", str(tmp_path / "r.json")]) == 0
    err = capsys.readouterr().err
    assert "scanning [" in err and "\r\x1b[K" in err and "wrote " in err
    assert main(["scan", EXAMPLE, "--no-cache", "-q", "-o", str(tmp_path / "r.json")]) == 0
    assert capsys.readouterr().err == ""
