"""Starting a run: check the graph and the work, then run on the right loop and thread.

:func:`launch` picks where a :class:`~swarmnb.Run` happens — the caller's loop for
``clock="real"``; a :class:`~swarmnb.runtime.clock.VirtualClockLoop`, in a thread of its own
when the caller is inside a real loop (a notebook cell), for ``clock="virtual"`` — and
returns the live run at once. The composition root (:func:`swarmnb.run_graph`,
:class:`swarmnb.Swarm`) builds the run, attaches its sinks, and calls it.

Example::

    run = Run(options=RunOptions(clock="virtual", trace=None))
    launch(run, graph, work)       # inside a running loop
    await run
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ..graph import TaskGraph
from .clock import VirtualClockLoop, run_in_new_loop, start_in_thread
from .run import Driver, Run

__all__ = ["check_work", "launch"]


def check_work(
    work: Callable[..., Any] | None, graph: TaskGraph | None, driver: Driver | None
) -> None:
    """Validate what a run will execute, before anything starts."""
    if graph is not None:
        if not isinstance(graph, TaskGraph):
            raise TypeError(f"graph must be a swarmnb.TaskGraph, not {type(graph).__name__}")
        graph.validate()
    if work is not None and not callable(work):
        raise TypeError(f"work must be callable, not {type(work).__name__}")
    if work is None and driver is None and graph is not None and any(t.work is None for t in graph):
        raise TypeError("run_graph needs a work callable (or every task needs its own `work`)")


def launch(
    run: Run,
    graph: TaskGraph | None = None,
    work: Callable[..., Any] | None = None,
    driver: Driver | None = None,
    *,
    blocking: bool = False,
) -> Run:
    """Start ``run`` on the right loop and thread; with ``blocking``, wait for it to end."""
    clock_name = run.options.clock

    def main() -> Any:
        return run._main(graph, work, driver)

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is None:
        if not blocking:
            raise RuntimeError(
                "run_graph needs a running event loop (await it in a notebook or async code); "
                "from a plain script use sn.run_graph_sync(...)"
            )
        run_in_new_loop(main, clock_name)
        return run
    on_matching_loop = isinstance(loop, VirtualClockLoop) == (clock_name == "virtual")
    if on_matching_loop and not blocking:
        run._async_task = loop.create_task(main())
    else:
        run._thread_future = start_in_thread(main, clock_name, name=f"swarmnb-{run.id}")
        if blocking:
            run._thread_future.result()
    return run


def __getattr__(name: str) -> Any:
    if name == "start_run":  # moved up: the runtime does not build a run's sinks
        raise AttributeError(
            "start_run moved to swarmnb._api (the composition root that attaches the trace, "
            "index and metrics sinks): use `from swarmnb._api import start_run`"
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
