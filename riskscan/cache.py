"""Persistent cache: a file's analysis is reused while its bytes, the rules and riskscan stay the same.

One SQLite database (stdlib, transactional: an interrupted run leaves the last committed state,
never a torn file) in the user's cache folder, never inside the scanned tree unless asked. It
holds three tables:

- `results`: one FileResult per file, keyed by the file's bytes and everything else its analysis
  depends on (see api._cache_key);
- `digests`: the SHA-256 of a file's bytes by its stat signature (size, times, inode), so that a
  warm scan need not read unchanged files, as git's index does. A file changed within the last
  seconds is not recorded (its timestamps may not have moved yet);
- `memos`: whole results of earlier runs (rendered reports, parsed lock files), by the digest of
  everything they were computed from (see memo.py); each scope (a folder and command, a lock
  file) keeps only its latest.

Values are JSON, not pickle (results: result_json.py): a cache file is data, and loading it can never run code. Anything
unreadable or of the wrong shape is treated as a miss, and a database that cannot be opened is
moved aside and rebuilt. Every entry belongs to a namespace: the schema, riskscan's version and
the signature of its own files (so that an edited install never reads results of other code),
and the rules. Results of other code are deleted when the cache opens; results of the last
MAX_RULE_SETS rule sets are kept side by side.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
import zlib
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

from . import __version__

_SCHEMA = 3  # 3: keys from digests, the stat index, the memo; strict decoding
MAX_RULE_SETS = 4  # rule sets whose per-file results the cache keeps at once (the most recently used)
RACY_SECONDS = 2.0  # a file changed this recently may change again without its timestamps moving


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "riskscan"


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_key(digest: str, context: str) -> str:
    """Identity of one analysis: the digest of the file's bytes plus everything else its result depends on."""
    return hashlib.sha256(f"{digest}\0{context}".encode("utf-8", "surrogateescape")).hexdigest()


