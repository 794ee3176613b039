"""User errors that stop a run with a clear message (exit 2); never per-file analysis problems."""
from __future__ import annotations


class RiskscanError(Exception):
    """Base for errors shown to the user without a traceback."""


class UsageError(RiskscanError):
    """A bad path, option or combination of options."""


class RuleFileError(RiskscanError):
    """One or more rule files are invalid; carries every problem found, not just the first."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(RiskscanError):
    """A configuration file is invalid; the message names the file, the line and the key."""
