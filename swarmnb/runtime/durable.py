"""The runtime's two durability seams: a sink for results, a source of earlier outcomes.

The runtime knows nothing of files. Whoever composes a run (``run_graph``, ``Swarm``) may hand
the scheduler

- :class:`ResultSink` s — event sinks with an ``on_result`` hook, called with every completed
  (or restored) task's full value *before* its terminal event is emitted, so that the value is
  durable before anyone hears of it; if one raises, the attempt fails with that error instead
  of completing;
- a :class:`Restorer`, asked about each task as it is added: a :class:`Restored` outcome
  means the task finished in an earlier, interrupted run and is not executed again (a
  ``task.restored`` event carries its stored result and tallies); :class:`Prior` tallies mean
  it was in flight, so it runs again with its attempt number continuing.

Both may carry the recorded **spans** of the earlier attempts (start, end and, for an attempt
that retried, its backoff delay, in the earlier run's time). Under the virtual clock the
scheduler re-enacts them: a restored attempt holds a slot for its recorded duration (its
``task.started`` and ``task.retrying`` events say ``"restored": true``; its work is not
called) and the result arrives when the earlier run had it, so a resumed simulation keeps the
uninterrupted run's timeline and timeline metrics. Under the real clock restored work takes
no time.

The trace layer implements both (:mod:`swarmnb.trace.results`, :mod:`swarmnb.trace.resume`).

Example::

    class Remember:                          # a ResultSink that keeps values in memory
        def __init__(self): self.values = {}
        def on_event(self, event, line): pass
        def on_result(self, task, value, fields): self.values[task.id] = value
        def close(self): pass
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ..graph import Task

__all__ = ["TALLY_NAMES", "Prior", "Restored", "Restorer", "ResultSink", "Span"]

#: One earlier attempt: ``(start, end)``, or ``(start, end, delay)`` for one that retried.
Span = tuple[float, ...]

#: The tallies a :class:`Prior` counts, in order.
TALLY_NAMES = ("attempts", "retries", "tokens_in", "tokens_out", "cost_usd", "steps")


@dataclass(frozen=True, slots=True, kw_only=True)
class Prior:
    """What earlier runs spent on a task that had not finished: attempts, retries, usage."""

    attempts: int = 0
    retries: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    steps: int = 0
    #: The attempts that ended in a retry, to re-enact under the virtual clock (oldest first).
    spans: tuple[Span, ...] = ()

    def fields(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts, "retries": self.retries, "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out, "cost_usd": self.cost_usd, "steps": self.steps,
        }  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Restored:
    """A task that completed in an earlier run: its full value and its tallies there."""

    value: Any
    tallies: Prior = field(default_factory=Prior)
    source: str = ""  #: the run it was restored from
    #: Every attempt it took, the last one completing, to re-enact under the virtual clock.
    spans: tuple[Span, ...] = ()


@runtime_checkable
class ResultSink(Protocol):
    """An event sink that also receives each completed task's full value, before the task's
    terminal event is emitted (``fields`` are that event's fields). Attach it like any sink:
    the run hands every attached sink with ``on_result`` to the scheduler."""

    def on_result(self, task: Task, value: Any, fields: Mapping[str, Any]) -> None: ...


class Restorer(Protocol):
    """Knows how tasks of an interrupted run ended; asked once per task as it is added."""

    def resumed_fields(self) -> dict[str, Any]:
        """The fields of the run's ``run.resumed`` event (from which run, trace, seq, time)."""
        ...

    def restore(self, task: Task) -> Restored | Prior | None:
        """The stored outcome of ``task``, its prior tallies if it was in flight, or ``None``."""
        ...

    def changed(self, task: Task) -> bool:
        """Whether ``task`` had a stored result that its definition no longer matches."""
        ...
