"""An SQLite index of recorded runs and their tasks, next to the JSONL traces.

The JSONL file is the record; the index is a cache over the traces that makes it quick to list
runs and query tasks across them. A run's row (name, status, metrics) is written when the run
ends; its task rows are filled in the first time someone asks for tasks, by folding the trace —
so a 100,000-task run does not pay for a table nobody queries.

Example::

    sn.runs("runs/")                        # one row per indexed run, newest first
    sn.runs("runs/", tasks=True)            # one row per task of every run
"""

from __future__ import annotations

import json
import operator
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..metrics import fold
from .recorder import read_events

if TYPE_CHECKING:
    from ..runtime.view import RunView

__all__ = ["index_run", "runs"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, name TEXT, status TEXT, clock TEXT, n_tasks INTEGER,
    trace_path TEXT, indexed_at TEXT DEFAULT (datetime('now')), metrics TEXT,
    tasks_indexed INTEGER DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tasks (
    run_id TEXT, task_id TEXT, status TEXT, profile TEXT, role TEXT, attempts INTEGER,
    retries INTEGER, started REAL, finished REAL, tokens_in INTEGER, tokens_out INTEGER,
    cost_usd REAL, steps INTEGER, error TEXT, reason TEXT
);
CREATE INDEX IF NOT EXISTS tasks_by_run ON tasks (run_id);
"""

_TASK_ROW = operator.itemgetter(
    "id", "status", "profile", "role", "attempts", "retries", "started", "finished",
    "tokens_in", "tokens_out", "cost_usd", "steps", "error", "reason",
)  # fmt: skip
_SUMMARY = ("critical_steps", "wall_clock_ms", "cost_usd", "tokens_in", "tokens_out", "retry_count")


@contextmanager
def _connect(db_path: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(db_path, timeout=30)) as conn:
        # The index can be rebuilt from the JSONL traces, so it trades durability for speed:
        # no fsync and an in-memory journal (an fsync costs milliseconds per run).
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA journal_mode=MEMORY")
        conn.executescript(_SCHEMA)
        with conn:
            yield conn


def index_run(db_path: Path, run: RunView) -> None:
    """Insert (or replace) one finished run's row; its tasks are indexed on first query."""
    metrics = run.metrics
    with _connect(Path(db_path)) as conn:
        conn.execute("DELETE FROM tasks WHERE run_id = ?", (run.id,))
        conn.execute(
            "INSERT OR REPLACE INTO runs"
            " (run_id, name, status, clock, n_tasks, trace_path, metrics, tasks_indexed)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
            (
                run.id,
                run.name,
                run.status,
                metrics.get("clock"),
                metrics.get("n_tasks"),
                str(run.trace_path) if run.trace_path else None,
                json.dumps(metrics, default=repr),
            ),
        )


def _index_tasks(conn: sqlite3.Connection) -> None:
    pending = conn.execute(
        "SELECT run_id, trace_path FROM runs WHERE tasks_indexed = 0 AND trace_path IS NOT NULL"
    ).fetchall()
    for run_id, trace_path in pending:
        if not Path(trace_path).exists():
            continue
        rows = fold(read_events(trace_path)).rows
        conn.execute("DELETE FROM tasks WHERE run_id = ?", (run_id,))
        conn.executemany(
            "INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((run_id, *row) for row in map(_TASK_ROW, rows.values())),
        )
        conn.execute("UPDATE runs SET tasks_indexed = 1 WHERE run_id = ?", (run_id,))


def runs(trace_dir: str | Path = "runs/", *, tasks: bool = False) -> pd.DataFrame:
    """The indexed runs under ``trace_dir`` (or, with ``tasks=True``, all their tasks)."""
    db_path = Path(trace_dir) / "index.sqlite"
    if not db_path.exists():
        raise FileNotFoundError(
            f"no run index at {db_path}; record a run with trace={str(trace_dir)!r}"
        )
    with _connect(db_path) as conn:
        if tasks:
            _index_tasks(conn)
            return pd.read_sql_query("SELECT * FROM tasks ORDER BY run_id, rowid", conn)
        frame = pd.read_sql_query(
            "SELECT * FROM runs ORDER BY indexed_at DESC, run_id DESC", conn
        ).drop(columns=["tasks_indexed"])
    metrics = frame.pop("metrics").map(json.loads)
    for name in _SUMMARY:
        frame[name] = metrics.map(lambda m, name=name: m.get(name))
    return frame
