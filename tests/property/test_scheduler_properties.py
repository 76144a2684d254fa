"""Scheduler invariants over random graphs, faults, timeouts and limits (hypothesis)."""

from __future__ import annotations

import asyncio
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import swarmnb as sn

OUTCOMES = ("ok", "ok", "ok", "retry", "timeout", "fail")


@st.composite
def scenarios(draw):
    n = draw(st.integers(min_value=1, max_value=200))
    graph = sn.TaskGraph()
    script: dict[str, list[str]] = {}
    for i in range(n):
        k = draw(st.integers(min_value=0, max_value=min(3, i)))
        picks = draw(st.lists(st.integers(0, i - 1), min_size=k, max_size=k)) if k else []
        deps = sorted(set(picks))
        profile = draw(st.sampled_from([None, "small", "large"]))
        timeout = draw(st.sampled_from([None, None, 2.0, 5.0]))
        graph.add(
            id=f"t{i}",
            deps=[f"t{j}" for j in deps],
            profile=profile,
            max_retries=draw(st.integers(0, 3)),
            timeout=timeout,
        )
        script[f"t{i}"] = draw(st.lists(st.sampled_from(OUTCOMES), min_size=1, max_size=5))
    limit = draw(st.sampled_from([None, 1, 2, 3, 8, 50]))
    profile_limits = draw(st.sampled_from([{}, {"large": 1}, {"large": 2, "small": 3}]))
    return graph, script, limit, profile_limits


def make_work(script):
    async def work(task, ctx):
        plan = script[task.id]
        outcome = plan[min(ctx.attempt - 1, len(plan) - 1)]
        await asyncio.sleep(ctx.rng.uniform(0.1, 3.0))
        if outcome == "retry":
            raise sn.RetryableError("injected")
        if outcome == "timeout":
            await asyncio.sleep(10.0)  # past every drawn timeout when one is set
        if outcome == "fail":
            raise RuntimeError("injected hard fault")
        return task.id

    return work


def descendants(graph: sn.TaskGraph, roots: set[str]) -> set[str]:
    children: dict[str, list[str]] = {t.id: [] for t in graph}
    for t in graph:
        for d in t.deps:
            children[d].append(t.id)
    seen: set[str] = set()
    stack = [c for r in roots for c in children[r]]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(children[node])
    return seen


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenarios())
def test_scheduler_invariants(case):
    graph, script, limit, profile_limits = case
    run = sn.run_graph_sync(
        graph, make_work(script), max_concurrency=limit, profile_limits=profile_limits,
        clock="virtual", trace=None, backoff_base=0.2,
    )  # fmt: skip
    assert_invariants(run, graph, limit, profile_limits)


def assert_invariants(run, graph, limit, profile_limits):
    """The scheduler's invariants over one finished run (any backend)."""
    events = run.events
    tasks = {t.id: t for t in graph}

    # every task gets exactly one terminal event
    terminal = Counter(e["task"] for e in events if e["kind"] in sn.events.TERMINAL_KINDS)
    assert set(terminal) == set(tasks) and set(terminal.values()) == {1}

    running: set[str] = set()
    per_profile: Counter[str] = Counter()
    completed: set[str] = set()
    retries: Counter[str] = Counter()
    final: dict[str, str] = {}
    for e in events:
        kind, tid = e["kind"], e.get("task")
        if kind == "task.started":
            # no task starts before all its dependencies completed
            assert set(tasks[tid].deps) <= completed, tid
            assert tid not in running
            running.add(tid)
            per_profile[tasks[tid].profile] += 1
            # running tasks never exceed the limits
            assert limit is None or len(running) <= limit
            for profile, cap in profile_limits.items():
                assert per_profile[profile] <= cap
        elif kind in ("task.retrying", "task.completed", "task.failed", "task.cancelled"):
            if tid in running:
                running.discard(tid)
                per_profile[tasks[tid].profile] -= 1
            if kind == "task.retrying":
                retries[tid] += 1
        if kind == "task.completed":
            completed.add(tid)
        if kind in sn.events.TERMINAL_KINDS:
            final[tid] = kind.removeprefix("task.")

    # retry counts never exceed max_retries
    for tid, count in retries.items():
        assert count <= tasks[tid].max_retries
    # a task is skipped exactly when an ancestor failed terminally
    failed = {tid for tid, status in final.items() if status == "failed"}
    skipped = {tid for tid, status in final.items() if status == "skipped"}
    assert skipped == descendants(graph, failed)
    assert run.status == ("failed" if failed else "completed")
