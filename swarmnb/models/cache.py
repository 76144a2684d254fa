"""A SQLite cache of model replies, keyed by a hash of the request.

Re-running a notebook should not pay for the same model calls twice. :class:`ResponseCache`
stores the final, validated reply of each :func:`~swarmnb.models.complete` call under the
sha256 of the request's canonical JSON — model, messages, tools, tool choice, seed, response
format and every other parameter that shapes the reply (not timeouts, keys or fault plans).
A hit makes no provider call and is reported with ``cost_usd == 0`` and ``cached=True``.
Entries expire after ``ttl`` seconds of wall time. The file is safe to share between
processes (SQLite WAL), and one object may be used from several threads.

Example::

    cache = ResponseCache("runs/cache.sqlite", ttl=7 * 24 * 3600)
    a = await complete(model="sim/small", messages=msgs, cache=cache)   # provider call
    b = await complete(model="sim/small", messages=msgs, cache=cache)   # b.cached is True
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_CACHE_PATH", "ResponseCache", "request_key"]

#: Where a cache lives unless told otherwise (``$SWARMNB_CACHE_DIR`` overrides the folder).
DEFAULT_CACHE_PATH = (
    Path(os.environ.get("SWARMNB_CACHE_DIR") or Path.home() / ".cache" / "swarmnb")
    / "responses.sqlite"
)


def request_key(**request: Any) -> str:
    """sha256 of the canonical JSON of a request (keys sorted, ``None`` values dropped)."""
    body = {k: v for k, v in request.items() if v is not None}
    blob = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """Request hash → reply (a JSON object), with a time to live.

    ``ttl=None`` keeps entries forever. ``clock`` is the wall clock (injectable for tests).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        ttl: float | None = 7 * 24 * 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if ttl is not None and ttl <= 0:
            raise ValueError("ttl must be > 0 seconds, or None for no expiry")
        self.path = Path(path) if path is not None else DEFAULT_CACHE_PATH
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        with self._lock:
            if str(self.path) != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS responses ("
                " key TEXT PRIMARY KEY, model TEXT, created REAL NOT NULL, body TEXT NOT NULL)"
            )

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored reply, or ``None`` if absent or expired (expired rows are deleted)."""
        with self._lock:
            row = self._db.execute(
                "SELECT created, body FROM responses WHERE key = ?", (key,)
            ).fetchone()
            if row is not None and self.ttl is not None and self._clock() - row[0] > self.ttl:
                self._db.execute("DELETE FROM responses WHERE key = ?", (key,))
                row = None
            if row is None:
                self.misses += 1
                return None
            self.hits += 1
        return json.loads(row[1])

    def put(self, key: str, body: dict[str, Any], *, model: str | None = None) -> None:
        """Store (or replace) the reply for ``key``."""
        text = json.dumps(body, default=str)
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, model, created, body) VALUES (?, ?, ?, ?)",
                (key, model, self._clock(), text),
            )

    def purge_expired(self) -> int:
        """Delete expired entries now; return how many were removed."""
        if self.ttl is None:
            return 0
        with self._lock:
            cur = self._db.execute(
                "DELETE FROM responses WHERE created < ?", (self._clock() - self.ttl,)
            )
            return cur.rowcount

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM responses")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        ttl = "none" if self.ttl is None else f"{self.ttl:g}s"
        return f"<ResponseCache {str(self.path)!r} ttl={ttl} hits={self.hits} misses={self.misses}>"
