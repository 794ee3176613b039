"""A copy of one commit's tree in a temporary folder outside the repository, moved from commit to commit by its changes.

Only the files a scan reads are written (sources, notebooks, manifests, lock and requirement
files, .gitignore, riskscan.toml), each from its git blob. Moving to the next commit rewrites only
the files that commit changed, so the per-file cache (keyed by content) finds every other file
unchanged and analyses it once for the whole history.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Optional

from ..discover import SOURCE_SUFFIXES
from ..errors import UsageError
from ..escape import printable
from ..manifests import LOCK_NAMES, MANIFEST_NAMES
from .git import Change, Repository

READ_NAMES = frozenset(MANIFEST_NAMES + LOCK_NAMES + (".gitignore", "riskscan.toml", "pyvenv.cfg"))
READ_SUFFIXES = SOURCE_SUFFIXES + (".txt", ".in")  # requirement files, and what -r / -c include
LINK, SUBMODULE = "120000", "160000"
RESHAPING = frozenset({".gitignore", "pyvenv.cfg"})  # files that change what discovery finds


def wanted(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name in READ_NAMES or name.endswith(READ_SUFFIXES)


class WorkTree:
    """`root` holds the tree of the last commit given to `move_to`."""

    def __init__(self, repo: Repository):
        self.repo = repo
        self._parent = Path(tempfile.mkdtemp(prefix="riskscan-history-"))
        if _inside(self._parent, repo.top):
            shutil.rmtree(self._parent, ignore_errors=True)
            raise UsageError(f"the temporary folder {self._parent} is inside the repository; set TMPDIR elsewhere")
        self.root = self._parent / (repo.name or "repository")
        self.root.mkdir()
        self.digests: dict = {}  # relative path (as a scan names it) -> blob id, for regular files
        self._layout = None  # api.Layout of the current list of files, while it holds

    def move_to(self, commit: str, changes: Optional[list] = None) -> bool:
        """Make `root` the tree of `commit`, given the changes since the last one (None: read its whole
        tree); False when no file a scan reads changed."""
        changes = self.repo.tree(commit) if changes is None else changes
        changes = [c for c in changes if wanted(c.path) and (c.oid is None or c.mode != SUBMODULE)]
        for change in changes:
            if change.oid is None:
                self._remove(change.path)
        fresh: dict = {}
        for change in changes:
            if change.oid is not None:
                fresh.setdefault(change.oid, []).append(change)
        for oid, data in self.repo.blobs(list(fresh)):
            for change in fresh[oid]:
                self._write(change, data)
        return bool(changes)

    def layout(self, options, catalogue):
        """The scan's api.Layout: discovered again only when a commit added or removed a file or changed
        what discovery reads (.gitignore, a virtualenv marker); the blob ids key every file."""
        from ..api import layout

        if self._layout is None:
            self._layout = layout(self.root, options, catalogue)
        return replace(self._layout, digests=dict(self.digests))

    def relative(self, path: str) -> str:
        prefix = self.repo.prefix
        relative = path[len(prefix):] if prefix and path.startswith(prefix) else path
        if ".." in Path(relative).parts:  # git refuses such paths; a damaged object store might not
            raise UsageError(f"refusing a path that leaves the tree: {path}")
        return relative

    def _write(self, change: Change, data: bytes) -> None:
        relative = self.relative(change.path)
        target = self.root / relative
        existed = target.is_symlink() or target.exists()
        if existed and (change.mode == LINK or target.is_symlink()):
            target.unlink()  # a link replaced, or replacing a file: writing through it would follow it
        elif not existed:
            target.parent.mkdir(parents=True, exist_ok=True)
        if change.mode == LINK:
            os.symlink(os.fsdecode(data), target)  # scanning never follows a link out of the tree
            self.digests.pop(printable(relative), None)  # a link's content is its target's: read it
        else:
            target.write_bytes(data)
            self.digests[printable(relative)] = change.oid
        if not existed or change.mode == LINK or target.name in RESHAPING:
            self._layout = None

    def _remove(self, path: str) -> None:
        relative = self.relative(path)
        target = self.root / relative
        if target.is_symlink() or target.is_file():
            target.unlink()
        self.digests.pop(printable(relative), None)
        self._layout = None
        folder = target.parent
        while folder != self.root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent

    def close(self) -> None:
        shutil.rmtree(self._parent, ignore_errors=True)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False
