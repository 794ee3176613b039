"""The README's sample output is what the command it shows prints (its --as-of fixes the day)."""
from __future__ import annotations

import re
import shlex

from riskscan.cli import main

from conftest import ROOT


def readme_sample() -> tuple:
    """(arguments, expected output) of the first `$ riskscan ...` block under "## Sample output"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Sample output", 1)[1]
    block = re.search(r"```\n\$ (riskscan [^\n]+)\n(.*?)```", section, re.S)
    return shlex.split(block.group(1))[1:], block.group(2)


def test_the_readme_sample_is_what_the_command_prints(capsys, monkeypatch):
    arguments, expected = readme_sample()
    assert "--as-of" in arguments  # a sample without a fixed day would stop matching as dates pass
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(arguments + ["--no-cache"]) == 0
    printed = capsys.readouterr().out
    assert printed == expected, "README.md's sample output is stale: re-run the command and paste its output"
