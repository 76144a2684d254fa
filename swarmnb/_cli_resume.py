"""``swarmnb resume RUN``: continue an interrupted run or episode from its trace and store.

A **graph run** is rebuilt from the trace's ``task.queued`` events (prompt, dependencies,
profile, role, stage, agent — what the fingerprints cover; retries and timeouts take their
defaults), the work function is the one the run recorded when it was an importable
module-level function (or ``--work module:function``), and the clock, seed and concurrency are
the run's own. An **episode** is rebuilt from the recipe its result store's header keeps
(:mod:`swarmnb.orchestrator.recipe`: scenario, decision, models, limits, seed). A run whose
work, scenario or policy lives only in a notebook or script cannot be rebuilt here:
:class:`~swarmnb.ResumeNotRebuildable` says how to resume it from Python.

Example::

    swarmnb demo --graph --out reports/demo      # interrupted with Ctrl-C or a crash
    swarmnb resume r20261130-101500-1a2b3c4d --trace reports/demo/runs
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
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
    from swarmnb.trace.results import read_results, results_path
    from swarmnb.trace.resume import resolve_trace

    trace = resolve_trace(args.run, args.trace)
    header, records, _ = read_results(results_path(trace))
    if "episode" in header:
        return _resume_episode(trace, header, len(records))
    return _resume_graph(args, trace, header, len(records))


def _resume_episode(trace: Path, header: dict[str, Any], stored: int) -> int:
    from swarmnb.orchestrator.rebuild import start_from_recipe
    from swarmnb.orchestrator.recipe import check_recipe
    from swarmnb.runtime.clock import run_in_new_loop

    recipe, run_id = header["episode"], header["run"]
    check_recipe(recipe, resume=trace, run=run_id)  # refuse before anything starts
    print(f"resuming episode {run_id} ({header.get('name')}): {stored} stored results")

    async def main() -> Any:
        return await start_from_recipe(recipe, trace=trace.parent, resume=trace, run=run_id)

    episode = run_in_new_loop(main, recipe["run"]["clock"])
    finished = episode.run.events[-1]
    answer = str(finished.get("answer", episode.answer))
    print(f"answer: {answer if len(answer) <= 300 else answer[:299] + '…'}")
    return _report(episode.run)


def _report(run: Any) -> int:
    restored = sum(e["kind"] == "task.restored" for e in run.events)
    print(f"{run.name} ({run.id}): {run.status}; {restored} tasks restored, not run again")
    simulated = run.clock == "virtual"
    for name, value in run.metrics.items():
        shown = f"{value:,.4f}" if isinstance(value, float) else str(value)
        note = "  (virtual clock: simulated time)" if simulated and name == "wall_clock_ms" else ""
        print(f"  {name:<20}  {shown}{note}")
    print(f"trace: {run.trace_path}")
    return 0 if run.status == "completed" else 1


def _resume_graph(
    args: argparse.Namespace, trace: Path, header: dict[str, Any], stored: int
) -> int:
    import swarmnb as sn
    from swarmnb.trace.recorder import read_events

    python = f"resume it from Python: sn.run_graph(graph, work, resume={str(trace)!r})"
    reference = args.work or header.get("work")
    graph = sn.TaskGraph()
    for event in read_events(trace):
        if event["kind"] != "task.queued":
            continue
        fields = {k: event[k] for k in ("profile", "role", "stage", "agent") if k in event}
        graph.add(event.get("prompt", ""), id=event["task"], deps=event.get("deps", ()), **fields)
    if any(t.role == "orchestrator" for t in graph) or ":" in str(header.get("name")):
        raise sn.ResumeNotRebuildable(
            f"run {header['run']} is an episode recorded without a recipe (by an older "
            "swarmnb); resume it from Python with the same objects: "
            f"swarm.solve(scenario, resume={str(trace)!r})"
        )
    if not reference:
        raise sn.ResumeNotRebuildable(
            f"run {header['run']} did not record an importable work function (one defined in "
            f"a notebook or script cannot be imported again); pass --work module:function, or "
            f"{python}"
        )
    if not len(graph):
        raise sn.ResumeNotRebuildable(
            f"{trace} holds no task definitions (it was cut before they were written); {python}"
        )
    print(f"resuming {header['run']}: {stored} stored results, {len(graph)} tasks")
    run = sn.run_graph_sync(
        graph, _import(reference), trace=trace.parent, resume=trace,
        clock=header.get("clock", "real"), seed=header.get("seed", 0),
        max_concurrency=header.get("max_concurrency", 64), name=header.get("name"),
    )  # fmt: skip
    return _report(run)


def add_resume(sub: Any) -> None:
    """Register ``swarmnb resume`` on the CLI's subcommands."""
    resume = sub.add_parser("resume", help="continue an interrupted run from its trace")
    resume.add_argument("run", help="a trace file, or a run id inside --trace")
    resume.add_argument("--trace", default="runs/", help="the trace folder (default runs/)")
    resume.add_argument("--work", default=None, help="the work function, as module:function")
    resume.set_defaults(func=_resume)
