"""Virtual clock: simulated hours in real milliseconds, and exact simulated time.

A 1,000-task random DAG whose tasks sleep 1–10 simulated seconds runs on the virtual clock;
the script prints the real time it took (target: under 2 s) and checks that, with unlimited
concurrency, the simulated wall-clock equals the longest duration-weighted path computed
independently with networkx. Figures are simulated time, measured on this machine.

    python benchmarks/virtual_clock.py
"""

from __future__ import annotations

import asyncio
import random
import time

import networkx as nx

import swarmnb as sn


def main() -> None:
    graph = sn.TaskGraph.random(1_000, max_deps=3, window=40, seed=11)
    rng = random.Random(0)
    duration = {t.id: rng.uniform(1.0, 10.0) for t in graph}

    async def work(task: sn.Task, ctx: sn.Context) -> None:
        await asyncio.sleep(duration[task.id])

    started = time.perf_counter()
    run = sn.run_graph_sync(graph, work, max_concurrency=None, clock="virtual", trace=None)
    real_s = time.perf_counter() - started

    weighted = nx.DiGraph()
    weighted.add_edges_from(("source", t.id, {"w": duration[t.id]}) for t in graph)
    weighted.add_edges_from((d, t.id, {"w": duration[t.id]}) for t in graph for d in t.deps)
    longest_ms = nx.dag_longest_path_length(weighted, weight="w") * 1000
    simulated_ms = run.metrics["wall_clock_ms"]
    print("1,000 tasks sleeping 1–10 simulated s, virtual clock, unlimited concurrency")
    print(f"  real time                   {real_s:8.3f} s   (target < 2 s)")
    print(f"  simulated wall_clock_ms     {simulated_ms:12,.3f}")
    print(f"  longest weighted path (nx)  {longest_ms:12,.3f}")
    print(f"  difference                  {abs(simulated_ms - longest_ms):.2e} ms")
    print(f"  simulated seconds per real second: {simulated_ms / 1000 / real_s:,.0f}")


if __name__ == "__main__":
    main()
