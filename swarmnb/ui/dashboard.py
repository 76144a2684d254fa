"""The dashboard: the four views, a status header, and the controls.

One :class:`~swarmnb.ui._feed.RunFeed` feeds every view, so events are folded once. The
controls call the run's public API only — ``pause()``, ``resume()``, ``cancel()``,
``set_concurrency(n)`` — and they are the same from Python (``dash.pause()``) and from the
buttons (which send ``{"type": "control", "action": …}`` messages). A finished run or a
replayed trace gets a scrubber and a speed slider instead: seeking folds the events up to that
time, and *play* advances the run clock ``speed`` times faster than real time.

Example::

    dash = run.dashboard()          # or Dashboard.for_run(run), sn.replay(path).dashboard()
    dash                            # displays; <Dashboard run=… tasks=3 status=completed>
    dash.set_concurrency(4)
"""

from __future__ import annotations

import asyncio
import bisect
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

import anywidget
import traitlets as t

from ..events import status_vocabulary
from ._assets import es_module, stylesheet
from ._feed import RunFeed
from ._state import Changes, SwarmState
from .agent_pool import AgentPoolView
from .cost import CostView
from .task_graph import TaskGraphView
from .timeline import TimelineView

__all__ = ["Dashboard"]

_SPEEDS = (0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)


