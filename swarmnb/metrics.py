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

__all__ = ["METRIC_NAMES", "compute_metrics", "fold_tasks", "task_table"]

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

_TERMINAL_STATUS = {
    "task.completed": "completed",
    "task.failed": "failed",
    "task.skipped": "skipped",
    "task.cancelled": "cancelled",
}
_ATTEMPT_END = frozenset({"task.retrying", "task.completed", "task.failed", "task.cancelled"})
_USAGE = ("tokens_in", "tokens_out", "cost_usd", "steps")


def _new_row(event: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": event["task"],
        "status": "queued",
        "profile": event.get("profile"),
        "role": event.get("role"),
        "stage": event.get("stage"),
        "agent": event.get("agent"),
        "deps": list(event.get("deps", ())),
        "prompt": event.get("prompt", ""),
        "attempts": 0,
        "retries": 0,
        "started": None,
        "finished": None,
        "duration": None,
        "tokens_in": 0,
        "tokens_out": 0,
        "cost_usd": 0.0,
        "steps": 0,
        "error": None,
        "reason": None,
        "result": None,
    }


def fold_tasks(events: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """One row per task (by id, in queue order) with its status, attempts, usage and times."""
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        kind = event["kind"]
        if not kind.startswith("task."):
            continue
        task_id = event["task"]
        if kind == "task.queued":
            rows[task_id] = _new_row(event)
            continue
        row = rows.get(task_id)
        if row is None:  # a trace cut before the queue event: keep what we can
            row = rows[task_id] = _new_row(event)
        if kind == "task.started":
            row["attempts"] += 1
            row["status"] = "running"
            if row["started"] is None:
                row["started"] = event["t"]
            if event.get("agent") is not None:
                row["agent"] = event["agent"]
            continue
        if kind in _ATTEMPT_END:
            for name in _USAGE:
                value = event.get(name)
                if value:
                    row[name] += value
        if kind == "task.retrying":
            row["retries"] += 1
            row["status"] = "retrying"
            row["error"] = event.get("error")
            continue
        status = _TERMINAL_STATUS.get(kind)
        if status is None:
            continue
        row["status"] = status
        row["finished"] = event["t"]
        if row["started"] is not None:
            row["duration"] = event["t"] - row["started"]
        if kind == "task.completed":
            row["result"] = event.get("result")
            row["error"] = None
        elif kind == "task.failed":
            row["error"] = event.get("error")
        else:
            row["reason"] = event.get("reason")
    return rows


def task_table(events: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The per-task table of a run as a DataFrame (columns in ``TASK_COLUMNS``)."""
    rows = fold_tasks(events)
    return pd.DataFrame.from_records(list(rows.values()), columns=list(TASK_COLUMNS))


def _parallelism(events: list[Mapping[str, Any]], start: float, end: float) -> tuple[float, int]:
    running = 0
    peak = 0
    area = 0.0
    last_t = start
    live: set[str] = set()
    for event in events:
        kind = event["kind"]
        if kind == "task.started":
            delta = 1
            live.add(event["task"])
        elif kind in _ATTEMPT_END and event["task"] in live:
            delta = -1
            live.discard(event["task"])
        else:
            continue
        t = event["t"]
        area += running * (t - last_t)
        last_t = t
        running += delta
        peak = max(peak, running)
    area += running * (end - last_t)
    duration = end - start
    return (area / duration if duration > 0 else 0.0), peak


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
    events = list(events)
    rows = fold_tasks(events)
    started = next((e for e in events if e["kind"] == "run.started"), None)
    finished = next((e for e in reversed(events) if e["kind"] == "run.finished"), None)
    t_start = started["t"] if started else (events[0]["t"] if events else 0.0)
    t_end = finished["t"] if finished else (events[-1]["t"] if events else 0.0)
    quality: Mapping[str, Any] = (finished or {}).get("quality") or {}
    status = finished["status"] if finished else "running"

    decisions: dict[int, int] = {}
    spawn_count = 0
    for event in events:
        if event["kind"] == "policy.decision" and event.get("stage") is not None:
            decisions[int(event["stage"])] = decisions.get(int(event["stage"]), 0) + 1
        elif event["kind"] == "agent.spawned":
            spawn_count += 1

    n = len(rows)
    counts = {s: 0 for s in ("completed", "failed", "skipped", "cancelled")}
    for row in rows.values():
        if row["status"] in counts:
            counts[row["status"]] += 1
    subtasks = [row for row in rows.values() if row["role"] != "orchestrator"]
    avg_par, max_par = _parallelism(events, t_start, t_end)

    def total(name: str) -> Any:
        return sum(row[name] for row in rows.values())

    def optional(value: Any) -> float | None:  # None, not NaN, so equal runs compare equal
        return None if value is None else float(value)

    metrics: dict[str, Any] = {
        "pass_at_1": optional(quality.get("pass_at_1")),
        "item_f1": optional(quality.get("item_f1")),
        "success_rate": float(quality.get("success_rate", 1.0 if status == "completed" else 0.0)),
        "critical_steps": _critical_steps(rows, decisions),
        "wall_clock_ms": (t_end - t_start) * 1000.0,
        "tokens_in": int(total("tokens_in")),
        "tokens_out": int(total("tokens_out")),
        "cost_usd": float(total("cost_usd")),
        "retry_count": int(total("retries")),
        "failure_rate": counts["failed"] / n if n else 0.0,
        "skip_rate": counts["skipped"] / n if n else 0.0,
        "avg_parallelism": avg_par,
        "max_parallelism": max_par,
        "spawn_count": spawn_count,
        "subtask_finish_rate": (
            sum(1 for row in subtasks if row["status"] == "completed") / len(subtasks) if subtasks else 0.0
        ),
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
