"""The service's durable state, next to the traces: tokens (hashed) and swarms.

One SQLite file, ``service.sqlite``, in the trace folder. The JSONL traces stay the record of
what happened; this file adds what the traces cannot hold: which bearer tokens exist (only
their SHA-256 — a token is random and long, so a plain hash suffices, as for API keys), each
swarm's definition and submitted tasks, and each finished task's outcome and full result, so a
restarted server lists its swarms and resumes the ones that were running without re-running
a finished task.

Durability: WAL mode with ``synchronous=NORMAL``: a task's outcome is written before the API
can report it, and survives the server process being killed; an operating-system crash may
lose the last transactions (no fsync per task — it would cost milliseconds each).

Example::

    store = ServiceStore(Path("runs/service.sqlite"))
    token = store.add_token("ci", scope="write")      # shown once
    store.check(token).scope                           # 'write'
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import orjson

__all__ = ["ServiceStore", "SwarmRecord", "TokenRecord", "hash_token"]

Scope = Literal["read", "write"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY, name TEXT NOT NULL, scope TEXT NOT NULL,
    rate REAL NOT NULL, burst REAL NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS swarms (
    id TEXT PRIMARY KEY, name TEXT, spec TEXT NOT NULL, status TEXT NOT NULL,
    open INTEGER NOT NULL, created REAL NOT NULL, runs TEXT NOT NULL DEFAULT '[]',
    resumed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS swarm_results (
    swarm_id TEXT NOT NULL, task_id TEXT NOT NULL, status TEXT NOT NULL, result TEXT,
    error TEXT, attempts INTEGER, agent TEXT, PRIMARY KEY (swarm_id, task_id)
);
CREATE TABLE IF NOT EXISTS swarm_tasks (
    swarm_id TEXT NOT NULL, n INTEGER NOT NULL, spec TEXT NOT NULL,
    PRIMARY KEY (swarm_id, n)
);
"""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenRecord:
    name: str
    scope: Scope
    rate: float  #: requests per second, sustained
    burst: float  #: requests allowed at once


@dataclass(slots=True)
class SwarmRecord:
    id: str
    name: str
    spec: dict[str, Any]
    status: str
    open: bool
    created: float
    runs: list[str]
    resumed: int


class ServiceStore:
    """SQLite-backed tokens and swarm records (thread-safe; one connection, one lock)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __repr__(self) -> str:
        return f"<ServiceStore {str(self.path)!r}>"

    # -- tokens ------------------------------------------------------------------------------
    def add_token(
        self,
        name: str,
        *,
        scope: Scope = "write",
        rate: float = 100.0,
        burst: float = 200.0,
        token: str | None = None,
    ) -> str:
        """Register a token (a new random one unless given) and return it; only its hash stays."""
        if scope not in ("read", "write"):
            raise ValueError(f"scope must be 'read' or 'write', not {scope!r}")
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst ≥ 1")
        token = token or "sn_" + secrets.token_urlsafe(32)
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO tokens VALUES (?, ?, ?, ?, ?, ?)",
                (hash_token(token), name, scope, rate, burst, time.time()),
            )
        return token

    def check(self, token: str) -> TokenRecord | None:
        """The token's record, or None if it is unknown."""
        with self._lock:
            row = self._db.execute(
                "SELECT name, scope, rate, burst FROM tokens WHERE hash = ?", (hash_token(token),)
            ).fetchone()
        return TokenRecord(*row) if row else None

    def n_tokens(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM tokens").fetchone()[0])

    # -- swarms ------------------------------------------------------------------------------
    def add_swarm(self, record: SwarmRecord) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO swarms VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id, record.name, json.dumps(record.spec), record.status,
                    int(record.open), record.created, json.dumps(record.runs), record.resumed,
                ),
            )  # fmt: skip

    def update_swarm(self, record: SwarmRecord) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE swarms SET status = ?, open = ?, runs = ?, resumed = ? WHERE id = ?",
                (
                    record.status,
                    int(record.open),
                    json.dumps(record.runs),
                    record.resumed,
                    record.id,
                ),
            )

    def add_tasks(self, swarm_id: str, first: int, specs: list[dict[str, Any]]) -> None:
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO swarm_tasks VALUES (?, ?, ?)",
                [(swarm_id, first + i, json.dumps(spec)) for i, spec in enumerate(specs)],
            )

    def tasks(self, swarm_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT spec FROM swarm_tasks WHERE swarm_id = ? ORDER BY n", (swarm_id,)
            ).fetchall()
        return [json.loads(spec) for (spec,) in rows]

    def record_result(
        self,
        swarm_id: str,
        task_id: str,
        *,
        status: str,
        result: Any,
        error: str | None,
        attempts: int,
        agent: str | None,
    ) -> None:
        """Keep a task's outcome (before anyone can see it through the API)."""
        text = orjson.dumps(result, default=repr).decode() if result is not None else None
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO swarm_results VALUES (?, ?, ?, ?, ?, ?, ?)",
                (swarm_id, task_id, status, text, error, attempts, agent),
            )

    def results(self, swarm_id: str) -> dict[str, dict[str, Any]]:
        """Task id → stored outcome (status, result, error, attempts, agent)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT task_id, status, result, error, attempts, agent FROM swarm_results"
                " WHERE swarm_id = ?",
                (swarm_id,),
            ).fetchall()
        return {
            tid: {"status": st, "result": json.loads(r) if r is not None else None,
                  "error": e, "attempts": a, "agent": ag}
            for tid, st, r, e, a, ag in rows
        }  # fmt: skip

    def swarms(self) -> list[SwarmRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, name, spec, status, open, created, runs, resumed FROM swarms"
                " ORDER BY created"
            ).fetchall()
        return [
            SwarmRecord(i, n, json.loads(s), st, bool(o), c, json.loads(r), rs)
            for i, n, s, st, o, c, r, rs in rows
        ]
