"""``swarmnb resume RUN``: continue an interrupted graph run from its trace and result store.

The graph is rebuilt from the trace's ``task.queued`` events (prompt, dependencies, profile,
role, stage, agent — what the fingerprints cover; retries and timeouts take their defaults),
the work function is the one the run recorded when it was an importable module-level function
(or ``--work module:function``), and the clock, seed and concurrency are the run's own.
Episodes resume from Python: ``swarm.solve(scenario, resume=…)``.

Example::

    swarmnb demo --graph --out reports/demo      # interrupted with Ctrl-C or a crash
    swarmnb resume r20261130-101500-1a2b3c4d --trace reports/demo/runs
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

__all__ = ["add_resume"]


def _import(reference: str) -> Any:
    module, _, qualname = reference.partition(":")
    if not module or not qualname:
        raise ValueError(f"--work takes module:function, not {reference!r}")
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def _resume(args: argparse.Namespace) -> int:
    import swarmnb as sn
    from swarmnb.trace.recorder import read_events
    from swarmnb.trace.results import read_results, results_path
    from swarmnb.trace.resume import resolve_trace

    trace = resolve_trace(args.run, args.trace)
    header, records, _ = read_results(results_path(trace))
    reference = args.work or header.get("work")
    if not reference:
        raise ValueError(
            f"run {header['run']} did not record an importable work function; "
            "pass --work module:function"
        )
    graph = sn.TaskGraph()
    for event in read_events(trace):
        if event["kind"] != "task.queued":
            continue
        fields = {k: event[k] for k in ("profile", "role", "stage", "agent") if k in event}
        graph.add(event.get("prompt", ""), id=event["task"], deps=event.get("deps", ()), **fields)
    if any(t.role == "orchestrator" for t in graph) or ":" in str(header.get("name")):
        raise ValueError(
            f"run {header['run']} is an episode; resume it from Python with "
            "swarm.solve(scenario, resume=...)"
        )
    if not len(graph):
        raise ValueError(
            f"{trace} holds no task definitions (it was cut before they were written); resume "
            "from Python with the graph: sn.run_graph(g, work, resume=...)"
        )
    print(f"resuming {header['run']}: {len(records)} stored results, {len(graph)} tasks")
    run = sn.run_graph_sync(
        graph, _import(reference), trace=trace.parent, resume=trace,
        clock=header.get("clock", "real"), seed=header.get("seed", 0),
        max_concurrency=header.get("max_concurrency", 64), name=header.get("name"),
    )  # fmt: skip
    restored = sum(e["kind"] == "task.restored" for e in run.events)
    print(f"{run.name} ({run.id}): {run.status}; {restored} tasks restored, not run again")
    simulated = run.clock == "virtual"
    for name, value in run.metrics.items():
        shown = f"{value:,.4f}" if isinstance(value, float) else str(value)
        note = "  (virtual clock: simulated time)" if simulated and name == "wall_clock_ms" else ""
        print(f"  {name:<20}  {shown}{note}")
    print(f"trace: {run.trace_path}")
    return 0 if run.status == "completed" else 1


def add_resume(sub: Any) -> None:
    """Register ``swarmnb resume`` on the CLI's subcommands."""
    resume = sub.add_parser("resume", help="continue an interrupted run from its trace")
    resume.add_argument("run", help="a trace file, or a run id inside --trace")
    resume.add_argument("--trace", default="runs/", help="the trace folder (default runs/)")
    resume.add_argument("--work", default=None, help="the work function, as module:function")
    resume.set_defaults(func=_resume)
