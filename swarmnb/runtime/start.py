"""Starting a run: validate the arguments, then run on the right loop and thread.

``start_run`` is what :func:`swarmnb.run_graph`, :func:`swarmnb.run_graph_sync` and
:class:`swarmnb.Swarm` call. It picks where the run happens — the caller's loop for
``clock="real"``; a :class:`~swarmnb.runtime.clock.VirtualClockLoop`, in a thread of its own
when the caller is inside a real loop (a notebook cell), for ``clock="virtual"`` — and returns
the live :class:`~swarmnb.Run` at once.

Example::

    run = start_run(work, graph, clock="virtual", trace=None)   # inside a running loop
    await run
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..graph import TaskGraph
from .budget import Budget
from .clock import VirtualClockLoop, check_clock, run_in_new_loop, start_in_thread
from .run import Driver, Run, check_limit

__all__ = ["start_run"]


def start_run(
    work: Callable[..., Any] | None = None,
    graph: TaskGraph | None = None,
    *,
    driver: Driver | None = None,
    max_concurrency: int | None = 64,
    profile_limits: Mapping[str, int] | None = None,
    budget: Budget | None = None,
    clock: str = "real",
    trace: str | Path | None = "runs/",
    seed: int = 0,
    name: str | None = None,
    backoff_base: float = 0.5,
    backoff_max: float = 30.0,
    resume: str | Path | None = None,
    _blocking: bool = False,
) -> Run:
    """Validate the arguments and start a run; see :func:`swarmnb.run_graph`."""
    clock_name = check_clock(clock)
    if graph is not None:
        if not isinstance(graph, TaskGraph):
            raise TypeError(f"graph must be a swarmnb.TaskGraph, not {type(graph).__name__}")
        graph.validate()
    if work is not None and not callable(work):
        raise TypeError(f"work must be callable, not {type(work).__name__}")
    if work is None and driver is None and graph is not None and any(t.work is None for t in graph):
        raise TypeError("run_graph needs a work callable (or every task needs its own `work`)")
    check_limit(max_concurrency, "max_concurrency")
    limits = dict(profile_limits or {})
    for profile, limit in limits.items():
        check_limit(limit, f"profile_limits[{profile!r}]")
    if budget is not None and not isinstance(budget, Budget):
        raise TypeError(f"budget must be a swarmnb.Budget, not {type(budget).__name__}")
    if not isinstance(seed, int):
        raise TypeError(f"seed must be an int, not {seed!r}")
    if backoff_base < 0 or backoff_max < 0:
        raise ValueError("backoff_base and backoff_max must be ≥ 0")
    plan = None
    if resume is not None:
        from ..trace.resume import ResumePlan

        plan = ResumePlan.load(resume, trace_dir=trace)
        plan.check_name(name or "run")
        changed = plan.check_graph(graph) if graph is not None else []
    trace_dir = None
    if trace is not None:
        trace_dir = Path(trace)
        trace_dir.mkdir(parents=True, exist_ok=True)
    run = Run(
        name=name,
        clock=clock_name,
        trace_dir=trace_dir,
        options={
            "max_concurrency": max_concurrency,
            "profile_limits": limits,
            "budget": budget,
            "seed": seed,
            "backoff_base": backoff_base,
            "backoff_max": backoff_max,
            "resume": plan,
            "changed": changed if plan is not None else [],
        },
    )

    def main() -> Any:
        return run._main(graph, work, driver)

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is None:
        if not _blocking:
            raise RuntimeError(
                "run_graph needs a running event loop (await it in a notebook or async code); "
                "from a plain script use sn.run_graph_sync(...)"
            )
        run_in_new_loop(main, clock_name)
        return run
    on_matching_loop = isinstance(loop, VirtualClockLoop) == (clock_name == "virtual")
    if on_matching_loop and not _blocking:
        run._async_task = loop.create_task(main())
    else:
        run._thread_future = start_in_thread(main, clock_name, name=f"swarmnb-{run.id}")
        if _blocking:
            run._thread_future.result()
    return run
