"""What a live dashboard costs a run, and how much it sends to the browser.

Runs a 5,000-task graph on the virtual clock (simulated seconds: the run is CPU-bound, the
worst case for an observer) with and without a Dashboard attached, the way a notebook does it:
the run lives in its own thread, the dashboard flushes on the caller's event loop. Widget
messages go to a counting comm that serialises them to JSON exactly as a kernel would, so the
figures include trait serialisation.

Prints the real and CPU time of each run, the slowdown, when the dashboard reaches the final
state, flushes and widget messages per real second, and bytes sent. On a shared machine the
real-time figures are noisy; runs are interleaved and medians reported. Usage::

    .venv/bin/python benchmarks/dashboard_overhead.py [--tasks 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import statistics
import time
from typing import Any

import comm
from comm.base_comm import BaseComm

import swarmnb as sn
from swarmnb.ui import Dashboard


class CountingComm(BaseComm):
    """Serialises every widget message like a kernel's iopub would, and counts it."""

    messages = 0
    bytes = 0

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None,
                    buffers: Any = None, **keys: Any) -> None:  # fmt: skip
        CountingComm.messages += 1
        CountingComm.bytes += len(json.dumps(data or {}, separators=(",", ":")))


def research_graph(n: int) -> sn.TaskGraph:
    """A planner, topics of 49 parallel look-ups with one merge each, and an answer."""
    g = sn.TaskGraph()
    g.add("plan", id="plan")
    merges = []
    k = 0
    while len(g) + 51 <= n:
        ids = [f"s{k}.{j}" for j in range(49)]
        for tid in ids:
            g.add(f"look up {tid}", id=tid, deps=["plan"])
        g.add(f"merge {k}", id=f"m{k}", deps=ids)
        merges.append(f"m{k}")
        k += 1
    while len(g) < n - 1:
        g.add("cross-check", id=f"x{len(g)}", deps=["plan"])
    g.add("answer", id="answer", deps=merges)
    return g


async def work(task: sn.Task, ctx: sn.Context) -> str:
    await asyncio.sleep(ctx.rng.uniform(0.5, 3.0))  # simulated model latency
    if ctx.attempt == 1 and ctx.rng.random() < 0.03:
        raise sn.RetryableError("429")
    ctx.record_usage(tokens_in=300, tokens_out=80, cost_usd=0.0003, steps=1)
    return task.id


async def one_run(graph: sn.TaskGraph, *, dashboard: bool) -> dict[str, Any]:
    CountingComm.messages = CountingComm.bytes = 0
    gc.collect()  # start every run from the same heap
    started, cpu0 = time.perf_counter(), time.process_time()
    run = sn.run_graph(graph, work, clock="virtual", trace=None, max_concurrency=64, seed=1)
    dash = Dashboard.for_run(run) if dashboard else None
    await run
    result: dict[str, Any] = {
        "run_s": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu0,
        "events": len(run.events),
    }
    if dash is not None:
        while dash.mode != "replay":  # the final flush follows the run within one interval
            await asyncio.sleep(0.002)
        settled = time.perf_counter() - started
        assert dash.state.counts["done"] == run.metrics["n_completed"]
        result.update(
            settled_s=settled,
            flushes=dash.feed.flushes,
            flush_s=dash.feed.flush_seconds,
            messages=CountingComm.messages,
            bytes=CountingComm.bytes,
        )
        dash.close()  # widgets live in a global registry until closed
    return result


async def main(n: int, repeat: int) -> None:
    comm.create_comm = lambda *a, **k: CountingComm(*a, **k)
    graph = research_graph(n)
    await one_run(research_graph(200), dashboard=True)  # warm up imports and caches
    bare, watched = [], []
    for i in range(repeat):  # interleaved A B B A …, so drift and load hit both alike
        for dashboard in (False, True) if i % 2 == 0 else (True, False):
            (watched if dashboard else bare).append(await one_run(graph, dashboard=dashboard))

    def med(rows: list[dict[str, Any]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    mid = sorted(watched, key=lambda r: r["settled_s"])[len(watched) // 2]
    wall = 100 * (med(watched, "run_s") / med(bare, "run_s") - 1)
    cpu = 100 * (med(watched, "cpu_s") / med(bare, "cpu_s") - 1)
    print(f"dashboard overhead — {n:,} tasks, virtual clock (simulated time), "
          f"max_concurrency=64, medians of {repeat} interleaved runs")  # fmt: skip
    print(f"  events per run                   {mid['events']:,}")
    for label, rows in (("no dashboard", bare), ("dashboard", watched)):
        wall_s, cpu_s = med(rows, "run_s"), med(rows, "cpu_s")
        best = min(r["run_s"] for r in rows)
        print(f"  run real time, {label:<17} {wall_s:.3f} s  (best {best:.3f}, CPU {cpu_s:.3f} s)")
    best = 100 * (min(r["run_s"] for r in watched) / min(r["run_s"] for r in bare) - 1)
    print(f"  slowdown, medians                {wall:+.1f} % real, {cpu:+.1f} % CPU (target ≤ 10%)")
    print(f"  slowdown, best of each           {best:+.1f} % real")
    settled = med(watched, "settled_s")
    print(f"  dashboard at final state after   {settled:.3f} s  (catch-up after the run)")
    print(f"  flushes                          {mid['flushes']}  "
          f"({mid['flushes'] / mid['settled_s']:.1f} per real second, target ≤ 10)")  # fmt: skip
    print(f"  time inside flushes              {mid['flush_s']:.3f} s")
    rate = mid["messages"] / mid["settled_s"]
    print(f"  widget messages                  {mid['messages']}  "
          f"({rate:.1f} per real second; iopub limit 1,000/s)")  # fmt: skip
    print(f"  bytes sent                       {mid['bytes'] / 1e6:.2f} MB")


async def live_real_clock(n: int) -> None:
    """A run that trickles events over seconds of real time: the ≤ 10 Hz cap is what binds."""
    g = sn.TaskGraph()
    for i in range(n):
        g.add(f"task {i}", id=f"t{i}")

    async def slow(task: sn.Task, ctx: sn.Context) -> None:
        await asyncio.sleep(ctx.rng.uniform(0.01, 0.05))
        ctx.record_usage(tokens_in=100, tokens_out=20, cost_usd=0.0001, steps=1)

    CountingComm.messages = CountingComm.bytes = 0
    started = time.perf_counter()
    run = sn.run_graph(g, slow, clock="real", trace=None, max_concurrency=32)
    dash = Dashboard.for_run(run)
    await run
    while dash.mode != "replay":
        await asyncio.sleep(0.002)
    elapsed = time.perf_counter() - started
    starts = [start for start, _, _ in dash.feed.flush_log]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    print(f"live dashboard on a real-clock run — {n:,} tasks of 10-50 ms, max_concurrency=32")
    print(f"  run real time                    {elapsed:.2f} s, {len(run.events):,} events")
    print(f"  flushes                          {dash.feed.flushes}  "
          f"({dash.feed.flushes / elapsed:.1f} per real second, target ≤ 10; "
          f"shortest gap between flushes {min(gaps) * 1000:.0f} ms)")  # fmt: skip
    rate = CountingComm.messages / elapsed
    print(f"  widget messages                  {CountingComm.messages}  "
          f"({rate:.1f} per real second; iopub limit 1,000/s)")  # fmt: skip
    print(f"  bytes sent                       {CountingComm.bytes / 1e3:.0f} kB")
    dash.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    asyncio.run(main(args.tasks, args.repeat))
    asyncio.run(live_real_clock(2000))
