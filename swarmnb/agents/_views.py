"""The registry's tables: agents, tasks and the audit log as DataFrames (mixed into Registry)."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["AGENT_COLUMNS", "Views"]

AGENT_COLUMNS = [
    "id", "role", "version", "model", "status", "health", "last_heartbeat_s", "queue",
    "in_flight", "tasks", "failed", "mean_duration_s", "errors", "tokens", "cost_usd",
    "tool_calls", "denied", "restarts", "incarnation", "uptime_s",
]  # fmt: skip


class Views:
    """``agents()``, ``tasks()`` and ``audit()`` for :class:`~swarmnb.agents.Registry`."""

    _workers: dict[str, Any]
    _tasks: dict[str, Any]
    _started: bool
    _store: Any
    audit_log: Any

    def agents(self) -> pd.DataFrame:
        """One row per live agent: id, role, status, health, heartbeat age, counters."""
        now = self.now()
        rows = [w.row(now) for w in self._workers.values() if w.state != "stopped"]
        if not rows and not self._started and self._store is not None:
            rows = self._store.load_agents()
        return pd.DataFrame(rows, columns=AGENT_COLUMNS)

    def tasks(self) -> pd.DataFrame:
        """One row per submitted task: status, agent, attempts, latency."""
        rows = [
            {
                "id": r.id, "role": r.role, "status": r.status, "agent": r.agent,
                "attempts": r.starts, "priority": r.priority,
                "queued_s": r.queued_s,
                "duration_s": None if r.finished_at is None else r.finished_at - r.submitted_at,
            }
            for r in self._tasks.values()
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=["id", "role", "status", "agent", "attempts",
                                           "priority", "queued_s", "duration_s"])  # fmt: skip

    def audit(self) -> pd.DataFrame:
        """Every capability decision, allowed and denied, in order (append-only)."""
        if not self.audit_log and self._store is not None:
            return self._store.load_audit()
        return self.audit_log.frame()
