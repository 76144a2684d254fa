"""What agents remember, did and decided, in one SQLite file many writers can share.

Three tables: ``agent_memory`` (one JSON value per agent and key, with created/updated
times), ``activity_logs`` (what each agent did) and ``decision_history`` (each decision with its
data). The file is in WAL mode, so readers never block the writer; every write is one short
``BEGIN IMMEDIATE`` transaction retried while another writer holds the lock, so agents in many
threads or processes can write at once without losing an update. :meth:`MemoryStore.update`
is an atomic read-modify-write. ``mem.context(agent)`` is an agent's view: its own memory over
the global one, recent activity, and a transaction when used in a ``with`` block.

Example::

    mem = sn.memory.MemoryStore("memory.sqlite")
    mem.remember("developer", "style", {"tests": "pytest"})
    mem.log("developer", "wrote code", task="t1")
    mem.record_decision("ceo", "approve", {"proposal": "p1", "score": 7.5})
    with mem.context("developer") as ctx:        # one transaction
        ctx["last_task"] = "t1"
        ctx.log("committed")
    mem.decisions(decision_type="approve")       # DataFrame
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["GLOBAL", "AgentContext", "JSONValue", "MemoryStore"]

JSONValue = str | int | float | bool | None | list["JSONValue"] | dict[str, "JSONValue"]
#: The agent name under which shared, global context is kept.
GLOBAL = "__global__"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS agent_memory (
    id INTEGER PRIMARY KEY,
    agent_name TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (agent_name, key)
);
CREATE TABLE IF NOT EXISTS activity_logs (
    id INTEGER PRIMARY KEY,
    agent_name TEXT NOT NULL,
    activity TEXT NOT NULL,
    details TEXT NOT NULL,
    timestamp REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS decision_history (
    id INTEGER PRIMARY KEY,
    agent_name TEXT NOT NULL,
    decision_type TEXT NOT NULL,
    decision_data TEXT NOT NULL,
    timestamp REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS activity_agent ON activity_logs (agent_name, timestamp);
CREATE INDEX IF NOT EXISTS decision_type ON decision_history (decision_type, timestamp);
"""


def _dumps(value: object) -> str:
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"memory values must be JSON-serialisable: {exc}") from None


def _name(agent: str) -> str:
    if not isinstance(agent, str) or not agent.strip():
        raise ValueError(f"agent name must be a non-empty string, not {agent!r}")
    return agent


class MemoryStore:
    """The SQLite memory of a team of agents (see module docs)."""

    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        busy_timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = str(path)
        self.busy_timeout = busy_timeout
        self.clock = clock
        self._local = threading.local()
        self._lock = threading.RLock()  # ":memory:" is one connection shared by threads
        self._shared: sqlite3.Connection | None = None
        #: held around every use of the connection: the lock for ":memory:", else nothing
        self._guard: contextlib.AbstractContextManager[object] = (
            self._lock if self.path == ":memory:" else contextlib.nullcontext()
        )
        if self.path != ":memory:":
            parent = Path(self.path).parent
            if not parent.is_dir():
                raise NotADirectoryError(f"no directory {str(parent)!r} for the memory store")

        def create() -> None:
            with self._lock:
                self._connect().executescript(_SCHEMA)

        self._retry_locked(create, pause=0.01)  # another process may be creating the file now

    # -- connections -------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self.path == ":memory:":
            if self._shared is None:
                self._shared = sqlite3.connect(":memory:", check_same_thread=False,
                                               isolation_level=None)  # fmt: skip
            return self._shared
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
            self._local.db = db
        return db

    def _retry_locked(self, attempt: Callable[[], object], *, pause: float) -> None:
        """``attempt()``, retried while another writer holds the database lock."""
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                attempt()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(pause)

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (re-entrant: an inner block joins the outer one)."""
        with self._guard:
            db = self._connect()
            if db.in_transaction:
                yield db
                return
            self._retry_locked(lambda: db.execute("BEGIN IMMEDIATE"), pause=0.005)
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _read(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._guard:
            return self._connect().execute(sql, args).fetchall()

    # -- agent_memory ------------------------------------------------------------------------
    def remember(self, agent: str, key: str, value: JSONValue) -> None:
        """Set ``agent``'s ``key`` to a JSON value (created, or updated in place)."""
        now, text = self.clock(), _dumps(value)
        with self._write() as db:
            db.execute(
                "INSERT INTO agent_memory (agent_name, key, value, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (agent_name, key) DO UPDATE SET "
                "value = excluded.value, updated_at = excluded.updated_at",
                (_name(agent), key, text, now, now),
            )

    def recall(self, agent: str, key: str, default: JSONValue = None) -> JSONValue:
        rows = self._read(
            "SELECT value FROM agent_memory WHERE agent_name = ? AND key = ?", (agent, key)
        )
        return json.loads(str(rows[0][0])) if rows else default

    def update(
        self, agent: str, key: str, fn: Callable[[JSONValue], JSONValue], default: JSONValue = None
    ) -> JSONValue:
        """Atomically replace the value with ``fn(old)`` (``default`` when unset); returns it."""
        with self._write():
            new = fn(self.recall(agent, key, default))
            self.remember(agent, key, new)
        return new

    def forget(self, agent: str, key: str) -> bool:
        with self._write() as db:
            cur = db.execute(
                "DELETE FROM agent_memory WHERE agent_name = ? AND key = ?", (agent, key)
            )
        return cur.rowcount > 0

    def keys(self, agent: str) -> dict[str, JSONValue]:
        """Every key and value of one agent."""
        rows = self._read(
            "SELECT key, value FROM agent_memory WHERE agent_name = ? ORDER BY key", (agent,)
        )
        return {str(k): json.loads(str(v)) for k, v in rows}

    # -- activity_logs and decision_history --------------------------------------------------
    def log(self, agent: str, activity: str, **details: JSONValue) -> None:
        """Append to ``activity_logs``."""
        with self._write() as db:
            db.execute(
                "INSERT INTO activity_logs (agent_name, activity, details, timestamp) "
                "VALUES (?, ?, ?, ?)",
                (_name(agent), activity, _dumps(details), self.clock()),
            )

    def record_decision(self, agent: str, decision_type: str, data: JSONValue) -> int:
        """Append to ``decision_history``; returns the decision's id."""
        with self._write() as db:
            cur = db.execute(
                "INSERT INTO decision_history (agent_name, decision_type, decision_data, "
                "timestamp) VALUES (?, ?, ?, ?)",
                (_name(agent), decision_type, _dumps(data), self.clock()),
            )
        return int(cur.lastrowid or 0)

    # -- tables as DataFrames ----------------------------------------------------------------
    def _frame(self, table: str, json_col: str, where: dict[str, str | None]) -> pd.DataFrame:
        import pandas as pd

        conds = [(k, v) for k, v in where.items() if v is not None]
        sql = f"SELECT * FROM {table}"
        if conds:
            sql += " WHERE " + " AND ".join(f"{k} = ?" for k, _ in conds)
        with self._guard:
            cur = self._connect().execute(sql + " ORDER BY id", tuple(v for _, v in conds))
            cols = [c[0] for c in cur.description]
            frame = pd.DataFrame(cur.fetchall(), columns=cols)
        frame[json_col] = [json.loads(v) for v in frame[json_col]]
        return frame

    def memories(self, agent: str | None = None) -> pd.DataFrame:
        return self._frame("agent_memory", "value", {"agent_name": agent})

    def activities(self, agent: str | None = None) -> pd.DataFrame:
        return self._frame("activity_logs", "details", {"agent_name": agent})

    def decisions(self, agent: str | None = None, decision_type: str | None = None) -> pd.DataFrame:
        where = {"agent_name": agent, "decision_type": decision_type}
        return self._frame("decision_history", "decision_data", where)

    # -- per-agent context -------------------------------------------------------------------
    def context(self, agent: str) -> AgentContext:
        """``agent``'s view of the store (see :class:`AgentContext`)."""
        return AgentContext(self, _name(agent))

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
        if self._shared is not None:
            self._shared.close()
            self._shared = None

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        counts = {
            t: self._read(f"SELECT COUNT(*) FROM {t}")[0][0]
            for t in ("agent_memory", "activity_logs", "decision_history")
        }
        return (
            f"MemoryStore({self.path!r}: {counts['agent_memory']} memories, "
            f"{counts['activity_logs']} activities, {counts['decision_history']} decisions)"
        )


