"""Where a task's work executes: the :class:`Backend` seam and the backends that fill it.

The scheduler owns every task's state — readiness, retries, budgets, cancellation, events —
and hands each *attempt* to a backend, which only runs ``work(task, ctx)`` and returns its
value (or raises). Swapping the backend moves where work runs without changing what a run
means: the same graph, seeds and faults give the same events.

- :class:`LocalBackend` — the default: coroutines on the run's loop, sync callables in a
  thread pool (inline under the virtual clock).

Example::

    import swarmnb as sn

    with sn.backends.LocalBackend(max_workers=8) as backend:
        run = await sn.run_graph(g, work, backend=backend)

A backend you pass in is yours: the run never closes it, so one backend can serve many runs
(a :class:`~swarmnb.Swarm` hands the same one to every episode). The run closes only the
default backend it created itself.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._base import Backend, WorkFn
from .local import LocalBackend

__all__ = ["Backend", "LocalBackend", "WorkFn"]

# Backends with optional dependencies live in their own module and load on first use, e.g.
# ``sn.backends.Ray`` from ``swarmnb/runtime/backends/ray.py``.
_LAZY = {"Ray": "ray"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        return getattr(importlib.import_module(f".{module}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
