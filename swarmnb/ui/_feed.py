"""Feed a run's events to widgets at most ten times a second.

A run emits events on its own thread (a virtual-clock run started from a notebook lives in a
daemon thread) and may emit thousands per second; a Jupyter front end wants few, small
messages — jupyter_server drops iopub traffic above 1,000 messages a second. So the subscriber
only appends each event to a queue and, the first time after a flush, arms one timer. The flush
folds the queued events into a :class:`~swarmnb.ui._state.SwarmState` and hands the changes to
each widget, which writes its traits inside one ``hold_sync()`` (one message per widget per
flush).

The timer runs on the event loop that created the feed (the kernel's loop in a notebook, so
traits change on the main thread); with no running loop, a flush runs in the calling thread
when the last one is at least ``interval`` old, else on a ``threading.Timer``. Either way the
last events are flushed: the feed always ends exactly at the trace's final state.

Watching must not slow the run down. Python threads share one interpreter lock, so every
millisecond spent folding events is a millisecond the run does not get. While a run is live
the feed therefore keeps a CPU budget: flushes may take at most ``duty`` (10 %) of wall time.
It estimates a flush's cost from the backlog (an average cost per event, learnt as it goes)
and, when a flush would overspend, waits — at most ``max_delay`` — letting the backlog grow.
A run that trickles events (real models, seconds per call) gets ten updates a second; a
CPU-bound simulated run gets fewer, larger updates; and the final flush comes at once.

Example::

    feed = RunFeed(run)
    feed.add_sink(lambda state, changes: print(state.counts))
    feed.start()
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._state import Changes, SwarmState

__all__ = ["RunFeed", "Sink"]

Sink = Callable[[SwarmState, Changes], None]


class RunFeed:
    """Events in, coalesced widget updates out.

    ``source`` is a live or finished run (anything with ``events``; live ones also need
    ``subscribe`` and ``finished``), or pass ``events=`` directly.
    """

    def __init__(
        self,
        source: Any = None,
        *,
        events: Iterable[Mapping[str, Any]] | None = None,
        interval: float = 0.1,
        duty: float = 0.1,
        max_delay: float = 2.0,
    ) -> None:
        if source is None and events is None:
            raise TypeError("RunFeed needs a run or events=")
        if interval <= 0:
            raise ValueError(f"interval must be > 0 seconds, not {interval!r}")
        if not 0 < duty <= 1:
            raise ValueError(f"duty must be in (0, 1], not {duty!r}")
        self.source = source
        self.interval = interval
        self.duty = duty
        self.max_delay = max(max_delay, interval)
        self.state = SwarmState()
        self.flushes = 0
        self.flush_seconds = 0.0
        #: (start on time.monotonic, events folded, seconds) of recent flushes, for benchmarks
        self.flush_log: deque[tuple[float, int, float]] = deque(maxlen=1000)
        self._events = list(events) if events is not None else None
        self._pending: deque[Mapping[str, Any]] = deque()
        #: a live run that keeps its own log (``events_since``) is read from, not copied:
        #: holding thousands of event dicts until a flush costs the run garbage-collector time
        self._pull = False
        self._cursor = 0  # events of the run's log folded so far (pull mode)
        self._sinks: list[Sink] = []
        self._lock = threading.RLock()
        self._sched_lock = threading.Lock()
        self._armed = False
        self._final = False
        self._quiet = False
        self._started = False
        self._handle: Any = None
        self._last = float("-inf")
        self._credit = 0.02  # seconds of flushing the budget allows right now
        self._credit_at = time.monotonic()
        self._per_event = 3e-5  # flush cost per folded event (learnt; starts cautious: layout)
        self._unsubscribe: Callable[[], None] | None = None
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None
        self._loop_thread = threading.get_ident() if self._loop is not None else None

    def __repr__(self) -> str:
        mode = "live" if self.live else "static"
        return f"<RunFeed {mode} events={self.state.n_events} flushes={self.flushes}>"

    # -- wiring ------------------------------------------------------------------------------
    @property
    def live(self) -> bool:
        """True while following a run that has not finished."""
        return self._unsubscribe is not None

    @property
    def controllable(self) -> bool:
        """Whether the source accepts pause/resume/cancel/set_concurrency."""
        src = self.source
        return src is not None and all(
            callable(getattr(src, name, None))
            for name in ("pause", "resume", "cancel", "set_concurrency")
        )

    def add_sink(self, sink: Sink) -> None:
        """Call ``sink(state, changes)`` on every flush (and once on start, with everything)."""
        self._sinks.append(sink)

    def start(self) -> RunFeed:
        """Fold what has happened so far, flush it, and follow the run if it is live."""
        if self._started:
            return self
        self._started = True
        src = self.source
        if self._events is not None:
            self._pending.extend(self._events)
        elif getattr(src, "finished", True) or not callable(getattr(src, "subscribe", None)):
            self._pending.extend(list(src.events))
        elif callable(getattr(src, "events_since", None)):
            self._pull = True  # the run's log is the queue; the subscription only wakes us
            self._unsubscribe = src.subscribe(self._on_event, replay=False)
            if src.finished:  # it ended before we joined: no run.finished will reach us
                self._final = True
            if self._backlog() > 64 and not self._final:
                self._request()
                return self
        else:
            # while subscribing, past events arrive here under the bus lock: queue them only
            self._quiet = True
            try:
                self._unsubscribe = src.subscribe(self._on_event, replay=True)
            finally:
                self._quiet = False
            if len(self._pending) > 64 and not self._final:
                self._request()  # a backlog already: fold it when the budget allows
                return self
        self.flush()
        return self

    def close(self) -> None:
        """Stop following the run (the widgets keep their last state)."""
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is not None:
            unsubscribe()
        with self._sched_lock:
            handle, self._handle = self._handle, None
        if handle is not None:
            handle.cancel()

    # -- the hot path (run thread) -------------------------------------------------------------
    def _on_event(self, event: Mapping[str, Any]) -> None:
        if not self._pull:
            self._pending.append(event)
        if event["kind"] == "run.finished":
            self._final = True
            if not self._quiet:
                self._request()  # reschedule: the last flush should not wait for the budget
        elif not self._armed and not self._quiet:
            self._request()

    def _request(self) -> None:
        self._armed = True
        loop = self._loop
        if loop is not None and loop.is_running():
            if threading.get_ident() == self._loop_thread:
                self._schedule()
                return
            try:
                loop.call_soon_threadsafe(self._schedule)
                return
            except RuntimeError:  # the loop closed meanwhile
                pass
        self._schedule(threaded=True)

    # -- scheduling ----------------------------------------------------------------------------
    def _backlog(self) -> int:
        if self._pull:
            return self.source.n_events - self._cursor
        return len(self._pending)

    def _estimate(self) -> float:
        return self._backlog() * self._per_event

    def _delay(self) -> float:
        """Seconds until the next flush may run: the rate limit, then the CPU budget."""
        now = time.monotonic()
        wait = self._last + self.interval - now
        if not self.live:
            return max(0.0, wait)
        if self._final:  # one interval of grace lets the run finish before we take the CPU
            return max(wait, self.interval)
        credit = self._credit + self.duty * (now - self._credit_at)
        shortfall = self._estimate() - credit
        if shortfall > 0:
            overdue = self._last + self.max_delay - now if self.flushes else self.max_delay
            wait = max(wait, min(shortfall / self.duty, overdue))
        return max(0.0, wait)

    def _schedule(self, *, threaded: bool = False) -> None:
        with self._sched_lock:
            if self._handle is not None:
                self._handle.cancel()
                self._handle = None
            delay = self._delay()
            if not threaded:
                assert self._loop is not None
                self._handle = self._loop.call_later(delay, self._fire)
                return
            if delay > 0:
                timer = threading.Timer(delay, self._fire)
                timer.daemon = True
                self._handle = timer
                timer.start()
                return
        self.flush()

    def _fire(self) -> None:
        with self._sched_lock:
            self._handle = None
        if self._final:
            # on a virtual-clock loop the timer can fire before the real interval has passed
            early = self.live and time.monotonic() < self._last + self.interval
        else:  # the backlog may have grown since this flush was armed, beyond the budget
            early = self.live and self._delay() > 0
        if early:
            self._schedule(threaded=self._loop is None or not self._loop.is_running())
            return
        self.flush()

    # -- flushing ------------------------------------------------------------------------------
    def flush(self) -> bool:
        """Fold queued events and push the changes to the sinks; True if anything changed."""
        with self._lock:
            self._armed = False
            began = time.monotonic()
            self._last = began
            if self._pull:
                batch: Iterable[Mapping[str, Any]] = self.source.events_since(self._cursor)
                n = len(batch)  # type: ignore[arg-type]
                self._cursor += n
            else:
                pending = self._pending
                n = len(pending)
                batch = (pending.popleft() for _ in range(n))
            gc_was_on = gc.isenabled()
            gc.disable()  # bulk folding allocates a lot; collections mid-way only cost time
            try:
                state = self.state
                state.apply_many(batch)
                src = self.source
                if self.live and state.status == "running":
                    limit = getattr(src, "max_concurrency", state.max_concurrency)
                    if limit != state.max_concurrency:
                        state.observe_limit(limit)
                changes = state.take_changes()
                if changes:
                    self._push(changes)
            finally:
                if gc_was_on:
                    gc.enable()
            if changes.finished and self._unsubscribe is not None:
                self.close()
            ended = time.monotonic()
            cost = ended - began
            self._credit = min(1.0, self._credit + self.duty * (ended - self._credit_at) - cost)
            self._credit_at = ended
            if n >= 200:
                self._per_event = 0.7 * self._per_event + 0.3 * (cost / n)
            if not changes:
                return False
            self.flushes += 1
            self.flush_seconds += cost
            self.flush_log.append((began, n, cost))
            return True

    def _push(self, changes: Changes) -> None:
        for sink in self._sinks:
            sink(self.state, changes)

    def rebuild(self, events: Iterable[Mapping[str, Any]]) -> None:
        """Replace the state by one folded from ``events`` (a replay seek) and push it all."""
        with self._lock:
            state = SwarmState()
            state.apply_many(events)
            self.state = state
            changes = state.take_changes()
            changes.full = True
            self._push(changes)
            self.flushes += 1
            self._last = time.monotonic()

    def advance(self, events: Iterable[Mapping[str, Any]]) -> None:
        """Fold more events now (a replay playing forward) and push the changes."""
        with self._lock:
            self.state.apply_many(events)
            changes = self.state.take_changes()
            if changes:
                self._push(changes)
                self.flushes += 1
                self._last = time.monotonic()
