"""Rebuild a run from its JSONL trace.

A replayed run answers the same questions as the live one — ``status``, ``tasks``,
``metrics`` (identical, since metrics come from events alone) — and can feed a dashboard.

Example::

    again = sn.replay(run.trace_path)
    assert again.metrics == run.metrics
    again.dashboard()          # scrub through the run
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..runtime.view import RunView
from .recorder import read_events

__all__ = ["ReplayedRun", "replay"]


class ReplayedRun(RunView):
    """A finished run read back from its trace."""

    def __init__(self, *, path: Path, events: list[dict[str, Any]]) -> None:
        self.trace_path = path
        self._events = events
        started = next((e for e in events if e["kind"] == "run.started"), {})
        finished = next((e for e in reversed(events) if e["kind"] == "run.finished"), None)
        self.id = events[0]["run"] if events else path.stem
        self.name = started.get("name", "run")
        self.clock = started.get("clock", "real")
        self._status = finished["status"] if finished else "incomplete"
        self.answer = finished.get("answer") if finished else None

    @property
    def events(self) -> list[dict[str, Any]]:
        return self._events

    @property
    def status(self) -> str:
        return self._status

    @property
    def finished(self) -> bool:
        return True

    @property
    def max_concurrency(self) -> int | None:
        started = next((e for e in self._events if e["kind"] == "run.started"), {})
        return started.get("max_concurrency")


def replay(path: str | Path) -> ReplayedRun:
    """Read a JSONL trace back into a run object (status ``"incomplete"`` if it was cut)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no trace at {path}")
    events = read_events(path)
    if not events:
        raise ValueError(f"{path} holds no events")
    return ReplayedRun(path=path, events=events)
