"""The composition root for runs: :func:`run_graph`, :func:`run_graph_sync`, :func:`start_run`.

The runtime knows events and graphs and nothing above them. This module is where a run gets
its observers: the metrics folder (so ``run.metrics`` is ready the moment it ends), the JSONL
trace, SQLite index and result store when ``trace=`` names a folder, then any ``sinks=`` of the
caller; and, with ``resume=``, the plan that restores what an interrupted run completed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .events import EventSink
from .graph import TaskGraph
from .metrics import RunFolder
from .runtime.backends import Backend
from .runtime.budget import Budget
from .runtime.options import RunOptions, SinkSpec
from .runtime.run import Driver, Run
from .runtime.start import check_work, launch
from .trace.results import ResultStore
from .trace.resume import ResumePlan
from .trace.sink import TraceSink

__all__ = ["run_graph", "run_graph_sync", "start_run"]


def start_run(
    work: Callable[..., Any] | None = None,
    graph: TaskGraph | None = None,
    *,
    driver: Driver | None = None,
    options: RunOptions | None = None,
    resume: str | Path | None = None,
    about: Mapping[str, Any] | None = None,
    _blocking: bool = False,
    **option_values: Any,
) -> Run:
    """Build a run from ``options`` (or keyword options), attach its sinks and start it.

    With ``trace=`` a folder, the run also keeps a result store (full values of completed
    tasks), whose header also holds ``about`` (plain data: how to rebuild the run, for
    ``swarmnb resume``); ``resume`` (a trace path or run id) restores what an interrupted
    run completed.
    """
    if options is None:
        if "sinks" in option_values:
            option_values["sinks"] = tuple(option_values["sinks"] or ())
        options = RunOptions(**option_values)
    elif option_values:
        options = options.replace(**option_values)
    check_work(work, graph, driver)
    run = Run(options=options, summary=RunFolder())
    plan = None
    if resume is not None:
        plan = ResumePlan.load(resume, trace_dir=options.trace).check(run.name, graph)
        run.restore_from(plan)
    if options.trace is not None:
        recorder = TraceSink(options.trace, run)
        run.trace_path = recorder.path
        run.attach(recorder)
        store = ResultStore.for_run(run, recorder.path, work, about=about)
        if plan is not None:  # nothing the interrupted run left is lost if this one dies too
            store.carry(plan.records, plan.in_flight)
        run.attach(store)
    for spec in options.sinks:
        run.attach(_make_sink(spec, run))
    return launch(run, graph, work, driver, blocking=_blocking)


def _make_sink(spec: SinkSpec, run: Run) -> EventSink:
    if isinstance(spec, EventSink):
        return spec
    if callable(spec):
        return spec(run)
    raise TypeError(f"sinks takes event sinks or callables run -> sink, not {spec!r}")


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
    backend: Backend | None = None,
    sinks: Sequence[SinkSpec] = (),
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
    and ``ctx.rng``. ``backend`` decides where attempts execute (default: a
    :class:`~swarmnb.backends.LocalBackend` the run creates and closes). ``sinks`` are extra
    :class:`~swarmnb.events.EventSink` objects (or callables ``run -> sink``) that receive
    every event and are closed when the run ends. ``resume`` (a trace path, or a run id in
    ``trace``) continues an interrupted run: the tasks it completed are restored from its
    result store, not run again (see ``docs/durability.md``).

    Example::

        run = await sn.run_graph(g, work, max_concurrency=8, clock="virtual", trace=None)
        run.status, run.metrics["wall_clock_ms"]
    """
    return start_run(
        work,
        graph,
        max_concurrency=max_concurrency,
        profile_limits=profile_limits or {},
        budget=budget,
        clock=clock,
        trace=trace,
        seed=seed,
        name=name,
        backoff_base=backoff_base,
        backoff_max=backoff_max,
        backend=backend,
        sinks=sinks,
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
