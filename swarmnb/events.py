"""The event model and the in-memory bus every observer reads.

Every state change of a run is one event, a plain JSON-ready dict::

    {"v": 1, "run": "r-…", "seq": 7, "t": 1.25, "kind": "task.completed", "task": "a", …}

``seq`` counts from 0 without gaps, ``t`` is seconds since the run started on the run's clock
(simulated seconds under the virtual clock). Task events carry ``"task"``, agent events
``"agent"``. The bus keeps the run's events in order and calls each subscriber synchronously,
on the run's own thread, right after an event is appended: a subscriber must be quick (fold
the event into some state, append it to a buffer) and must not block. A subscriber that raises
is detached and the run goes on.

Example::

    bus = EventBus("r-1", time_fn=lambda: 0.0)
    seen = []
    bus.subscribe(seen.append)
    bus.emit("run.started", {"clock": "virtual"})
    seen[0]["kind"]   # 'run.started'
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["EVENT_KINDS", "TERMINAL_KINDS", "Event", "EventBus", "Subscriber"]

Event = dict[str, Any]
Subscriber = Callable[[Event], object]

EVENT_VERSION = 1

EVENT_KINDS: frozenset[str] = frozenset(
    {
        "run.started",
        "run.finished",
        "task.queued",
        "task.started",
        "task.retrying",
        "task.completed",
        "task.failed",
        "task.skipped",
        "task.cancelled",
        "agent.spawned",
        "agent.finished",
        "agent.heartbeat",
        "policy.decision",
        "model.call",
        "tool.call",
        "budget.exceeded",
        "capability.denied",
    }
)

#: The kinds that end a task; every task gets exactly one of them.
TERMINAL_KINDS: frozenset[str] = frozenset(
    {"task.completed", "task.failed", "task.skipped", "task.cancelled"}
)

_log = logging.getLogger(__name__)


class EventBus:
    """An append-only event log with synchronous subscribers."""

    __slots__ = ("_lock", "_subscribers", "_time", "events", "run_id")

    def __init__(self, run_id: str, *, time_fn: Callable[[], float]) -> None:
        self.run_id = run_id
        self.events: list[Event] = []
        self._subscribers: tuple[Subscriber, ...] = ()
        self._time = time_fn
        self._lock = threading.RLock()

    def emit(self, kind: str, fields: dict[str, Any] | None = None) -> Event:
        """Append one event stamped with version, run, sequence number and time."""
        event: Event = {
            "v": EVENT_VERSION,
            "run": self.run_id,
            "seq": len(self.events),
            "t": self._time(),
            "kind": kind,
        }
        if fields:
            event.update(fields)
        with self._lock:
            self.events.append(event)
            subscribers = self._subscribers
        for subscriber in subscribers:
            try:
                subscriber(event)
            except Exception:
                _log.exception("event subscriber %r raised; detaching it", subscriber)
                self.unsubscribe(subscriber)
        return event

    def subscribe(self, subscriber: Subscriber, *, replay: bool = True) -> Callable[[], None]:
        """Call ``subscriber(event)`` for every event; with ``replay``, first for past ones.

        Returns a function that detaches the subscriber. Safe to call from any thread.
        """
        with self._lock:  # held while catching up, so no live event can overtake a past one
            if replay:
                for event in self.events:
                    subscriber(event)
            self._subscribers = (*self._subscribers, subscriber)
        return lambda: self.unsubscribe(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers = tuple(s for s in self._subscribers if s is not subscriber)

    def __len__(self) -> int:
        return len(self.events)

    def __repr__(self) -> str:
        return f"<EventBus run={self.run_id!r} events={len(self.events)}>"
