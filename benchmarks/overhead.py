"""Scheduler overhead per task, side by side with bare asyncio (and LangGraph if installed).

No-op tasks with tracing on (JSONL + SQLite index), on 2 cores. Each measurement runs in a
fresh subprocess (best of --repeat) so peak memory and garbage-collector state are per run.

    python benchmarks/overhead.py            # N = 1,000 / 10,000 / 100,000 fan-out, 1,000 chain
    python benchmarks/overhead.py --quick    # smaller sizes, for a smoke run

Targets: ≤ 25 µs per task at N = 10,000; ≤ 3× bare asyncio; per-task cost at N = 100,000
within 1.5× of N = 1,000; peak memory of the 100,000-task run ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap

MEASURE = textwrap.dedent(
    """
    import asyncio, gc, json, resource, sys, tempfile, time
    kind, shape, n, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    concurrency = None if concurrency == "none" else int(concurrency)

    async def noop(*args):
        return None

    def swarmnb_run():
        import swarmnb as sn
        g = sn.TaskGraph()
        for i in range(n):
            g.add(id=f"t{i}", deps=[f"t{i-1}"] if shape == "chain" and i else ())
        trace = tempfile.mkdtemp()
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        run = sn.run_graph_sync(g, noop, max_concurrency=concurrency, trace=trace)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert run.status == "completed" and run.metrics["n_completed"] == n
        return elapsed, cpu

    def bare_run():
        async def main():
            if shape == "fan":
                await asyncio.gather(*(noop() for _ in range(n)))
            else:
                loop = asyncio.get_running_loop()
                for _ in range(n):
                    await loop.create_task(noop())
        t0, c0 = time.perf_counter(), time.process_time()
        asyncio.run(main())
        return time.perf_counter() - t0, time.process_time() - c0

    def langgraph_run():
        from typing import Annotated
        import operator
        from typing_extensions import TypedDict
        from langgraph.graph import StateGraph, START, END
        from langgraph.types import Send

        class State(TypedDict):
            done: Annotated[list, operator.add]

        builder = StateGraph(State)
        if shape == "fan":
            builder.add_node("work", lambda s: {"done": [1]})
            builder.add_conditional_edges(START, lambda s: [Send("work", {}) for _ in range(n)])
            builder.add_edge("work", END)
        else:
            for i in range(n):
                builder.add_node(f"s{i}", lambda s: {"done": [1]})
                builder.add_edge(START if i == 0 else f"s{i-1}", f"s{i}")
            builder.add_edge(f"s{n-1}", END)
        graph = builder.compile()
        t0, c0 = time.perf_counter(), time.process_time()
        out = graph.invoke({"done": []}, {"recursion_limit": n + 10})
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert len(out["done"]) == n
        return elapsed, cpu

    elapsed, cpu = {"swarmnb": swarmnb_run, "bare": bare_run, "langgraph": langgraph_run}[kind]()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "peak_mb": peak_mb}))
    """
)


def measure(kind: str, shape: str, n: int, concurrency: str, repeat: int) -> dict[str, float]:
    """Best of ``repeat`` fresh processes: the lowest wall time and the lowest CPU time."""
    best: dict[str, float] | None = None
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", MEASURE, kind, shape, str(n), concurrency],
            capture_output=True,
            text=True,
            cwd=tempfile.gettempdir(),
        )
        if out.returncode != 0:
            raise RuntimeError(f"{kind} {shape} {n} failed:\n{out.stderr[-2000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        best = result if best is None else {k: min(best[k], result[k]) for k in best}
    assert best is not None
    return best


def langgraph_available() -> bool:
    try:
        import langgraph  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", default="64", help="max_concurrency, or 'none'")
    args = parser.parse_args()
    fan_sizes = [1_000, 5_000] if args.quick else [1_000, 10_000, 100_000]
    cases = [("fan", n) for n in fan_sizes] + [("chain", 1_000)]
    with_langgraph = langgraph_available()
    print(f"no-op tasks, tracing on, max_concurrency={args.concurrency}, best of {args.repeat}")
    print("wall = elapsed time; cpu = this process's CPU time (steadier on a shared machine)")
    header = (
        f"{'shape':<6} {'N':>8} {'swarmnb µs/task':>22} {'asyncio µs/task':>22} "
        f"{'ratio wall/cpu':>15} {'peak MB':>8}"
    )
    if with_langgraph:
        header += f" {'LangGraph µs/task':>22}"
    print(header)
    per_task: dict[tuple[str, int], tuple[float, float]] = {}
    for shape, n in cases:
        ours = measure("swarmnb", shape, n, args.concurrency, args.repeat)
        bare = measure("bare", shape, n, args.concurrency, args.repeat)
        us, us_cpu = ours["seconds"] / n * 1e6, ours["cpu"] / n * 1e6
        bare_us, bare_cpu = bare["seconds"] / n * 1e6, bare["cpu"] / n * 1e6
        per_task[(shape, n)] = (us, us_cpu)
        line = (
            f"{shape:<6} {n:>8,} {us:>10.1f} / {us_cpu:>5.1f} cpu {bare_us:>10.1f} / "
            f"{bare_cpu:>5.1f} cpu {us / bare_us:>6.2f} / {us_cpu / bare_cpu:>5.2f} "
            f"{ours['peak_mb']:>8.0f}"
        )
        if with_langgraph:
            if n <= 10_000:
                lang = measure("langgraph", shape, n, args.concurrency, 1)
                line += f" {lang['seconds'] / n * 1e6:>10.1f} / {lang['cpu'] / n * 1e6:>5.1f} cpu"
            else:
                line += f" {'(skipped)':>22}"
        print(line, flush=True)
    if not with_langgraph:
        print("LangGraph: not installed (pip install langgraph to compare)")
    small, large = fan_sizes[0], fan_sizes[-1]
    wall_ratio = per_task[("fan", large)][0] / per_task[("fan", small)][0]
    cpu_ratio = per_task[("fan", large)][1] / per_task[("fan", small)][1]
    print(
        f"scaling: µs/task at N={large:,} ÷ N={small:,} = "
        f"{wall_ratio:.2f} wall, {cpu_ratio:.2f} cpu"
    )


if __name__ == "__main__":
    main()