class Dashboard(anywidget.AnyWidget):
    """Task graph, agent pool, timeline and cost of one run, with live controls."""

    _esm = es_module("dashboard.js")
    _css = stylesheet()
    #: Task statuses, wire codes and colours, from :mod:`swarmnb.events`.
    vocabulary = t.Dict(status_vocabulary()).tag(sync=True)

    graph = anywidget.WidgetTrait().tag(sync=True)
    agents = anywidget.WidgetTrait().tag(sync=True)
    timeline = anywidget.WidgetTrait().tag(sync=True)
    cost = anywidget.WidgetTrait().tag(sync=True)

    title = t.Unicode("").tag(sync=True)
    run_id = t.Unicode("").tag(sync=True)
    mode = t.Unicode("live").tag(sync=True)  # live | replay
    status = t.Unicode("pending").tag(sync=True)
    paused = t.Bool(False).tag(sync=True)
    controllable = t.Bool(False).tag(sync=True)
    max_concurrency = t.Int(None, allow_none=True).tag(sync=True)
    concurrency_max = t.Int(256).tag(sync=True)
    counts = t.Dict().tag(sync=True)
    n_tasks = t.Int(0).tag(sync=True)
    elapsed = t.Float(0.0).tag(sync=True)
    clock = t.Unicode("real").tag(sync=True)
    banner = t.Unicode("").tag(sync=True)
    decisions = t.Int(0).tag(sync=True)
    replay = t.Dict().tag(sync=True)  # {t, end, playing, speed, speeds}

    def __init__(
        self,
        *,
        run: Any = None,
        events: Iterable[Mapping[str, Any]] | None = None,
        title: str | None = None,
        interval: float = 0.1,
        **kwargs: Any,
    ) -> None:
        source = _unwrap(run)
        feed = RunFeed(source, events=events, interval=interval)
        self._feed = feed
        self._source = source
        self._events: list[Mapping[str, Any]] = []
        self._times: list[float] = []
        self._cursor = 0
        self._play_lock = threading.Lock()
        self._play_handle: Any = None
        self._last_tick = 0.0
        views = {
            "graph": TaskGraphView(feed=feed),
            "agents": AgentPoolView(feed=feed),
            "timeline": TimelineView(feed=feed),
            "cost": CostView(feed=feed),
        }
        super().__init__(**views, **kwargs)
        self.title = title or str(getattr(source, "name", "") or "run")
        self.run_id = str(getattr(source, "id", "") or "")
        feed.add_sink(self._sink)
        self.on_msg(self._on_msg)
        feed.start()

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def for_run(cls, run: Any, **options: Any) -> Dashboard:
        """A dashboard for a live run (follows it), a finished one, or a replayed trace.

        Anything with a ``run`` attribute holding such an object (an episode, a swarm) works too.
        """
        return cls(run=run, **options)

    @classmethod
    def from_events(cls, events: Iterable[Mapping[str, Any]], **options: Any) -> Dashboard:
        """A replay dashboard over an event list."""
        return cls(events=events, **options)

    @property
    def state(self) -> SwarmState:
        """The folded state all views show."""
        return self._feed.state

    @property
    def feed(self) -> RunFeed:
        return self._feed

    @property
    def views(self) -> tuple[TaskGraphView, AgentPoolView, TimelineView, CostView]:
        return (self.graph, self.agents, self.timeline, self.cost)

    def close(self) -> None:
        """Stop following the run and close the views (frees the front-end models too)."""
        if getattr(self, "_feed", None) is not None:  # (also called on a half-built widget)
            self.stop()
            self._feed.close()
            for view in self.views:
                if view is not None:
                    view.close()
        super().close()

    def __repr__(self) -> str:
        state = self.state
        run = f" run={self.run_id}" if self.run_id else ""
        return f"<Dashboard{run} tasks={len(state.order)} status={state.status}>"

    # -- syncing -------------------------------------------------------------------------------
    def _sink(self, state: SwarmState, changes: Changes) -> None:
        if not (changes.run or changes.full or changes.tasks or changes.finished):
            return
        with self.hold_sync():
            self.status = state.status
            self.counts = dict(state.counts)
            self.n_tasks = len(state.order)
            self.elapsed = round(state.now, 6)
            self.clock = state.clock or "real"
            self.decisions = state.decisions
            self.banner = _banner(state)
            if self.mode != "live":
                return
            if changes.finished or not self._feed.live:
                self._enter_replay()
            else:
                self.controllable = self._feed.controllable
                self.paused = bool(getattr(self._source, "paused", False))
                self.max_concurrency = state.max_concurrency
                if state.max_concurrency:
                    self.concurrency_max = max(
                        self.concurrency_max, min(4096, 4 * state.max_concurrency)
                    )

    def _enter_replay(self) -> None:
        """Switch to scrubbing once everything is known (a replay, or a live run that ended)."""
        src = self._source
        events = list(src.events) if src is not None else list(self._feed._events or [])
        self._events = events
        self._times = [float(e.get("t", 0.0)) for e in events]
        self._cursor = len(events)
        end = self._times[-1] if self._times else 0.0
        self.mode = "replay"
        self.controllable = False
        self.paused = False
        self.max_concurrency = self.state.max_concurrency
        self.replay = {
            "t": end,
            "end": end,
            "playing": False,
            "speed": _default_speed(end),
            "speeds": list(_SPEEDS),
        }

    # -- live controls (the run's public API only) ------------------------------------------------
    def pause(self) -> None:
        """Start no new tasks until :meth:`resume`; running ones go on."""
        self._require_control("pause").pause()
        self.paused = True

    def resume(self) -> None:
        self._require_control("resume").resume()
        self.paused = False

    def cancel(self) -> None:
        """Cancel the run: running tasks are cancelled, nothing new starts."""
        self._require_control("cancel").cancel()

    def set_concurrency(self, limit: int) -> None:
        """Change the live limit on running tasks."""
        limit = int(limit)
        self._require_control("set_concurrency").set_concurrency(limit)
        self.max_concurrency = limit

    def _require_control(self, action: str) -> Any:
        if not self._feed.controllable:
            raise RuntimeError(f"cannot {action}: this dashboard shows a replay, not a live run")
        return self._source

    # -- replay controls -------------------------------------------------------------------------
    def seek(self, t: float) -> None:
        """Show the run as it was at run-clock time ``t`` (replay mode)."""
        if self.mode != "replay":
            raise RuntimeError("seek() works on a finished run or a replay")
        t = max(0.0, min(float(t), self.replay.get("end", 0.0)))
        upto = bisect.bisect_right(self._times, t)
        if upto >= self._cursor:
            self._feed.advance(self._events[self._cursor : upto])
        else:
            self._feed.rebuild(self._events[:upto])
        self._cursor = upto
        self.replay = {**self.replay, "t": t}

    def play(self, speed: float | None = None) -> None:
        """Play the replay forward from the scrubber, ``speed`` × the run clock."""
        if self.mode != "replay":
            raise RuntimeError("play() works on a finished run or a replay")
        if speed is not None:
            self.replay = {**self.replay, "speed": float(speed)}
        if self.replay["t"] >= self.replay["end"]:
            self.seek(0.0)
        self.replay = {**self.replay, "playing": True}
        self._last_tick = time.monotonic()
        self._schedule_tick()

    def stop(self) -> None:
        """Stop playing (the scrubber stays where it is)."""
        with self._play_lock:
            handle, self._play_handle = self._play_handle, None
        if handle is not None:
            handle.cancel()
        if self.replay.get("playing"):
            self.replay = {**self.replay, "playing": False}

    def _schedule_tick(self) -> None:
        interval = self._feed.interval
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        with self._play_lock:
            if loop is not None:
                self._play_handle = loop.call_later(interval, self._tick)
            else:
                timer = threading.Timer(interval, self._tick)
                timer.daemon = True
                self._play_handle = timer
                timer.start()

    def _tick(self) -> None:
        if not self.replay.get("playing"):
            return
        now = time.monotonic()
        dt, self._last_tick = now - self._last_tick, now
        target = self.replay["t"] + dt * self.replay["speed"]
        self.seek(min(target, self.replay["end"]))
        if self.replay["t"] >= self.replay["end"]:
            self.stop()
        else:
            self._schedule_tick()

    # -- messages from the page ------------------------------------------------------------------
    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "control":
            return
        action = content.get("action")
        value = content.get("value")
        handlers = {
            "pause": self.pause,
            "resume": self.resume,
            "cancel": self.cancel,
            "concurrency": lambda: self.set_concurrency(int(value)),
            "seek": lambda: (self.stop(), self.seek(float(value))),
            "play": lambda: self.play(float(value) if value is not None else None),
            "stop": self.stop,
            "speed": lambda: setattr(self, "replay", {**self.replay, "speed": float(value)}),
        }
        handler = handlers.get(action)
        if handler is not None:
            handler()


def _unwrap(source: Any) -> Any:
    """A run-like object: itself, or its ``run`` attribute (swarms, episodes)."""
    if source is None or hasattr(source, "events"):
        return source
    inner = getattr(source, "run", None)
    if inner is not None and hasattr(inner, "events"):
        return inner
    raise TypeError(
        f"Dashboard needs a run (live, finished or replayed), not {type(source).__name__}"
    )


def _banner(state: SwarmState) -> str:
    if state.budget_exceeded:
        return f"budget exhausted ({state.budget_exceeded}): no new work starts"
    if state.status == "failed":
        return "run failed"
    if state.status == "cancelled":
        return "run cancelled"
    return ""


def _default_speed(end: float) -> float:
    """A speed that plays the whole run in about ten seconds."""
    if end <= 0:
        return 1.0
    wanted = end / 10.0
    return min(_SPEEDS, key=lambda s: abs(s - wanted))
