"""The runtime: scheduler, clocks, budgets, contexts, backends and the run handle.

The runtime is layer 2: it imports only ``_exceptions``, ``events``, ``graph`` and
``metrics`` (and, when ``run.dashboard()`` is called, ``ui``). Everything else plugs in
through two seams, so a new consumer or a new place to execute work never means editing the
core:

**Event sinks** — where events go. A sink is any object with::

    def on_event(self, event: dict, line: str) -> None   # every event, in order
    def close(self) -> None                              # once, after run.finished

(:class:`swarmnb.events.EventSink`). ``on_event`` runs synchronously on the run's thread
right after the event is appended (``line`` is its JSON encoding): be quick, never block.
``close`` comes after the run's status and metrics are final; sinks close in the order they
were attached. The composition root (:func:`swarmnb.run_graph`, :class:`swarmnb.Swarm`)
attaches the metrics folder, then the JSONL trace + SQLite index (``trace=``), then the
caller's ``sinks=`` — sinks or callables ``run -> sink`` (one sink per run, e.g. for a
:class:`~swarmnb.Swarm` that runs many episodes). A result store, OpenTelemetry or NATS is one
more sink. For a live view from another thread use ``run.subscribe`` instead.

**Backends** — where an attempt's work executes (:mod:`swarmnb.runtime.backends`, also
``sn.backends``): ``async run(work, task, ctx)`` and ``close()``. The scheduler keeps every
task's state; the backend only runs attempts. :class:`~swarmnb.backends.LocalBackend` is the
default.

Options travel as one frozen :class:`RunOptions`.

Example::

    class Printer:
        def on_event(self, event, line):
            print(line)
        def close(self):
            pass

    run = await sn.run_graph(g, work, trace=None, sinks=[Printer()],
                             backend=sn.backends.LocalBackend(max_workers=4))
"""

from .._exceptions import (
    BudgetExceeded,
    CapabilityDenied,
    GraphError,
    ModelError,
    RetryableError,
    StructuredOutputError,
    SwarmError,
    TaskFailed,
    TaskTimeout,
)
from ..events import EventSink
from .backends import Backend, LocalBackend
from .budget import Budget, Usage
from .clock import VirtualClockLoop
from .context import Context
from .options import RunOptions
from .run import Run, RunSummary
from .start import launch

__all__ = [
    "Backend",
    "Budget",
    "BudgetExceeded",
    "CapabilityDenied",
    "Context",
    "EventSink",
    "GraphError",
    "LocalBackend",
    "ModelError",
    "RetryableError",
    "Run",
    "RunOptions",
    "RunSummary",
    "StructuredOutputError",
    "SwarmError",
    "TaskFailed",
    "TaskTimeout",
    "Usage",
    "VirtualClockLoop",
    "launch",
]
