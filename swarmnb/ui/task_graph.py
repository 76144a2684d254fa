"""The task graph: a layered DAG with live status colours and the critical path.

Layout happens in Python (:mod:`swarmnb.ui._layout`) once per graph shape; the browser draws
SVG (one ``<g data-task=… data-status=…>`` per task) and switches to a canvas above
``canvas_threshold`` tasks. Statuses travel as one-letter codes through a
:class:`~swarmnb.ui._channel.DeltaChannel`, so a flush sends only the tasks that changed.
Clicking a task sets ``selected``; the view answers with the task's ``detail`` (prompt,
result, attempts, tokens, cost).

Example::

    view = TaskGraphView.for_run(run)
    view.selected = "m"
    view.detail["attempts"]
"""

from __future__ import annotations

import itertools
import statistics
import time
from typing import Any

import traitlets as t

from ._assets import es_module
from ._base import View
from ._channel import DeltaChannel
from ._layout import GraphLayout, LayoutStyle, critical_path, layout_graph
from ._state import STATUS_CODE, Changes, SwarmState

__all__ = ["TaskGraphView"]

_PROMPT_PREVIEW = 140


class TaskGraphView(View):
    """Layered DAG of a run's tasks, coloured by status, critical path highlighted."""

    _esm = es_module("task_graph.js")

    graph = t.Dict().tag(sync=True)
    status_base = t.Dict().tag(sync=True)
    status_delta = t.Dict().tag(sync=True)
    critical = t.Dict().tag(sync=True)
    selected = t.Unicode("").tag(sync=True)
    detail = t.Dict().tag(sync=True)
    renderer = t.Unicode("auto").tag(sync=True)  # auto | svg | canvas
    canvas_threshold = t.Int(3000).tag(sync=True)
    height = t.Int(560).tag(sync=True)

    def __init__(self, *, style: LayoutStyle | None = None, **kwargs: Any) -> None:
        self._style = style or LayoutStyle()
        self._layout: GraphLayout | None = None
        self._status = DeltaChannel("status", encode=lambda codes: "".join(codes))
        self._edge_index: dict[tuple[int, int], int] = {}
        self._critical_at = float("-inf")
        self._critical_dirty = False
        self._shape_v = 0
        super().__init__(**kwargs)
        self.observe(self._on_selected, names="selected")

    @property
    def layout(self) -> GraphLayout | None:
        """The current layout (None before the first task arrives)."""
        return self._layout

    def statuses(self) -> dict[str, str]:
        """Task id → display status, as this view shows it."""
        return {task.id: task.status for task in self.state.order}

    # -- syncing -----------------------------------------------------------------------------
    def _sync(self, state: SwarmState, changes: Changes) -> None:
        order = state.order
        reshaped = changes.full or changes.shape
        values: dict[str, Any] = {}
        if reshaped:
            self._relayout(state)
            values["graph"] = self._graph_json(state)
        changed = {str(i): STATUS_CODE[order[i].status] for i in changes.tasks if i < len(order)}
        values.update(
            self._status.update(
                changed,
                full=lambda: [STATUS_CODE[task.status] for task in order],
                size=len(order),
                rebase=reshaped,
            )
        )
        if changes.tasks or reshaped:
            self._critical_dirty = True
        now = time.monotonic()
        budget = 0.25 if len(order) < 2000 else 1.0  # seconds between critical-path updates
        if self._critical_dirty and (
            reshaped or changes.finished or now - self._critical_at >= budget
        ):
            values["critical"] = self._critical(state)
            self._critical_dirty = False
            self._critical_at = now
        if self.selected and self.selected in state.tasks:
            index = state.tasks[self.selected].index
            if reshaped or index in changes.tasks:
                values["detail"] = state.tasks[self.selected].detail()
        self._set(values)

    def _relayout(self, state: SwarmState) -> None:
        ids = [task.id for task in state.order]
        deps = [task.deps for task in state.order]
        self._layout = layout_graph(ids, deps, style=self._style)
        self._edge_index = {edge: k for k, edge in enumerate(self._layout.edges)}
        self._shape_v += 1

    def _graph_json(self, state: SwarmState) -> dict[str, Any]:
        assert self._layout is not None
        data = self._layout.to_json()
        data["v"] = self._shape_v
        data["prompts"] = [_preview(task.prompt) for task in state.order]
        return data

    def _critical(self, state: SwarmState) -> dict[str, Any]:
        layout = self._layout
        if layout is None or not state.order:
            return {"nodes": [], "edges": [], "length": 0.0}
        durations = [task.duration for task in state.order if task.duration is not None]
        typical = statistics.median(durations) if durations else 1.0
        typical = typical if typical > 0 else 1.0
        weight = [task.duration if task.duration is not None else typical for task in state.order]
        preds: list[list[int]] = [[] for _ in state.order]
        for s, d in layout.edges:
            preds[d].append(s)
        path = critical_path(layout.order, preds, weight)
        edges = [self._edge_index[(a, b)] for a, b in itertools.pairwise(path)]
        length = sum(weight[i] for i in path)
        return {"nodes": path, "edges": edges, "length": round(length, 6)}

    def _on_selected(self, change: dict[str, Any]) -> None:
        task = self.state.tasks.get(change["new"])
        self.detail = task.detail() if task is not None else {}

    def _repr_fields(self) -> str:
        state = self.state
        return f"tasks={len(state.order)} status={state.status}"


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _PROMPT_PREVIEW else text[: _PROMPT_PREVIEW - 1] + "…"
