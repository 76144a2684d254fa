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
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import orjson

__all__ = [
    "EVENT_KINDS",
    "STATUS_CODES",
    "STATUS_COLOURS",
    "STATUS_OF_KIND",
    "TASK_STATUSES",
    "TERMINAL_KINDS",
    "USAGE_FIELDS",
    "Event",
    "EventBus",
    "EventSink",
    "Subscriber",
    "Usage",
    "decode_event",
    "encode_event",
    "status_vocabulary",
]

Event = dict[str, Any]
Subscriber = Callable[[Event], object]

EVENT_VERSION = 1


@runtime_checkable
class EventSink(Protocol):
    """Where a run's events go besides memory: a trace file, an index, metrics, a bus, spans.

    A run calls ``on_event(event, line)`` for every event, in order, synchronously on the run's
    thread, right after the event is appended — ``event`` is the dict, ``line`` its canonical
    JSON encoding (already made: a sink that writes or sends bytes uses it, others ignore it).
    It must be quick and must not block; an exception propagates into the run. When the run has
    ended (after ``run.finished``, with the run's status and metrics final) the run calls
    ``close()`` once; sinks are closed in the order they were attached.

    Example::

        class Count:
            def __init__(self) -> None:
                self.n = 0
            def on_event(self, event: Event, line: str) -> None:
                self.n += 1
            def close(self) -> None:
                print(self.n, "events")

        run = await sn.run_graph(g, work, sinks=[Count()])
    """

    def on_event(self, event: Event, line: str) -> None: ...

    def close(self) -> None: ...


EVENT_KINDS: frozenset[str] = frozenset(
    {
        "run.started",
        "run.finished",
        "run.resumed",
        "task.queued",
        "task.started",
        "task.retrying",
        "task.completed",
        "task.failed",
        "task.skipped",
        "task.cancelled",
        "task.restored",
        "agent.spawned",
        "agent.finished",
        "agent.heartbeat",
        "agent.unhealthy",
        "agent.restarted",
        "agent.quarantined",
        "policy.decision",
        "model.call",
        "tool.call",
        "budget.exceeded",
        "capability.denied",
    }
)

#: The kinds that end a task; every task gets exactly one of them (``task.restored``: a task
#: an earlier, interrupted run completed, restored by a resumed run without executing it).
TERMINAL_KINDS: frozenset[str] = frozenset(
    {"task.completed", "task.failed", "task.skipped", "task.cancelled", "task.restored"}
)

#: What a task is shown as, in legend order — the one status vocabulary of the widgets, the
#: snapshots and the dashboard (``retrying``: waiting out a backoff before its next attempt;
#: ``done``: completed, or restored from an earlier run's results).
TASK_STATUSES: tuple[str, ...] = (
    "queued", "running", "retrying", "done", "failed", "skipped", "cancelled",
)  # fmt: skip
#: One-letter codes for the statuses on the widget wire.
STATUS_CODES: dict[str, str] = {
    "queued": "q", "running": "r", "retrying": "b", "done": "d",
    "failed": "f", "skipped": "s", "cancelled": "c",
}  # fmt: skip
#: The palette: one fill per status.
STATUS_COLOURS: dict[str, str] = {
    "queued": "#d0d7de", "running": "#2f6fde", "retrying": "#e8a317", "done": "#2da44e",
    "failed": "#cf222e", "skipped": "#8c959f", "cancelled": "#8250df",
}  # fmt: skip
#: The status a task has after each event that ends it.
STATUS_OF_KIND: dict[str, str] = {
    "task.completed": "done",
    "task.failed": "failed",
    "task.skipped": "skipped",
    "task.cancelled": "cancelled",
    "task.restored": "done",  # completed by an earlier, interrupted run; not executed again
}


def status_vocabulary() -> dict[str, Any]:
    """Statuses, codes and colours as one JSON value: what the widgets receive as a trait."""
    return {
        "statuses": list(TASK_STATUSES),
        "codes": dict(STATUS_CODES),
        "colours": dict(STATUS_COLOURS),
    }


#: The usage fields task events carry (``task.completed``, ``task.failed``, …), in order.
USAGE_FIELDS: tuple[str, str, str, str] = ("tokens_in", "tokens_out", "cost_usd", "steps")