class AgentContext:
    """One agent's memory over the global memory; a transaction inside ``with``.

    Reading a key looks in the agent's own memory, then in the global one
    (:data:`GLOBAL`); writing goes to the agent's own. :meth:`summary` is the text an agent's
    prompt gets: what it remembers, the shared context and its latest activity.
    """

    def __init__(self, store: MemoryStore, agent: str) -> None:
        self.store = store
        self.agent = agent
        self._tx: contextlib.AbstractContextManager[sqlite3.Connection] | None = None

    def __getitem__(self, key: str) -> JSONValue:
        missing = object()
        for owner in (self.agent, GLOBAL):
            value = self.store.recall(owner, key, missing)  # type: ignore[arg-type]
            if value is not missing:
                return value
        raise KeyError(key)

    def get(self, key: str, default: JSONValue = None) -> JSONValue:
        try:
            return self[key]
        except KeyError:
            return default

    def __setitem__(self, key: str, value: JSONValue) -> None:
        self.store.remember(self.agent, key, value)

    def share(self, key: str, value: JSONValue) -> None:
        """Write to the global context every agent reads."""
        self.store.remember(GLOBAL, key, value)

    def log(self, activity: str, **details: JSONValue) -> None:
        self.store.log(self.agent, activity, **details)

    def decide(self, decision_type: str, data: JSONValue) -> int:
        return self.store.record_decision(self.agent, decision_type, data)

    def summary(self, *, recent: int = 5, max_chars: int = 2000) -> str:
        own = self.store.keys(self.agent)
        shared = {k: v for k, v in self.store.keys(GLOBAL).items() if k not in own}
        rows = self.store._read(
            "SELECT activity, details FROM activity_logs WHERE agent_name = ? "
            "ORDER BY id DESC LIMIT ?",
            (self.agent, recent),
        )
        lines = [f"Memory of {self.agent}:"]
        lines += [f"- {k}: {json.dumps(v)}" for k, v in own.items()] or ["- (nothing yet)"]
        if shared:
            lines.append("Shared context:")
            lines += [f"- {k}: {json.dumps(v)}" for k, v in shared.items()]
        if rows:
            lines.append("Recent activity:")
            lines += [f"- {a} {d}" for a, d in reversed(rows)]
        return "\n".join(lines)[:max_chars]

    def __enter__(self) -> AgentContext:
        self._tx = self.store._write()
        self._tx.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        tx, self._tx = self._tx, None
        if tx is not None:
            tx.__exit__(*exc)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"AgentContext({self.agent!r}, {len(self.store.keys(self.agent))} keys)"
