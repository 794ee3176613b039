"""Persistent per-file cache: a file's analysis is reused while its bytes, the rules and riskscan stay the same.

One SQLite database (stdlib, transactional: an interrupted run leaves the last committed state,
never a torn file) in the user's cache folder, never inside the scanned tree unless asked.
Values are JSON, not pickle: a cache file is data, and loading it can never run code. Anything
unreadable is treated as a miss, and a database that cannot be opened is moved aside and rebuilt.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import zlib
from dataclasses import asdict, fields
from pathlib import Path
from typing import Optional

from . import __version__
from .model import FileResult, Finding, Skipped
from .redact import unstorable
from .structure import EntryFact, FunctionInfo, ModuleStructure
from .switch_facts import SwitchFact, SwitchOption

_SCHEMA = 2  # 2: findings carry the model and keyword names of vendor calls


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "riskscan"


def content_key(data: bytes, context: str) -> str:
    """Identity of one analysis: the file's bytes plus everything else its result depends on."""
    digest = hashlib.sha256(data)
    digest.update(b"\0" + context.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


class Cache:
    """get/put FileResults by key; `close()` commits. Safe to use from one process at a time."""

    def __init__(self, directory: Path, rules_version: str):
        self.namespace = f"{_SCHEMA}:{__version__}:{rules_version}"
        self.path = Path(directory) / "cache.sqlite3"
        self.db = self._open()
        self.hits = self.misses = 0

    def _open(self) -> Optional[sqlite3.Connection]:
        """A connection, or None: a cache that cannot be used slows a scan down, it never stops it."""
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the rows hold code: only for its owner
            return self._connect()
        except sqlite3.OperationalError:
            return None  # locked by a concurrent run, or unwritable: run without the cache
        except sqlite3.DatabaseError:
            # a corrupt or foreign file: keep it for inspection, start a fresh one
            try:
                os.replace(self.path, self.path.with_suffix(".corrupt"))
                return self._connect()
            except (OSError, sqlite3.Error):
                return None
        except OSError:
            return None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, namespace TEXT, value BLOB)")
        db.execute("DELETE FROM results WHERE namespace != ?", (self.namespace,))
        return db

    def get(self, key: str) -> Optional[FileResult]:
        if self.db is None:
            return None
        try:
            row = self.db.execute("SELECT value FROM results WHERE key = ? AND namespace = ?", (key, self.namespace)).fetchone()
            result = decode(row[0]) if row else None
        except (sqlite3.Error, ValueError, KeyError, TypeError, zlib.error):
            result = None
        if result is None:
            self.misses += 1
        else:
            self.hits += 1
        return result

    def put(self, key: str, result: FileResult) -> None:
        blob = encode(result)
        if self.db is None or blob is None:
            return
        try:
            self.db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", (key, self.namespace, blob))
        except sqlite3.Error:
            pass

    def close(self) -> None:
        """Commit what this run learnt; if another run holds the lock, its entries are simply not saved."""
        if self.db is None:
            return
        try:
            self.db.commit()
        except sqlite3.Error:
            pass
        finally:
            self.db.close()
            self.db = None


# ---------------------------------------------------------------------- JSON codec
def encode(result: FileResult) -> Optional[bytes]:
    """None for a result that names a key where redaction does not reach (a file name, an identifier): never stored."""
    data = {
        "path": result.path, "module": result.module, "lines": result.lines,
        "imports": [list(i) for i in result.imports],
        "skipped": asdict(result.skipped) if result.skipped else None,
        "findings": [_finding_dict(f) for f in result.findings],
        "structure": _structure_dict(result.structure) if result.structure else None,
    }
    text = json.dumps(data, separators=(",", ":"))
    return None if unstorable(text, result.path) else zlib.compress(text.encode("utf-8", "surrogateescape"), 1)


def decode(blob: bytes) -> FileResult:
    data = json.loads(zlib.decompress(blob).decode("utf-8", "surrogateescape"))
    return FileResult(
        path=data["path"], module=data["module"], lines=data["lines"],
        imports=[(m, level, tuple(names), line, type_only) for m, level, names, line, type_only in data["imports"]],
        skipped=Skipped(**data["skipped"]) if data["skipped"] else None,
        findings=[_finding_from(f) for f in data["findings"]],
        structure=_structure_from(data["structure"]) if data["structure"] else None,
    )


_FINDING_FIELDS = {f.name for f in fields(Finding)}


def _finding_dict(finding: Finding) -> dict:
    return {name: getattr(finding, name) for name in _FINDING_FIELDS}


def _finding_from(data: dict) -> Finding:
    data = {k: v for k, v in data.items() if k in _FINDING_FIELDS}
    data["fallback_to"] = tuple(data.get("fallback_to", ()))
    data["arguments"] = tuple(data.get("arguments", ()))
    return Finding(**data)


def _structure_dict(structure: ModuleStructure) -> dict:
    return {
        "functions": {q: [f.line, sorted(f.calls), f.is_class] for q, f in structure.functions.items()},
        "names": structure.names,
        "entries": [asdict(e) for e in structure.entries],
        "imports": [list(i) for i in structure.imports],
        "url_views": [list(v) for v in structure.url_views],
        "switches": [asdict(s) for s in structure.switches],
    }


def _structure_from(data: dict) -> ModuleStructure:
    return ModuleStructure(
        functions={q: FunctionInfo(q, line, set(calls), is_class) for q, (line, calls, is_class) in data["functions"].items()},
        names=data["names"],
        entries=[EntryFact(**e) for e in data["entries"]],
        imports=[(m, level, tuple(names), line, type_only) for m, level, names, line, type_only in data["imports"]],
        url_views=[tuple(v) for v in data["url_views"]],
        switches=[_switch_from(s) for s in data.get("switches", ())],
    )


def _switch_from(data: dict) -> SwitchFact:
    options = tuple(SwitchOption(o["label"], o["start"], o["end"], tuple(o["refs"])) for o in data["options"])
    return SwitchFact(data["kind"], data["line"], data["owner"], options)
