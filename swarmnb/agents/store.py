"""SQLite persistence of a registry: installed roles, agents, results, and the audit log.

The audit table is append-only at the database level: triggers refuse ``UPDATE`` and
``DELETE``. Results are keyed by task id, so a result can be written once only. A registry
opened on an existing file re-installs its roles with their counts on start, which is how the
``swarmnb agents`` commands share state between invocations.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from .capabilities import AuditEntry
from .manifest import AgentManifest
from .results import TaskResult

__all__ = ["RegistryStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS roles (
    role TEXT PRIMARY KEY, manifest TEXT NOT NULL, count INTEGER NOT NULL, updated_at REAL
);
CREATE TABLE IF NOT EXISTS agents (id TEXT PRIMARY KEY, role TEXT, row TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    task_id TEXT PRIMARY KEY, role TEXT, status TEXT, agent TEXT, result TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, t REAL, agent TEXT, role TEXT, task TEXT, tool TEXT,
    capability TEXT, scope TEXT, decision TEXT, reason TEXT, at REAL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


class RegistryStore:
    """One SQLite file per registry (see module docs)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.executescript(_SCHEMA)

    def save_role(self, manifest: AgentManifest, count: int) -> None:
        self._db.execute(
            "INSERT INTO roles VALUES (?, ?, ?, ?) ON CONFLICT(role) DO UPDATE SET "
            "manifest=excluded.manifest, count=excluded.count, updated_at=excluded.updated_at",
            (manifest.role, manifest.model_dump_json(), count, time.time()),
        )

    def remove_role(self, role: str) -> None:
        self._db.execute("DELETE FROM roles WHERE role = ?", (role,))
        self._db.execute("DELETE FROM agents WHERE role = ?", (role,))

    def load_roles(self) -> dict[str, tuple[AgentManifest, int]]:
        rows = self._db.execute("SELECT role, manifest, count FROM roles ORDER BY rowid").fetchall()
        return {r: (AgentManifest.model_validate_json(m), int(c)) for r, m, c in rows}

    def save_agents(self, rows: list[dict[str, Any]]) -> None:
        self._db.execute("DELETE FROM agents")
        self._db.executemany(
            "INSERT INTO agents VALUES (?, ?, ?)",
            [
                (r["id"], r["role"], json.dumps({**r, "status": "stopped"}, default=str))
                for r in rows
            ],
        )

    def load_agents(self) -> list[dict[str, Any]]:
        return [json.loads(r) for (r,) in self._db.execute("SELECT row FROM agents ORDER BY id")]

    def save_result(self, result: TaskResult) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO results VALUES (?, ?, ?, ?, ?)",
            (result.task_id, result.role, result.status, result.agent,
             json.dumps(asdict(result))),
        )  # fmt: skip

    def add_audit(self, e: AuditEntry) -> None:
        self._db.execute(
            "INSERT INTO audit (t, agent, role, task, tool, capability, scope, decision, reason,"
            " at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.t, e.agent, e.role, e.task, e.tool, e.capability, e.scope, e.decision, e.reason,
             time.time()),
        )  # fmt: skip

    def load_audit(self) -> pd.DataFrame:
        return pd.read_sql_query(
            "SELECT seq - 1 AS seq, t, agent, role, task, tool, capability, scope, decision, "
            "reason FROM audit ORDER BY seq",
            self._db,
        )

    def close(self) -> None:
        self._db.close()
