"""What every run object — live or replayed — can answer from its events.

:class:`RunView` is the shared read side of :class:`~swarmnb.Run` and
:class:`~swarmnb.trace.ReplayedRun`: the task table, the metrics, a dashboard, and a summary
that reads well in a notebook. Subclasses provide ``events``, ``status`` and ``finished``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..metrics import compute_metrics, task_table

if TYPE_CHECKING:
    from ..ui import Dashboard

__all__ = ["RunView"]

_SUMMARY = ("critical_steps", "wall_clock_ms", "cost_usd", "retry_count", "avg_parallelism")


class RunView:
    """Read-side API shared by live and replayed runs."""

    id: str
    name: str
    clock: str
    trace_path: Path | None
    _metrics_cache: dict[str, Any] | None = None

    @property
    def events(self) -> list[dict[str, Any]]:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def status(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def finished(self) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def n_events(self) -> int:
        return len(self.events)

    def events_since(self, start: int) -> list[dict[str, Any]]:
        """The events from number ``start`` on (``seq >= start``), decoded afresh."""
        return list(self.events[start:])

    @property
    def tasks(self) -> pd.DataFrame:
        """One row per task: status, attempts, times, usage, error or skip reason."""
        return task_table(list(self.events))

    @property
    def metrics(self) -> dict[str, Any]:
        """Every metric of docs/metrics.md, computed from the events (cached once finished)."""
        if self._metrics_cache is not None:
            return dict(self._metrics_cache)
        metrics = compute_metrics(list(self.events))
        if self.finished:
            self._metrics_cache = metrics
        return dict(metrics)

    def subscribe(
        self, subscriber: Callable[[dict[str, Any]], object], *, replay: bool = True
    ) -> Callable[[], None]:
        """Follow the events (past ones first with ``replay``); returns an unsubscribe function."""
        if replay:
            for event in list(self.events):
                subscriber(event)
        return lambda: None

    def dashboard(self, **options: Any) -> Dashboard:
        """A live (or, for a finished run, complete) dashboard widget for this run."""
        from ..ui import Dashboard

        return Dashboard.for_run(self, **options)

    # -- display -----------------------------------------------------------------------------
    def __repr__(self) -> str:
        n_tasks = sum(1 for e in self.events if e["kind"] == "task.queued")
        kind = type(self).__name__
        return f"<{kind} {self.name!r} status={self.status} tasks={n_tasks} clock={self.clock}>"

    def _repr_html_(self) -> str:
        m = self.metrics
        clock_note = " (simulated time)" if self.clock == "virtual" else ""
        cells = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{_fmt(m.get(k))}</td></tr>"
            for k in _SUMMARY
        )
        counts = ", ".join(
            f"{m[f'n_{s}']} {s}" for s in ("completed", "failed", "skipped", "cancelled")
        )
        return (
            f"<div class='swarmnb-run'><b>{html.escape(type(self).__name__)} "
            f"{html.escape(self.name)}</b> — {html.escape(self.status)}; {m['n_tasks']} tasks "
            f"({counts}); clock: {html.escape(self.clock)}{clock_note}<table>{cells}</table></div>"
        )


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    return html.escape(str(value))