@lru_cache(maxsize=1)
def code_signature() -> str:
    """riskscan's version and the size and times of every file of its package (code, templates,
    bundled rules): a cache written by other code, an edited checkout included, is not read."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"{_SCHEMA}:{__version__}".encode())
    for current, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            try:
                info = os.stat(os.path.join(current, name))
            except OSError:
                continue
            digest.update(f"{os.path.relpath(current, package)}/{name}:{info.st_size}:{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:16]


def stat_signature(info: os.stat_result) -> str:
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}:{info.st_dev}"


def is_racy(info: os.stat_result, now: Optional[float] = None) -> bool:
    """Changed so recently that a change now might leave size and times as they are."""
    newest = max(info.st_mtime_ns, info.st_ctime_ns) / 1e9
    return newest >= (time.time() if now is None else now) - RACY_SECONDS


class Cache:
    """FileResults, file digests and memo entries; `close()` commits. One process at a time.

    Without `rules_version` (a run memo that has not loaded the rules) results are not touched.
    """

    def __init__(self, directory: Path, rules_version: Optional[str] = None):
        self.code = code_signature()
        self.namespace = f"{self.code}:{rules_version}" if rules_version is not None else None
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
        db.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; a power cut may lose the last run
        db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, namespace TEXT, value BLOB)")
        db.execute("CREATE TABLE IF NOT EXISTS memos (key TEXT PRIMARY KEY, namespace TEXT, scope TEXT, value BLOB)")
        db.execute("CREATE TABLE IF NOT EXISTS digests (path TEXT PRIMARY KEY, signature TEXT, digest TEXT)")
        if self.namespace is not None:
            self._keep_recent_namespaces(db)
        db.execute("DELETE FROM memos WHERE namespace != ?", (self.code,))
        return db

    def _keep_recent_namespaces(self, db: sqlite3.Connection) -> None:
        """Results of other code go; results of other rule sets stay for the MAX_RULE_SETS last used
        (a scan with --rules, `riskscan learn` and a plain scan share the folder without evicting
        each other), so the cache stays bounded."""
        db.execute("CREATE TABLE IF NOT EXISTS namespaces (namespace TEXT PRIMARY KEY, used REAL)")
        db.execute("INSERT OR REPLACE INTO namespaces VALUES (?, ?)", (self.namespace, time.time()))
        db.execute("DELETE FROM namespaces WHERE namespace NOT LIKE ? ESCAPE '!'", (_like_prefix(self.code),))
        db.execute("DELETE FROM namespaces WHERE namespace NOT IN "
                   "(SELECT namespace FROM namespaces ORDER BY used DESC LIMIT ?)", (MAX_RULE_SETS,))
        db.execute("DELETE FROM results WHERE namespace NOT IN (SELECT namespace FROM namespaces)")

    # ------------------------------------------------------------------ per-file results
    def get(self, key: str):
        """The FileResult stored under `key`, or None."""
        from .result_json import decode  # the pipeline's types: a run the memo answers never needs them

        result = _decoded(self._value("results", key, self.namespace), decode)
        if result is None:
            self.misses += 1
        else:
            self.hits += 1
        return result

    def put(self, key: str, result) -> None:
        from .result_json import encode

        blob = encode(result) if self.db is not None and self.namespace is not None else None
        if blob is None:
            return
        try:
            self.db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", (key, self.namespace, blob))
        except sqlite3.Error:
            pass

    # ------------------------------------------------------------------ digests by stat signature
    def known_digest(self, path: str, info: os.stat_result) -> Optional[str]:
        """The digest recorded for a file whose stat signature is unchanged, else None."""
        if self.db is None:
            return None
        try:
            row = self.db.execute("SELECT signature, digest FROM digests WHERE path = ?", (path,)).fetchone()
        except sqlite3.Error:
            return None
        return row[1] if row and row[0] == stat_signature(info) and isinstance(row[1], str) else None

    def record_digest(self, path: str, info: os.stat_result, digest: str, now: Optional[float] = None) -> None:
        if self.db is None or is_racy(info, now):
            return
        try:
            self.db.execute("INSERT OR REPLACE INTO digests VALUES (?, ?, ?)", (path, stat_signature(info), digest))
        except sqlite3.Error:
            pass

    # ------------------------------------------------------------------ memo of whole results
    def memo_get(self, key: str) -> Optional[dict]:
        """A JSON object stored by memo_put, or None."""
        return _decoded(self._value("memos", key, self.code), decode_object)

    def memo_put(self, key: str, value: dict, scope: str) -> None:
        """Store a JSON object; it replaces whatever else was stored for the same `scope`."""
        if self.db is None:
            return
        try:
            self.db.execute("DELETE FROM memos WHERE scope = ? AND key != ?", (scope, key))
            self.db.execute("INSERT OR REPLACE INTO memos VALUES (?, ?, ?, ?)", (key, self.code, scope, _compress(value)))
        except sqlite3.Error:
            pass

    # ------------------------------------------------------------------ plumbing
    def _value(self, table: str, key: str, namespace: Optional[str]) -> Optional[bytes]:
        if self.db is None or namespace is None:
            return None
        try:
            row = self.db.execute(f"SELECT value FROM {table} WHERE key = ? AND namespace = ?", (key, namespace)).fetchone()
        except sqlite3.Error:
            return None
        return row[0] if row and isinstance(row[0], bytes) else None

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


# ---------------------------------------------------------------------- values derived from file contents
_REMEMBERING: ContextVar = ContextVar("riskscan_remembering", default=None)  # the cache folder, while a scan runs


@contextmanager
def remembering(cache_dir: Optional[Path]):
    """Within this block, `remembered` keeps what it computes in the cache at `cache_dir` (None: nowhere)."""
    token = _REMEMBERING.set(cache_dir)
    try:
        yield
    finally:
        _REMEMBERING.reset(token)


def remembered(kind: str, text: str, scope: str, compute: Callable[[], dict], use: Callable[[dict], object]):
    """use(value), where value = compute() for this `text` (a JSON object), kept by the digest of
    the text: a lock file of thousands of packages is parsed once, not on every scan. A kept
    value that `use` refuses (TypeError, ValueError...: a damaged row) is computed again."""
    cache_dir = _REMEMBERING.get()
    if cache_dir is None:
        return use(compute())
    key = content_key(digest_of(text.encode("utf-8", "surrogateescape")), kind)
    cache = Cache(cache_dir)
    try:
        kept = cache.memo_get(key)
        if kept is not None:
            try:
                return use(kept)
            except (TypeError, ValueError, KeyError, AttributeError, IndexError):
                pass
        value = compute()
        cache.memo_put(key, value, scope=f"{kind}\0{scope}")
    finally:
        cache.close()
    return use(value)


def _like_prefix(text: str) -> str:
    """A LIKE pattern matching strings that start with `text:`."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + ":%"


def _decoded(blob: Optional[bytes], decoder):
    """decoder(blob), or None for a missing or damaged value: a cache can lose, never mislead."""
    if blob is None:
        return None
    try:
        return decoder(blob)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, zlib.error):
        return None


def _compress(value) -> bytes:
    return zipped(json.dumps(value, separators=(",", ":")))


def zipped(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8", "surrogateescape"), 1)


def decode_object(blob: bytes) -> dict:
    value = json.loads(zlib.decompress(blob).decode("utf-8", "surrogateescape"))
    if type(value) is not dict:
        raise ValueError("not an object")
    return value


