"""git as a subprocess, the only way riskscan touches a repository's history or a remote.

Every call runs with no terminal prompt (a missing credential fails instead of waiting), no
optional locks (a read never refreshes the index or writes anything into the repository), no
pager, no LFS download, and no hooks or filesystem monitor, so a hostile repository's own
configuration cannot make a read run a program. The user's own git configuration (credential
helpers, URL rewrites) still applies to clones.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Optional

from .errors import UsageError
from .redact import redact_message

_ENV = {
    "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "GIT_PAGER": "cat", "GIT_LFS_SKIP_SMUDGE": "1",
    "LC_ALL": "C",
}
# Settings that could make a read run a program the repository names.
_SAFE = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "protocol.ext.allow=never")


def git_env() -> dict:
    return {**os.environ, **_ENV}


def git_binary() -> str:
    found = shutil.which("git")
    if found is None:
        raise UsageError("git is not installed (riskscan needs it to read history and to clone repositories)")
    return found


def git(args: list, cwd: Optional[Path] = None, timeout: Optional[float] = None, text: bool = True) -> str:
    """stdout of `git ARGS`, or a UsageError with git's own last words."""
    try:
        done = subprocess.run([git_binary(), *_SAFE, *args], cwd=cwd, env=git_env(), capture_output=True,
                              text=text, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {args[0]} took longer than {timeout:.0f} s") from None
    except OSError as exc:
        raise UsageError(f"cannot run git: {exc}") from None
    if done.returncode != 0:
        error = done.stderr if text else done.stderr.decode("utf-8", "replace")
        raise UsageError(f"git {args[0]} failed: {last_words(error)}")
    return done.stdout


def popen(args: list, cwd: Path) -> subprocess.Popen:
    """A long-running git (`cat-file --batch`) talking over pipes, in bytes."""
    return subprocess.Popen([git_binary(), *_SAFE, *args], cwd=cwd, env=git_env(), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def last_words(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return redact_message(lines[-1] if lines else "no message")  # git quotes URLs, and their credentials
