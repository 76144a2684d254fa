"""The two entry points for running a task graph: :func:`run_graph` and :func:`run_graph_sync`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .graph import TaskGraph
from .runtime.budget import Budget
from .runtime.run import Run
from .runtime.start import start_run

__all__ = ["run_graph", "run_graph_sync"]


def run_graph(
    graph: TaskGraph,
    work: Callable[..., Any] | None,
    *,
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
) -> Run:
    """Start running ``graph`` now and return its live :class:`Run`; ``await`` it to finish.

    Each task runs ``work(task, ctx)`` — async, or sync (then in a worker thread; inline under
    the virtual clock) — as soon as its own dependencies completed, with at most
    ``max_concurrency`` running at once (and at most ``profile_limits[p]`` of profile ``p``).
    Transient faults (:class:`RetryableError`, timeouts, provider 429/5xx) retry with
    exponential backoff and jitter up to the task's ``max_retries``; any other exception fails
    the task and skips its descendants. ``budget`` caps dollars, tokens, seconds and steps.
    ``clock="virtual"`` makes sleeps inside work free (simulated time). ``trace`` is a folder
    for the JSONL trace and SQLite index (``None``: no files). ``seed`` fixes backoff jitter
    and ``ctx.rng``. ``resume`` (a trace path or a run id in ``trace``) continues an
    interrupted run: tasks it completed are restored from its result store, not run again.

    Example::

        run = await sn.run_graph(g, work, max_concurrency=8, clock="virtual", trace=None)
        run.status, run.metrics["wall_clock_ms"]
    """
    return start_run(
        work,
        graph,
        max_concurrency=max_concurrency,
        profile_limits=profile_limits,
        budget=budget,
        clock=clock,
        trace=trace,
        seed=seed,
        name=name,
        backoff_base=backoff_base,
        backoff_max=backoff_max,
        resume=resume,
    )


def run_graph_sync(
    graph: TaskGraph,
    work: Callable[..., Any] | None,
    **options: Any,
) -> Run:
    """:func:`run_graph`, blocking until the run finishes; same keyword arguments.

    Works from a plain script (a fresh loop in this thread) and from inside a running loop such
    as a notebook cell (the run gets its own loop in a worker thread while this one waits).
    """
    return start_run(work, graph, _blocking=True, **options)