@dataclass(slots=True)
class Usage:
    """Resources used by one attempt (or summed over many): the :data:`USAGE_FIELDS`."""

    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    steps: int = 0

    def add(self, other: Usage) -> None:
        self.tokens_in += other.tokens_in
        self.tokens_out += other.tokens_out
        self.cost_usd += other.cost_usd
        self.steps += other.steps


_log = logging.getLogger(__name__)


def _fallback(value: Any) -> Any:
    """Encode what JSON cannot (sets, arbitrary objects) as lists or text."""
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return repr(value)


def encode_event(event: Event) -> str:
    """One event as a compact JSON line (without the newline).

    Kept as ``str``: a compact, untracked object that is cheap to hold by the hundred thousand
    (holding orjson's ``bytes`` results directly is an order of magnitude slower to allocate).
    """
    return orjson.dumps(event, default=_fallback, option=orjson.OPT_NON_STR_KEYS).decode()


decode_event = orjson.loads


class EventBus:
    """An append-only event log with synchronous subscribers.

    The log keeps each event as its encoded JSON line — compact, and invisible to the garbage
    collector — and hands subscribers the dict. :attr:`events` decodes on demand.
    """

    __slots__ = ("_decoded", "_lines", "_lock", "_sinks", "_subscribers", "_time", "run_id")

    def __init__(self, run_id: str, *, time_fn: Callable[[], float]) -> None:
        self.run_id = run_id
        self._lines: list[str] = []
        self._decoded: list[Event] = []
        self._subscribers: tuple[Subscriber, ...] = ()
        self._sinks: tuple[Callable[[Event, str], None], ...] = ()
        self._time = time_fn
        self._lock = threading.RLock()

    def emit(self, kind: str, fields: dict[str, Any] | None = None) -> Event:
        """Append one event stamped with version, run, sequence number and time.

        Call it from the run's own thread (the scheduler does); it takes no lock.
        """
        lines = self._lines
        if fields:
            event: Event = {
                "v": EVENT_VERSION, "run": self.run_id, "seq": len(lines), "t": self._time(),
                "kind": kind, **fields,
            }  # fmt: skip
        else:
            event = {
                "v": EVENT_VERSION, "run": self.run_id, "seq": len(lines), "t": self._time(),
                "kind": kind,
            }  # fmt: skip
        line = encode_event(event)
        lines.append(line)
        for sink in self._sinks:
            sink(event, line)
        for subscriber in self._subscribers:
            try:
                subscriber(event)
            except Exception:
                _log.exception("event subscriber %r raised; detaching it", subscriber)
                self.unsubscribe(subscriber)
        return event

    @property
    def lines(self) -> list[str]:
        """The encoded events so far (a snapshot; safe from any thread)."""
        return list(self._lines)

    @property
    def events(self) -> list[Event]:
        """The events so far, decoded (new ones are decoded once and kept)."""
        with self._lock:  # readers on several threads must not decode the same tail twice
            decoded = self._decoded
            lines = list(self._lines)
            if len(decoded) < len(lines):
                decoded.extend(map(decode_event, lines[len(decoded) :]))
            return list(decoded)

    def events_since(self, start: int) -> list[Event]:
        """Events from number ``start`` on, freshly decoded (not kept); safe from any thread."""
        return [decode_event(line) for line in self._lines[start:]]

    def add_sink(self, sink: EventSink) -> None:
        """Call ``sink.on_event(event, line)`` for every event from now on (no replay)."""
        self._sinks = (*self._sinks, sink.on_event)

    def subscribe(self, subscriber: Subscriber, *, replay: bool = True) -> Callable[[], None]:
        """Call ``subscriber(event)`` for every event; with ``replay``, first for past ones.

        Returns a function that detaches the subscriber. Call it on the run's thread, or once
        the run has ended (``Run.subscribe`` takes care of that from any thread), so that no
        live event can overtake a past one.
        """
        if replay:
            for line in list(self._lines):
                subscriber(decode_event(line))
        self._subscribers = (*self._subscribers, subscriber)
        return lambda: self.unsubscribe(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers = tuple(s for s in self._subscribers if s is not subscriber)

    def __len__(self) -> int:
        return len(self._lines)

    def __repr__(self) -> str:
        return f"<EventBus run={self.run_id!r} events={len(self._lines)}>"
