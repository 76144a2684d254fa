"""Small helpers shared by the runtime tests: event queries on a finished run."""

from __future__ import annotations

from collections import Counter
from typing import Any

TERMINAL = {"task.completed", "task.failed", "task.skipped", "task.cancelled"}


def of_kind(run: Any, kind: str, task: str | None = None) -> list[dict[str, Any]]:
    return [e for e in run.events if e["kind"] == kind and (task is None or e.get("task") == task)]


def first_time(run: Any, kind: str, task: str) -> float:
    return of_kind(run, kind, task)[0]["t"]


def terminal_counts(run: Any) -> Counter[str]:
    return Counter(e["task"] for e in run.events if e["kind"] in TERMINAL)


def statuses(run: Any) -> dict[str, str]:
    return dict(zip(run.tasks["id"], run.tasks["status"], strict=True))
