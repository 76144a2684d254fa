"""A swarm's task table: each task's status as the swarm's events left it.

The service answers status queries under load from this table, not from the run: events are
folded in as they happen (and, after a restart, the earlier runs' events first), and the
counts by status move with each fold, so ``GET /v1/swarms`` costs the same with 10 tasks or
10,000.

Example::

    table = TaskTable()
    table.fold({"kind": "task.queued", "task": "a", "t": 0.0})
    table.fold({"kind": "task.completed", "task": "a", "t": 1.2, "result": 42})   # → its row
    table.counts()                                                                # {'completed': 1}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..events import TABLE_STATUS_OF_KIND
from .schemas import TaskInfo

__all__ = ["TaskTable"]

_TERMINAL = TABLE_STATUS_OF_KIND
_UNSUCCESSFUL = frozenset({"task.failed", "task.skipped", "task.cancelled"})


class TaskTable:
    """Task rows by id, with their counts by status kept current."""

    __slots__ = ("_counts", "rows")

    def __init__(self) -> None:
        self.rows: dict[str, TaskInfo] = {}
        self._counts: dict[str, int] = {}

    def get(self, task_id: str) -> TaskInfo | None:
        return self.rows.get(task_id)

    def __iter__(self) -> Iterator[TaskInfo]:
        return iter(self.rows.values())

    def __len__(self) -> int:
        return len(self.rows)

    def put(self, info: TaskInfo) -> None:
        """Add or replace a task's row."""
        old = self.rows.get(info.id)
        if old is not None:
            self._count(old.status, -1)
        self.rows[info.id] = info
        self._count(info.status, 1)

    def set_status(self, info: TaskInfo, status: str) -> None:
        if info.status != status:
            self._count(info.status, -1)
            info.status = status
            self._count(status, 1)

    def _count(self, status: str, by: int) -> None:
        counts = self._counts
        counts[status] = counts.get(status, 0) + by

    def counts(self) -> dict[str, int]:
        """Tasks by status."""
        return {status: n for status, n in self._counts.items() if n}

    def fold(self, event: Mapping[str, Any]) -> TaskInfo | None:
        """Apply one event; return the task's row when the event ended the task."""
        kind = event["kind"]
        if not kind.startswith("task."):
            return None
        tid = str(event.get("task"))
        info = self.rows.get(tid)
        if kind == "task.queued":
            if info is None or not info.restored:
                deps = list(event.get("deps") or [])
                self.put(TaskInfo(id=tid, status="queued", attempts=0, deps=deps))
            return None
        if info is None:
            info = TaskInfo(id=tid, status="queued", attempts=0)
            self.put(info)
        if kind == "task.started":
            self.set_status(info, "running")
            info.attempts = int(event.get("attempt", info.attempts + 1))
            if info.started is None:
                info.started = float(event["t"])
        elif kind == "task.retrying":
            self.set_status(info, "retrying")
            info.error = str(event.get("error", ""))
        elif kind in _TERMINAL:
            if kind == "task.restored":
                info.restored = True
            self.set_status(info, _TERMINAL[kind])
            info.finished = float(event["t"])
            if "result" in event:
                info.result = event["result"]
            if kind in _UNSUCCESSFUL:
                info.error = str(event.get("error") or event.get("reason") or "")
            else:
                info.error = None
            return info
        return None
