"""The timeline: Gantt lanes per agent, the running-count curve and the concurrency limit.

Each attempt is a bar ``[lane, start, end, status code, task id]`` on the run clock (simulated
seconds under the virtual clock, and labelled so). Bars and curve points are append-mostly,
so both travel through :class:`~swarmnb.ui._channel.DeltaChannel` s (bases as flat lists,
5 values per bar and 2 per point, which serialise fast); the limit (a step line,
which ``run.set_concurrency`` moves) is small and sent whole. The browser draws on a canvas, so
tens of thousands of bars stay cheap.

Example::

    tl = TimelineView.for_run(run)
    tl.lanes[:3]        # ['worker 0', 'worker 1', 'worker 2']
"""

from __future__ import annotations

from typing import Any

import traitlets as t

from ._assets import es_module
from ._base import View
from ._channel import DeltaChannel
from ._state import Changes, SwarmState

__all__ = ["TimelineView"]


class TimelineView(View):
    """Per-agent Gantt lanes over time, with running count and concurrency limit."""

    _esm = es_module("timeline.js")

    lanes = t.List(t.Unicode()).tag(sync=True)
    bars_base = t.Dict().tag(sync=True)
    bars_delta = t.Dict().tag(sync=True)
    curve_base = t.Dict().tag(sync=True)
    curve_delta = t.Dict().tag(sync=True)
    limits = t.List().tag(sync=True)
    t_end = t.Float(0.0).tag(sync=True)
    clock = t.Unicode("real").tag(sync=True)
    height = t.Int(300).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        self._bars = DeltaChannel("bars", min_rebase=512)
        self._curve = DeltaChannel("curve", min_rebase=512)
        super().__init__(**kwargs)

    def _sync(self, state: SwarmState, changes: Changes) -> None:
        values: dict[str, Any] = {}
        if changes.full or changes.lanes:
            values["lanes"] = [state.agents[a].name for a in state.lanes]
        bars = state.bars
        values.update(
            self._bars.update(
                {str(i): bars[i] for i in changes.bars},
                full=lambda: [value for bar in bars for value in bar],  # flat, 5 per bar
                size=len(bars),
                rebase=changes.full,
            )
        )
        curve = state.curve
        start = changes.curve_from if changes.curve_from is not None else len(curve)
        values.update(
            self._curve.update(
                {str(i): curve[i] for i in range(start, len(curve))},
                full=lambda: [value for point in curve for value in point],  # flat, 2 per point
                size=len(curve),
                rebase=changes.full,
            )
        )
        if changes.full or changes.limits:
            values["limits"] = [list(p) for p in state.limits]
        values["t_end"] = round(state.now, 6)
        values["clock"] = state.clock or "real"
        self._set(values)

    def _repr_fields(self) -> str:
        state = self.state
        return f"lanes={len(state.lanes)} attempts={len(state.bars)} status={state.status}"
