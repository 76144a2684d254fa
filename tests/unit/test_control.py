"""Pause, resume, cancel and live concurrency changes from another coroutine or thread."""

import asyncio

import swarmnb as sn
from swarmnb.runtime.clock import run_in_new_loop
from tests.helpers import of_kind, terminal_counts


def chain(n: int) -> sn.TaskGraph:
    g = sn.TaskGraph()
    for i in range(n):
        g.add(id=f"t{i}", deps=[f"t{i - 1}"] if i else [])
    return g


async def one_second(task, ctx):
    await asyncio.sleep(1.0)
    return task.id


def test_pause_and_resume_from_another_coroutine():
    async def main():
        run = sn.run_graph(chain(10), one_second, clock="virtual", trace=None)
        await asyncio.sleep(3.5)
        run.pause()
        assert run.paused
        await asyncio.sleep(100.0)
        run.resume()
        return await run

    run = run_in_new_loop(main, "virtual")
    assert run.status == "completed"
    starts = [e["t"] for e in of_kind(run, "task.started")]
    # t3 was running at the pause and finishes at 4.0; nothing starts until the resume at 103.5
    assert starts[:4] == [0.0, 1.0, 2.0, 3.0]
    assert starts[4] == 103.5
    assert run.metrics["wall_clock_ms"] == 109_500.0


def test_cancel_from_another_coroutine():
    async def main():
        g = chain(5)
        g.add(id="side")
        run = sn.run_graph(g, one_second, clock="virtual", trace=None)
        await asyncio.sleep(2.5)
        run.cancel()
        return await run

    run = run_in_new_loop(main, "virtual")
    assert run.status == "cancelled"
    counts = terminal_counts(run)
    assert len(counts) == 6 and set(counts.values()) == {1}
    running_cut = of_kind(run, "task.cancelled", "t2")[0]
    assert running_cut["t"] == 2.5 and running_cut["reason"] == "run cancelled"
    assert run.metrics["n_completed"] == 3  # t0, t1 and side


def test_set_concurrency_changes_the_live_limit():
    async def main():
        g = sn.TaskGraph()
        for i in range(20):
            g.add(id=f"t{i}")
        run = sn.run_graph(g, one_second, max_concurrency=2, clock="virtual", trace=None)
        await asyncio.sleep(2.5)
        run.set_concurrency(8)
        return await run

    run = run_in_new_loop(main, "virtual")
    starts = [e["t"] for e in of_kind(run, "task.started")]
    assert starts.count(0.0) == 2 and starts.count(1.0) == 2
    assert starts.count(2.5) == 6  # 8 allowed, 2 running
    assert run.max_concurrency == 8 and run.metrics["max_parallelism"] == 8


async def test_cancel_a_virtual_run_from_the_callers_loop():
    """A virtual run started from a real loop lives in its own thread; control crosses over."""
    gate_never_opens = None

    async def blocked(task, ctx):
        nonlocal gate_never_opens
        gate_never_opens = asyncio.Event()
        await gate_never_opens.wait()

    g = sn.TaskGraph()
    g.add(id="blocked")
    g.add(id="after", deps=["blocked"])
    run = sn.run_graph(g, blocked, clock="virtual", trace=None)
    while not of_kind(run, "task.started"):
        await asyncio.sleep(0.01)
    run.cancel()
    run = await run
    assert run.status == "cancelled"
    assert {e["task"] for e in of_kind(run, "task.cancelled")} == {"blocked", "after"}


async def test_pause_before_start_is_honoured():
    async def quick(task, ctx):
        await asyncio.sleep(0.001)

    run = sn.run_graph(chain(3), quick, clock="real", trace=None)
    run.pause()
    await asyncio.sleep(0.05)
    assert of_kind(run, "task.started") == []
    run.resume()
    run = await asyncio.wait_for(run._await_task(), timeout=10)
    assert run.status == "completed"
