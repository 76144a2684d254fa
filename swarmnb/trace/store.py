"""An SQLite index of recorded runs and their tasks, next to the JSONL traces.

The JSONL file is the record; the index makes it quick to list runs and query tasks across
them (``sn.runs("runs/")``) without reading every trace.

Example::

    sn.runs("runs/")                        # one row per indexed run, newest first
    sn.runs("runs/", tasks=True)            # one row per task of every run
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..metrics import RunFolder

if TYPE_CHECKING:
    from ..view import RunView

__all__ = ["index_run", "runs"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, name TEXT, status TEXT, clock TEXT, n_tasks INTEGER,
    trace_path TEXT, indexed_at TEXT DEFAULT (datetime('now')), metrics TEXT
);
CREATE TABLE IF NOT EXISTS tasks (
    run_id TEXT, task_id TEXT, status TEXT, profile TEXT, role TEXT, attempts INTEGER,
    retries INTEGER, started REAL, finished REAL, tokens_in INTEGER, tokens_out INTEGER,
    cost_usd REAL, steps INTEGER, error TEXT, reason TEXT,
    PRIMARY KEY (run_id, task_id)
);
"""


@contextmanager
def _connect(db_path: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(db_path, timeout=30)) as conn:
        # The index can be rebuilt from the JSONL traces, so it trades durability for speed:
        # write-ahead log, no fsync per commit (an fsync costs milliseconds per run).
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.executescript(_SCHEMA)
        with conn:
            yield conn


def index_run(db_path: Path, run: RunView, folder: RunFolder) -> None:
    """Insert (or replace) one finished run and its tasks (folded from its events)."""
    metrics = run.metrics
    rows = folder.rows
    with _connect(Path(db_path)) as conn:
        conn.execute("DELETE FROM tasks WHERE run_id = ?", (run.id,))
        conn.execute(
            "INSERT OR REPLACE INTO runs"
            " (run_id, name, status, clock, n_tasks, trace_path, metrics)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                run.id,
                run.name,
                run.status,
                metrics.get("clock"),
                len(rows),
                str(run.trace_path) if run.trace_path else None,
                json.dumps(metrics, default=repr),
            ),
        )
        conn.executemany(
            "INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    run.id,
                    r["id"],
                    r["status"],
                    r["profile"],
                    r["role"],
                    r["attempts"],
                    r["retries"],
                    r["started"],
                    r["finished"],
                    r["tokens_in"],
                    r["tokens_out"],
                    r["cost_usd"],
                    r["steps"],
                    r["error"],
                    r["reason"],
                )
                for r in rows.values()
            ),
        )


def runs(trace_dir: str | Path = "runs/", *, tasks: bool = False) -> pd.DataFrame:
    """The indexed runs under ``trace_dir`` (or, with ``tasks=True``, all their tasks)."""
    db_path = Path(trace_dir) / "index.sqlite"
    if not db_path.exists():
        raise FileNotFoundError(
            f"no run index at {db_path}; record a run with trace={str(trace_dir)!r}"
        )
    with _connect(db_path) as conn:
        if tasks:
            return pd.read_sql_query("SELECT * FROM tasks ORDER BY run_id, rowid", conn)
        frame = pd.read_sql_query("SELECT * FROM runs ORDER BY indexed_at DESC, run_id DESC", conn)
    metrics = frame.pop("metrics").map(json.loads)
    wanted = [
        "critical_steps",
        "wall_clock_ms",
        "cost_usd",
        "tokens_in",
        "tokens_out",
        "retry_count",
    ]
    for name in wanted:
        frame[name] = metrics.map(lambda m, name=name: m.get(name))
    return frame
