"""Parallelism over time, from a run's events, on a fixed number of time bins.

``running(t)`` — attempts running at time ``t`` — is a step function that changes at every
``task.started`` and every attempt-ending event. A chart needs a few hundred points, not one
per event, so :func:`parallelism_timeline` integrates the step function exactly over
``points`` equal bins between ``run.started`` and ``run.finished``: each value is the mean
number running in its bin, and their time-weighted mean equals the run's
``avg_parallelism`` metric.

Example::

    parallelism_timeline(run.events, points=4)
    # [(0.0, 20.0), (3.1, 20.0), (6.2, 14.5), (9.3, 3.0)]   — (bin start in seconds, mean running)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["parallelism_timeline"]

_ATTEMPT_END = frozenset({"task.retrying", "task.completed", "task.failed", "task.cancelled"})


def parallelism_timeline(
    events: Iterable[Mapping[str, Any]], *, points: int = 100
) -> list[tuple[float, float]]:
    """``points`` (bin start, mean running) pairs; times are seconds since the run started."""
    if points < 1:
        raise ValueError(f"points must be ≥ 1, not {points}")
    steps: list[tuple[float, int]] = []  # (time, running after the change)
    live: set[str] = set()
    t_start = t_end = None
    for event in events:
        kind = event["kind"]
        if kind == "run.started":
            t_start = float(event["t"])
        elif kind == "run.finished":
            t_end = float(event["t"])
        elif kind == "task.started":
            live.add(event["task"])
            steps.append((float(event["t"]), len(live)))
        elif kind in _ATTEMPT_END and event["task"] in live:
            live.discard(event["task"])
            steps.append((float(event["t"]), len(live)))
    if t_start is None:
        t_start = steps[0][0] if steps else 0.0
    if t_end is None:
        t_end = steps[-1][0] if steps else t_start
    span = t_end - t_start
    if span <= 0:
        return [(0.0, float(steps[-1][1]) if steps else 0.0)]
    width = span / points
    area = [0.0] * points
    level, t_prev = 0, t_start
    for t, running in [*steps, (t_end, 0)]:
        _spread(area, level, t_prev - t_start, min(t, t_end) - t_start, width)
        level, t_prev = running, max(t_prev, min(t, t_end))
    return [(round(i * width, 9), round(area[i] / width, 9)) for i in range(points)]


def _spread(area: list[float], level: int, a: float, b: float, width: float) -> None:
    """Add ``level`` over [a, b) to the bins it covers."""
    if level == 0 or b <= a:
        return
    first, last = int(a // width), min(len(area) - 1, int(b // width))
    for i in range(first, last + 1):
        lo, hi = max(a, i * width), min(b, (i + 1) * width)
        if hi > lo:
            area[i] += level * (hi - lo)
