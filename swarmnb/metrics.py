"""Metrics of a run, computed from its event stream alone.

Because nothing here reads scheduler state, a replay of a trace reproduces a live run's
metrics exactly. Every name is defined in ``docs/metrics.md``.

Example::

    compute_metrics(run.events)["critical_steps"]
    task_table(run.events)            # a pandas DataFrame, one row per task
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from .events import USAGE_FIELDS

__all__ = [
    "METRIC_NAMES",
    "QUALITY_METRICS",
    "TASK_COLUMNS",
    "RunFolder",
    "compute_metrics",
    "fold",
    "fold_tasks",
    "quality",
    "task_table",
]

METRIC_NAMES: tuple[str, ...] = (
    "pass_at_1",
    "item_f1",
    "success_rate",
    "critical_steps",
    "wall_clock_ms",
    "tokens_in",
    "tokens_out",
    "cost_usd",
    "retry_count",
    "failure_rate",
    "skip_rate",
    "avg_parallelism",
    "max_parallelism",
    "spawn_count",
    "subtask_finish_rate",
)

TASK_COLUMNS = (
    "id", "status", "profile", "role", "stage", "agent", "deps", "prompt", "attempts", "retries",
    "started", "finished", "duration", "tokens_in", "tokens_out", "cost_usd", "steps", "error",
    "reason", "result",
)  # fmt: skip

_USAGE = USAGE_FIELDS

#: The metrics that measure an answer's quality, in order of preference.
QUALITY_METRICS: tuple[str, ...] = ("item_f1", "pass_at_1", "success_rate")


def quality(metrics: Mapping[str, Any]) -> tuple[float | None, str | None]:
    """An episode's quality and which metric it is: item-F1, else pass@1, else success rate.

    Example::

        quality({"item_f1": None, "pass_at_1": 0.75})   # (0.75, 'pass_at_1')
    """
    for name in QUALITY_METRICS:
        value = metrics.get(name)
        if value is not None:
            return float(value), name
    return None, None


_ROW_TEMPLATE: dict[str, Any] = {
    "id": None, "status": "queued", "profile": None, "role": None, "stage": None,
    "agent": None, "deps": (), "prompt": "", "attempts": 0, "retries": 0, "started": None,
    "finished": None, "duration": None, "tokens_in": 0, "tokens_out": 0, "cost_usd": 0.0,
    "steps": 0, "error": None, "reason": None, "result": None,
}  # fmt: skip


def _new_row(event: Mapping[str, Any]) -> dict[str, Any]:
    row = _ROW_TEMPLATE.copy()
    row["id"] = event["task"]
    get = event.get
    row["profile"] = get("profile")
    row["role"] = get("role")
    row["stage"] = get("stage")
    row["agent"] = get("agent")
    row["deps"] = get("deps") or []
    row["prompt"] = get("prompt", "")
    return row


class RunFolder:
    """Folds a run's events, one at a time, into task rows and run-level tallies.

    One pass, no look-back: the live run, a replay and the dashboard all fold the same way,
    so they agree exactly. It is also an :class:`~swarmnb.events.EventSink`: attached to a
    live run, it makes the run's metrics and task table ready the moment the run ends.
    """

    __slots__ = (
        "_handlers", "area", "decisions", "finished", "last_t", "live", "peak", "rows",
        "running", "spawn_count", "started",
    )  # fmt: skip

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.started: Mapping[str, Any] | None = None
        self.finished: Mapping[str, Any] | None = None
        self.decisions: dict[int, int] = {}
        self.spawn_count = 0
        self.live: set[str] = set()
        self.running = 0
        self.peak = 0
        self.area = 0.0
        self.last_t: float | None = None
        self._handlers = {
            "task.queued": self._queued,
            "task.started": self._started_task,
            "task.retrying": self._retrying,
            "task.completed": self._completed,
            "task.failed": self._failed,
            "task.cancelled": self._cancelled,
            "task.skipped": self._skipped,
            "task.restored": self._restored,
            "run.started": self._run_started,
            "run.finished": self._run_finished,
            "policy.decision": self._decision,
            "agent.spawned": self._spawned,
        }

    def feed(self, event: Mapping[str, Any]) -> None:
        handler = self._handlers.get(event["kind"])
        if handler is not None:
            handler(event)

    # -- as an event sink --------------------------------------------------------------------
    def on_event(self, event: Mapping[str, Any], line: str) -> None:
        handler = self._handlers.get(event["kind"])
        if handler is not None:
            handler(event)

    def close(self) -> None:
        pass

    def task_table(self) -> pd.DataFrame:
        """The task rows folded so far, as a DataFrame (columns in ``TASK_COLUMNS``)."""
        rows = [dict(row, deps=list(row["deps"])) for row in self.rows.values()]
        return pd.DataFrame.from_records(rows, columns=list(TASK_COLUMNS))

    # -- run-level events --------------------------------------------------------------------
    def _run_started(self, event: Mapping[str, Any]) -> None:
        self.started = event
        self.last_t = event["t"]

    def _run_finished(self, event: Mapping[str, Any]) -> None:
        self.finished = event

    def _decision(self, event: Mapping[str, Any]) -> None:
        stage = event.get("stage")
        if stage is not None:
            self.decisions[int(stage)] = self.decisions.get(int(stage), 0) + 1

    def _spawned(self, event: Mapping[str, Any]) -> None:
        self.spawn_count += 1

    # -- task events -------------------------------------------------------------------------
    def _row(self, event: Mapping[str, Any]) -> dict[str, Any]:
        row = self.rows.get(event["task"])
        if row is None:  # a trace cut before the queue event: keep what we can
            row = self.rows[event["task"]] = _new_row(event)
        return row

    def _running_changes(self, t: float, delta: int) -> None:
        if self.last_t is None:
            self.last_t = t
        self.area += self.running * (t - self.last_t)
        self.last_t = t
        self.running += delta
        if self.running > self.peak:
            self.peak = self.running

    def _queued(self, event: Mapping[str, Any]) -> None:
        row = self.rows[event["task"]] = _new_row(event)
        carried = event.get("carried")
        if carried:  # a resumed run: what earlier runs spent on this unfinished task
            for name in ("attempts", "retries", *_USAGE):
                row[name] = carried.get(name, 0)

    def _started_task(self, event: Mapping[str, Any]) -> None:
        row = self._row(event)
        if "restored" not in event:  # a re-enacted earlier attempt is counted by its tallies
            row["attempts"] += 1
        row["status"] = "running"
        if row["started"] is None:
            row["started"] = event["t"]
        agent = event.get("agent")
        if agent is not None:
            row["agent"] = agent
        self.live.add(event["task"])
        self._running_changes(event["t"], +1)

    def _attempt_ended(self, event: Mapping[str, Any]) -> dict[str, Any]:
        row = self._row(event)
        for name in _USAGE:
            value = event.get(name)
            if value:
                row[name] += value
        task_id = event["task"]
        if task_id in self.live:
            self.live.discard(task_id)
            self._running_changes(event["t"], -1)
        return row

    def _retrying(self, event: Mapping[str, Any]) -> None:
        row = self._attempt_ended(event)
        if "restored" not in event:
            row["retries"] += 1
        row["status"] = "retrying"
        row["error"] = event.get("error")

    def _ended(self, row: dict[str, Any], status: str, t: float) -> None:
        row["status"] = status
        row["finished"] = t
        if row["started"] is not None:
            row["duration"] = t - row["started"]

    def _completed(self, event: Mapping[str, Any]) -> None:
        row = self._attempt_ended(event)
        self._ended(row, "completed", event["t"])
        row["result"] = event.get("result")
        row["error"] = None

    def _failed(self, event: Mapping[str, Any]) -> None:
        row = self._attempt_ended(event)
        self._ended(row, "failed", event["t"])
        row["error"] = event.get("error")

    def _cancelled(self, event: Mapping[str, Any]) -> None:
        row = self._attempt_ended(event)
        self._ended(row, "cancelled", event["t"])
        row["reason"] = event.get("reason")

    def _restored(self, event: Mapping[str, Any]) -> None:
        """A task an earlier run completed: counted once, with that run's tallies."""
        row = self._row(event)
        for name in ("attempts", "retries", *_USAGE):
            row[name] = event.get(name, 0)
        task_id = event["task"]
        if task_id in self.live:  # its attempts were re-enacted on the virtual clock
            self.live.discard(task_id)
            self._running_changes(event["t"], -1)
        self._ended(row, "completed", event["t"])
        row["result"] = event.get("result")

    def _skipped(self, event: Mapping[str, Any]) -> None:
        row = self._row(event)
        self._ended(row, "skipped", event["t"])
        row["reason"] = event.get("reason")

    def metrics(self) -> dict[str, Any]:
        """Every DESIGN §4 metric (plus task counts, status and clock)."""
        rows = self.rows
        started, finished = self.started, self.finished
        t_start = started["t"] if started else 0.0
        t_end = finished["t"] if finished else (self.last_t or t_start)
        quality: Mapping[str, Any] = (finished or {}).get("quality") or {}
        status = finished["status"] if finished else "running"
        n = len(rows)
        counts = dict.fromkeys(("completed", "failed", "skipped", "cancelled"), 0)
        totals = dict.fromkeys(("tokens_in", "tokens_out", "cost_usd", "retries"), 0)
        subtasks = subtasks_done = 0
        for row in rows.values():
            if row["status"] in counts:
                counts[row["status"]] += 1
            for name in totals:
                totals[name] += row[name]
            if row["role"] != "orchestrator":
                subtasks += 1
                subtasks_done += row["status"] == "completed"
        area = self.area + self.running * (
            t_end - (self.last_t if self.last_t is not None else t_end)
        )
        duration = t_end - t_start

        def optional(value: Any) -> float | None:  # None, not NaN, so equal runs compare equal
            return None if value is None else float(value)

        metrics: dict[str, Any] = {
            "pass_at_1": optional(quality.get("pass_at_1")),
            "item_f1": optional(quality.get("item_f1")),
            "success_rate": float(
                quality.get("success_rate", 1.0 if status == "completed" else 0.0)
            ),
            "critical_steps": _critical_steps(rows, self.decisions),
            "wall_clock_ms": duration * 1000.0,
            "tokens_in": int(totals["tokens_in"]),
            "tokens_out": int(totals["tokens_out"]),
            "cost_usd": float(totals["cost_usd"]),
            "retry_count": int(totals["retries"]),
            "failure_rate": counts["failed"] / n if n else 0.0,
            "skip_rate": counts["skipped"] / n if n else 0.0,
            "avg_parallelism": area / duration if duration > 0 else 0.0,
            "max_parallelism": self.peak,
            "spawn_count": self.spawn_count,
            "subtask_finish_rate": subtasks_done / subtasks if subtasks else 0.0,
            "n_tasks": n,
            "n_completed": counts["completed"],
            "n_failed": counts["failed"],
            "n_skipped": counts["skipped"],
            "n_cancelled": counts["cancelled"],
            "status": status,
            "clock": started.get("clock") if started else None,
        }
        for name, value in quality.items():
            metrics.setdefault(name, value)
        return metrics


