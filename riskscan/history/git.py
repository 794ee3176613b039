"""Reading a repository's history straight from its object store: commits, trees, blobs. Never a checkout.

Only `rev-parse`, `log`, `ls-tree`, `diff-tree` and `cat-file --batch` run, with optional locks
off (riskscan.gitcmd), so nothing is written into the repository, not even its index.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator, Optional

from ..errors import UsageError
from ..gitcmd import git, popen

EVERY = ("week", "month")  # or a number of commits
_SEP, _END = "\x1f", "\x1e"


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # committer date, ISO 8601 with offset
    subject: str
    changes: tuple = ()  # Changes against its first parent


@dataclass(frozen=True)
class Change:
    """One file of a tree that differs from the previous tree: a new blob (`oid`), or gone (`oid` None)."""

    path: str  # relative to the repository's top level
    oid: Optional[str]
    mode: str = "100644"


class Repository:
    """A git repository (a work tree, a folder inside one, or a bare repository) and the part of it to scan."""

    def __init__(self, path: Path):
        path = Path(path)
        if not path.is_dir():
            raise UsageError(f"not a folder: {path}")
        self.top, self.prefix = _locate(path)
        self.name = (self.prefix.rstrip("/").rsplit("/", 1)[-1] if self.prefix else _name(self.top))
        self._batch = None

    def commits(self, ref: str = "HEAD", since: Optional[date] = None) -> list:
        """First-parent commits of `ref`, oldest first, each with its changes: one `git log` for all."""
        args = ["log", "--first-parent", "--raw", "-z", "--no-renames", "--no-abbrev", "--diff-merges=first-parent",
                f"--format={_END}%H{_SEP}%cI{_SEP}%s"]
        args += [f"--since={since.isoformat()}"] if since else []
        return _parse_log(self._git([*args, ref, "--", *self._pathspec()], text=False))[::-1]

    def tree(self, commit: str) -> list:
        """Every file of the commit under the prefix, as Changes from nothing."""
        out = self._git(["ls-tree", "-r", "-z", "--full-tree", commit, "--", *self._pathspec()], text=False)
        changes = []
        for entry in filter(None, out.split(b"\0")):
            meta, _, raw = entry.partition(b"\t")
            mode, kind, oid = meta.decode().split()
            if kind == "blob":
                changes.append(Change(os.fsdecode(raw), oid, mode))
        return changes

    def blobs(self, oids: list) -> Iterator[tuple]:
        """(oid, bytes) for each object, through one long-running `git cat-file --batch`."""
        batch = self._cat_file()
        for oid in oids:
            batch.stdin.write(oid.encode() + b"\n")
            batch.stdin.flush()
            header = batch.stdout.readline().split()
            if len(header) != 3:
                raise UsageError(f"git cat-file cannot read object {oid}")
            data = batch.stdout.read(int(header[2]))
            batch.stdout.read(1)  # the newline after each object
            yield oid, data

    def forget_pipes(self) -> None:
        self._batch = None

    def __getstate__(self) -> dict:
        return dict(self.__dict__, _batch=None)  # a worker process opens its own

    def close(self) -> None:
        if self._batch is not None:
            self._batch.stdin.close()
            self._batch.wait()
            self._batch = None

    def _cat_file(self):
        if self._batch is None:
            self._batch = popen(["cat-file", "--batch"], self.top)
        return self._batch

    def _pathspec(self) -> list:
        return [self.prefix] if self.prefix else []

    def _git(self, args: list, text: bool = True):
        return git(args, cwd=self.top, text=text)


def _parse_log(out: bytes) -> list:
    """Commits (newest first) from `git log --raw -z`: a header, then (":meta", path) pairs, per commit.

    Tokens are read by position (a path follows its meta), so no file name can pass for a header.
    """
    commits, header, changes = [], None, []
    tokens = iter(out.split(b"\0"))
    for token in tokens:
        token = token.lstrip(b"\n")
        if not token:
            continue
        if token.startswith(b":"):
            changes.append(_change(token, next(tokens, b"")))
            continue
        if header is not None:
            commits.append(Commit(*header, changes=tuple(changes)))
        header, changes = token.decode("utf-8", "replace").lstrip(_END).split(_SEP, 2), []
    if header is not None:
        commits.append(Commit(*header, changes=tuple(changes)))
    return commits


def _change(meta: bytes, raw: bytes) -> Change:
    _, new_mode, _, new_oid, status = meta.decode().lstrip(":").split()
    gone = status == "D" or new_mode == "160000"  # a submodule is no file of this tree
    return Change(os.fsdecode(raw), None if gone else new_oid, new_mode)


def between(commits: list, old: int, new: int) -> list:
    """The changes from commits[old] to commits[new]: each path's last change in between."""
    latest: dict = {}
    for commit in commits[old + 1:new + 1]:
        for change in commit.changes:
            latest[change.path] = change
    return [latest[path] for path in sorted(latest)]


def _locate(path: Path) -> tuple:
    """(top-level folder git runs in, prefix of `path` inside it) for a work tree or a bare repository."""
    try:
        bare = git(["rev-parse", "--is-bare-repository"], cwd=path).strip() == "true"
    except UsageError:
        raise UsageError(f"{path} is not inside a git repository") from None
    if bare:
        return path, ""
    top = Path(git(["rev-parse", "--show-toplevel"], cwd=path).strip())
    return top, git(["rev-parse", "--show-prefix"], cwd=path).strip()


def _name(top: Path) -> str:
    name = top.resolve().name
    return name[:-4] if name.endswith(".git") else name


def select(commits: list, every: str) -> list:
    """The commits to scan (oldest first): all, every Nth counted back from the newest, or the newest
    of each week or month. The newest commit is always scanned."""
    if not commits:
        return []
    if every.isdigit():
        step = int(every)
        if step < 1:
            raise UsageError("--every: a number of commits must be at least 1")
        newest_first = commits[::-1][::step]
        return newest_first[::-1]
    if every not in EVERY:
        raise UsageError(f"--every: expected week, month or a number of commits, not {every!r}")
    chosen: dict = {}
    for index, commit in enumerate(commits):  # oldest first, so the newest of each period wins
        chosen[_period(commit.date, every)] = (index, commit)
    return [commit for _, commit in sorted(chosen.values(), key=lambda pair: pair[0])]


def _period(when: str, every: str) -> tuple:
    day = date.fromisoformat(when[:10])
    if every == "month":
        return (day.year, day.month)
    year, week, _ = day.isocalendar()
    return (year, week)
