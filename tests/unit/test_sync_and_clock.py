"""run_graph_sync from scripts and from running loops; the virtual clock."""

import asyncio
import subprocess
import sys
import textwrap

import networkx as nx
import pytest

import swarmnb as sn
from swarmnb.runtime.clock import VirtualClockLoop, run_in_new_loop


def test_run_graph_sync_in_a_plain_script(tmp_path):
    script = textwrap.dedent(
        """
        import asyncio, swarmnb as sn
        g = sn.TaskGraph()
        g.add(id="a"); g.add(id="b", deps=["a"])
        async def work(task, ctx):
            await asyncio.sleep(0.01)
            return task.id
        run = sn.run_graph_sync(g, work, trace=None)
        print(run.status, sorted(run.results.values()))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "completed ['a', 'b']"


async def test_run_graph_sync_inside_a_running_loop():
    g = sn.TaskGraph()
    g.add(id="a")
    g.add(id="b", deps=["a"])

    async def work(task, ctx):
        await asyncio.sleep(0.001)
        return task.id

    for clock in ("real", "virtual"):
        run = sn.run_graph_sync(g, work, clock=clock, trace=None)
        assert run.status == "completed" and run.results == {"a": "a", "b": "b"}
    awaited = await sn.run_graph(g, work, clock="virtual", trace=None)
    assert awaited.status == "completed"


def test_virtual_loop_jumps_to_timers():
    loop = VirtualClockLoop()
    try:
        order = []

        async def sleeper(name, seconds):
            await asyncio.sleep(seconds)
            order.append((name, loop.time()))

        async def main():
            await asyncio.gather(sleeper("late", 3600), sleeper("early", 5))

        loop.run_until_complete(main())
        assert order == [("early", 5.0), ("late", 3600.0)]
    finally:
        loop.close()


def test_virtual_loop_runs_executor_jobs_inline_in_zero_time():
    import threading

    async def main():
        loop = asyncio.get_running_loop()
        value = await loop.run_in_executor(None, threading.get_ident)
        failing = loop.run_in_executor(None, int, "x")
        with pytest.raises(ValueError):
            await failing
        await asyncio.sleep(10)
        return value, loop.time()

    value, now = run_in_new_loop(main, "virtual")
    assert value == threading.get_ident() and now == 10.0


def test_wall_clock_equals_longest_duration_weighted_path():
    g = sn.TaskGraph.random(1000, max_deps=3, window=40, seed=11)
    duration = {t.id: 1 + (hash(t.id) % 10) for t in g}  # 1–10 simulated seconds

    async def work(task, ctx):
        await asyncio.sleep(duration[task.id])

    run = sn.run_graph_sync(g, work, max_concurrency=None, clock="virtual", trace=None)
    weighted = nx.DiGraph()
    weighted.add_nodes_from(["source", *duration])
    weighted.add_edges_from(("source", t.id, {"w": duration[t.id]}) for t in g)
    weighted.add_edges_from((d, t.id, {"w": duration[t.id]}) for t in g for d in t.deps)
    longest = nx.dag_longest_path_length(weighted, weight="w")
    assert run.metrics["wall_clock_ms"] == pytest.approx(longest * 1000, rel=1e-12)
    assert run.metrics["max_parallelism"] > 1
