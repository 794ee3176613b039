"""Where a portfolio scan reads a repository: a local folder as it is, or a git URL cloned shallow into a temporary folder.

Cloning is the one network use of riskscan, and only of the URLs the user lists. The clone is
removed afterwards, whatever happened.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..errors import UsageError
from ..gitcmd import git
from ..redact import redact_message

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^[\w.-]+@[\w.-]+:")  # scheme://... or scp-like user@host:path
CLONE_TIMEOUT = 900.0  # seconds


def is_remote(source: str) -> bool:
    return bool(_URL.match(source))


def name_of(source: str) -> str:
    """A repository name from a URL or folder: `https://host/acme/helpdesk.git` -> `helpdesk`."""
    tail = source.rstrip("/").replace(":", "/").rsplit("/", 1)[-1]
    return tail[:-4] if tail.endswith(".git") else tail or "repository"


def display(source: str) -> str:
    """A source as reports show it: `https://user:token@host/x.git` keeps no usable credential."""
    return redact_message(source)


def file_name(name: str) -> str:
    """A repository name as one safe file or folder name (a manifest may name `acme/helpdesk`)."""
    return re.sub(r"[^\w.-]", "_", name).strip(".") or "repository"


@contextmanager
def checkout(source: str, name: str, ref: str = "", timeout: float = CLONE_TIMEOUT):
    """The folder to scan: `source` itself, or a shallow clone of it that is deleted on exit."""
    if not is_remote(source):
        folder = Path(source)
        if not folder.is_dir():
            raise UsageError(f"no such folder: {source}")
        yield folder
        return
    parent = Path(tempfile.mkdtemp(prefix="riskscan-portfolio-"))
    try:
        # the clone's folder is named after the repository: the report's `root` is that name
        target = parent / file_name(name)
        branch = ["--branch", ref] if ref else []
        try:
            git(["clone", "--depth", "1", "--quiet", "--no-tags", "--single-branch", *branch, "--", source, str(target)],
                timeout=timeout)
        except UsageError as exc:
            raise UsageError(f"cannot clone {display(source)}: {str(exc).partition(': ')[2] or exc}") from None
        yield target
    finally:
        shutil.rmtree(parent, ignore_errors=True)
