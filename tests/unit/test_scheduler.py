"""Scheduling semantics (DESIGN §3) on the virtual clock, with exact simulated times."""

import asyncio
import threading

import pytest

import swarmnb as sn
from tests.helpers import first_time, of_kind, statuses, terminal_counts


def sleeper(durations: dict[str, float], result=None):
    async def work(task: sn.Task, ctx: sn.Context):
        await asyncio.sleep(durations.get(task.id, 1.0))
        return result if result is not None else task.id.upper()

    return work


def run_virtual(graph, work, **options):
    options.setdefault("trace", None)
    return sn.run_graph_sync(graph, work, clock="virtual", **options)


def test_successor_starts_while_unrelated_branch_still_runs():
    g = sn.TaskGraph()
    g.add(id="fast")
    g.add(id="after_fast", deps=["fast"])
    g.add(id="slow")
    g.add(id="join", deps=["after_fast", "slow"])
    run = run_virtual(g, sleeper({"fast": 1.0, "after_fast": 2.0, "slow": 10.0, "join": 1.0}))
    assert run.status == "completed"
    assert first_time(run, "task.started", "after_fast") == 1.0
    assert first_time(run, "task.completed", "after_fast") == 3.0
    assert first_time(run, "task.completed", "slow") == 10.0
    assert first_time(run, "task.started", "join") == 10.0
    assert run.metrics["wall_clock_ms"] == 11_000.0


def test_results_flow_to_dependants():
    g = sn.TaskGraph()
    g.add(id="a")
    g.add(id="b")
    g.add(id="sum", deps=["a", "b"])

    async def work(task, ctx):
        if task.id == "sum":
            return ctx.inputs["a"] + ctx.inputs["b"]
        return {"a": 2, "b": 40}[task.id]

    run = run_virtual(g, work)
    assert run.results == {"a": 2, "b": 40, "sum": 42}
    assert run.result_of("sum") == 42


def test_sync_work_runs_in_threads():
    g = sn.TaskGraph()
    for i in range(6):
        g.add(id=f"t{i}")
    threads = set()

    def work(task, ctx):
        threads.add(threading.get_ident())
        return task.id

    run = sn.run_graph_sync(g, work, trace=None)
    assert run.status == "completed"
    assert threading.get_ident() not in threads
    assert sorted(run.results.values()) == [f"t{i}" for i in range(6)]


def test_transient_faults_retry_with_growing_backoff():
    g = sn.TaskGraph()
    g.add(id="flaky", max_retries=3)
    calls = []

    async def work(task, ctx):
        calls.append(ctx.attempt)
        if ctx.attempt < 4:
            raise sn.RetryableError("try again")
        return "ok"

    run = run_virtual(g, work, backoff_base=1.0, seed=3)
    assert run.status == "completed" and calls == [1, 2, 3, 4]
    delays = [e["delay"] for e in of_kind(run, "task.retrying")]
    for attempt, delay in enumerate(delays, start=1):
        base = 2 ** (attempt - 1)
        assert 0.5 * base <= delay < 1.5 * base
    starts = [e["t"] for e in of_kind(run, "task.started")]
    assert starts[1:] == pytest.approx([sum(delays[:k]) for k in range(1, 4)])
    assert run.metrics["retry_count"] == 3
    assert run.tasks.loc[0, "attempts"] == 4


def test_retry_after_replaces_backoff():
    g = sn.TaskGraph()
    g.add(id="limited", max_retries=1)

    async def work(task, ctx):
        if ctx.attempt == 1:
            raise sn.RetryableError("429", retry_after=7.5)
        return 1

    run = run_virtual(g, work)
    assert of_kind(run, "task.retrying")[0]["delay"] == 7.5
    assert of_kind(run, "task.started")[1]["t"] == 7.5


def test_a_retried_task_keeps_its_place_ahead_of_later_work():
    g = sn.TaskGraph()
    for tid in ("flaky", "b", "c", "d"):
        g.add(id=tid, max_retries=1)

    async def work(task, ctx):
        await asyncio.sleep(1.0)
        if task.id == "flaky" and ctx.attempt == 1:
            raise sn.RetryableError("429", retry_after=0.5)
        return 1

    run = run_virtual(g, work, max_concurrency=1)
    order = [(e["task"], e["attempt"]) for e in of_kind(run, "task.started")]
    # back from its backoff while b runs, flaky goes before c and d, which were queued behind it
    assert order == [("flaky", 1), ("b", 1), ("flaky", 2), ("c", 1), ("d", 1)]


def test_provider_style_status_codes_are_retryable():
    class RateLimited(Exception):
        status_code = 429

    g = sn.TaskGraph()
    g.add(id="x", max_retries=1)

    async def work(task, ctx):
        if ctx.attempt == 1:
            raise RateLimited("slow down")
        return 1

    assert run_virtual(g, work, backoff_base=0.0).status == "completed"


def test_retries_run_out_then_fail():
    g = sn.TaskGraph()
    g.add(id="doomed", max_retries=2)

    async def work(task, ctx):
        raise sn.RetryableError("always")

    run = run_virtual(g, work, backoff_base=0.0)
    assert run.status == "failed"
    assert len(of_kind(run, "task.started")) == 3
    assert len(of_kind(run, "task.retrying")) == 2
    assert "always" in of_kind(run, "task.failed")[0]["error"]