def fold(events: Iterable[Mapping[str, Any]]) -> RunFolder:
    """Fold a whole event stream."""
    folder = RunFolder()
    feed = folder.feed
    for event in events:
        feed(event)
    return folder


def fold_tasks(events: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """One row per task (by id, in queue order) with its status, attempts, usage and times."""
    return fold(events).rows


def task_table(events: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The per-task table of a run as a DataFrame (columns in ``TASK_COLUMNS``)."""
    rows = fold_tasks(events)
    return pd.DataFrame.from_records(list(rows.values()), columns=list(TASK_COLUMNS))


def _critical_steps(rows: Mapping[str, Mapping[str, Any]], decisions: Mapping[int, int]) -> float:
    executed = {tid: row for tid, row in rows.items() if row["attempts"] > 0}
    staged = [row for row in executed.values() if row["stage"] is not None]
    if staged or decisions:
        stages: dict[int, dict[str, float]] = {}
        for row in staged:
            stage = stages.setdefault(int(row["stage"]), {"main": 0.0, "sub": 0.0})
            steps = max(1, row["steps"])
            if row["role"] == "orchestrator":
                stage["main"] += steps
            else:
                stage["sub"] = max(stage["sub"], steps)
        for stage_id in decisions:
            stages.setdefault(stage_id, {"main": 0.0, "sub": 0.0})
        total = 0.0
        for stage_id, stage in stages.items():
            main = stage["main"] or decisions.get(stage_id, 0) or 1
            total += main + stage["sub"]
        return total
    best: dict[str, float] = {}
    for tid, row in executed.items():  # queue order is a topological order
        base = max((best.get(dep, 0.0) for dep in row["deps"]), default=0.0)
        best[tid] = base + max(1, row["steps"])
    return max(best.values(), default=0.0)


def compute_metrics(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Every DESIGN §4 metric (plus task counts and the run status) from a run's events."""
    return fold(events).metrics()