def test_timeouts_retry_then_fail():
    g = sn.TaskGraph()
    g.add(id="stuck", timeout=5.0, max_retries=1)
    run = run_virtual(g, sleeper({"stuck": 100.0}), backoff_base=0.0)
    failed = of_kind(run, "task.failed")[0]
    assert "TaskTimeout" in failed["error"]
    assert failed["t"] == 10.0
    assert len(of_kind(run, "task.retrying")) == 1


def test_other_exceptions_fail_at_once_and_skip_descendants():
    g = sn.TaskGraph()
    g.add(id="bad", max_retries=5)
    g.add(id="child", deps=["bad"])
    g.add(id="grandchild", deps=["child"])
    g.add(id="unrelated")

    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("no")

    async def work(task, ctx):
        if task.id == "bad":
            raise Unprintable()
        return 1

    run = run_virtual(g, work)
    assert run.status == "failed"
    assert statuses(run) == {
        "bad": "failed",
        "child": "skipped",
        "grandchild": "skipped",
        "unrelated": "completed",
    }
    assert len(of_kind(run, "task.started", "bad")) == 1
    for task in ("child", "grandchild"):
        skipped = of_kind(run, "task.skipped", task)[0]
        assert skipped["cause"] == "bad" and "'bad' failed" in skipped["reason"]
    assert set(terminal_counts(run).values()) == {1}


def test_global_and_per_profile_limits_hold():
    g = sn.TaskGraph()
    for i in range(12):
        g.add(id=f"L{i}", profile="large")
        g.add(id=f"S{i}", profile="small")
    run = run_virtual(g, sleeper({}), max_concurrency=5, profile_limits={"large": 2})
    profile = {t.id: t.profile for t in g}
    running: dict[str, int] = {"large": 0, "small": 0}
    peak = {"large": 0, "total": 0}
    for e in run.events:
        if e["kind"] == "task.started":
            running[profile[e["task"]]] += 1
        elif e["kind"] in ("task.completed", "task.failed", "task.retrying"):
            running[profile[e["task"]]] -= 1
        peak["large"] = max(peak["large"], running["large"])
        peak["total"] = max(peak["total"], sum(running.values()))
    assert peak == {"large": 2, "total": 5}
    assert run.status == "completed"


def test_invalid_arguments_are_clear():
    g = sn.TaskGraph()
    g.add(id="a")
    work = sleeper({})
    with pytest.raises(ValueError, match="max_concurrency"):
        sn.run_graph_sync(g, work, max_concurrency=0)
    with pytest.raises(ValueError, match="clock"):
        sn.run_graph_sync(g, work, clock="fast")
    with pytest.raises(TypeError, match="TaskGraph"):
        sn.run_graph_sync({"a": 1}, work)
    with pytest.raises(TypeError, match="callable"):
        sn.run_graph_sync(g, "work")
    with pytest.raises(TypeError, match="Budget"):
        sn.run_graph_sync(g, work, budget={"usd": 1})
    with pytest.raises(ValueError, match="profile_limits"):
        sn.run_graph_sync(g, work, profile_limits={"large": -1})
    with pytest.raises(RuntimeError, match="run_graph_sync"):
        sn.run_graph(g, work)
    bad = sn.TaskGraph()
    bad.add(id="x", deps=["y"])
    with pytest.raises(sn.GraphError):
        sn.run_graph_sync(bad, work)


def test_rng_is_deterministic_per_task_and_attempt():
    g = sn.TaskGraph()
    g.add(id="a")
    g.add(id="b")

    async def work(task, ctx):
        return ctx.rng.random()

    one = run_virtual(g, work, seed=7).results
    two = run_virtual(g, work, seed=7).results
    other = run_virtual(g, work, seed=8).results
    assert one == two and one != other and one["a"] != one["b"]


def test_empty_graph_completes():
    run = run_virtual(sn.TaskGraph(), sleeper({}))
    assert run.status == "completed" and run.metrics["n_tasks"] == 0


def test_driver_submits_tasks_and_awaits_results():
    from swarmnb._api import start_run
    from swarmnb.runtime.clock import run_in_new_loop

    async def work(task, ctx):
        await asyncio.sleep(2.0)
        if task.id == "bad":
            raise ValueError("no good")
        return sum(ctx.inputs.values()) + 1 if task.deps else 1

    async def driver(run):
        run.submit("first", id="one")
        run.submit("second", id="two", deps=["one"])
        run.submit("broken", id="bad")
        run.submit("after broken", id="never", deps=["bad"])
        run.emit("policy.decision", stage=0, action="assign")
        assert await run.result("two") == 2
        with pytest.raises(sn.TaskFailed) as failed:
            await run.result("never")
        assert failed.value.status == "skipped" and "'bad' failed" in failed.value.reason
        with pytest.raises(sn.GraphError, match="unknown"):
            run.submit("orphan", id="orphan", deps=["missing"])
        run.set_outcome(answer="done", success_rate=0.5)
        return "done"

    async def main():
        return await start_run(work, driver=driver, clock="virtual", trace=None)

    run = run_in_new_loop(main, "virtual")
    assert run.status == "failed" and run.answer == "done"
    assert run.metrics["success_rate"] == 0.5
    assert statuses(run) == {
        "one": "completed",
        "two": "completed",
        "bad": "failed",
        "never": "skipped",
    }
    assert run.metrics["wall_clock_ms"] == 4000.0
