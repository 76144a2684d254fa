"""Scale: 10,000 concurrent simulated subagents, on the local backend and on Ray, side by side.

Each subagent is one task that calls a ``sim/small`` model (latency, tokens and price from the
sim provider, under the virtual clock), with ``max_concurrency`` equal to the number of
subagents, so all of them are in flight at once. Every part runs in a fresh process so its
peak RSS is its own. Then the per-task overhead of the Ray backend against the local one, on
no-op tasks under the real clock.

All model figures are simulations (``sim/`` models, virtual clock); times are real seconds on
this machine.

    python benchmarks/scale.py                    # 10,000 subagents, local and Ray
    python benchmarks/scale.py --agents 2000 --skip-ray
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
# sim/ calls skip litellm's general call path (same replies, usage and events; see
# swarmnb.models.fast_sim): the figures measure the swarm, not litellm's request handling.
os.environ.setdefault("SWARMNB_SIM_FAST", "1")


async def subagent(task: Any, ctx: Any) -> str:
    """One simulated subagent turn: a sim model call, with its usage and model.call event."""
    from swarmnb.models import complete

    reply = await complete(
        model="sim/small",
        messages=[{"role": "user", "content": task.prompt}],
        ctx=ctx,
    )
    return reply.content or ""


async def noop(task: Any, ctx: Any) -> None:
    return None


def _rss_mb(pid: int | str = "self") -> tuple[float, float]:
    """(current, peak) resident set size of a process, in MB, from /proc."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _backend(kind: str) -> Any:
    import swarmnb as sn

    return sn.backends.Ray() if kind == "ray" else None


def part_agents(kind: str, n: int) -> dict[str, Any]:
    import swarmnb as sn

    backend = _backend(kind)
    warm = sn.TaskGraph()
    warm.add("warm up", id="w")
    sn.run_graph_sync(warm, subagent, clock="virtual", trace=None, backend=backend)
    base, _ = _rss_mb()
    graph = sn.TaskGraph()
    for i in range(n):
        graph.add(f"look up the founding year of company {i}", id=f"a{i}", profile="small")
    t0 = time.perf_counter()
    run = sn.run_graph_sync(
        graph, subagent, clock="virtual", trace=None, max_concurrency=n, backend=backend
    )
    seconds = time.perf_counter() - t0
    _, peak = _rss_mb()
    out = {
        "backend": kind, "agents": n, "status": run.status,
        "max_parallelism": run.metrics["max_parallelism"], "events": len(run.events),
        "seconds": seconds, "events_per_s": len(run.events) / seconds,
        "driver_peak_rss_mb": peak, "driver_base_rss_mb": base,
        "kb_per_agent": (peak - base) * 1024 / n,
    }  # fmt: skip
    if backend is not None:
        import ray

        pids = ray.get([a.pid.remote() for a in backend.actors])
        out["actors_peak_rss_mb"] = sum(_rss_mb(pid)[1] for pid in pids)
        backend.close()
    return out


def part_overhead(kind: str, n: int) -> dict[str, Any]:
    import swarmnb as sn

    backend = _backend(kind)
    graph = sn.TaskGraph()
    for i in range(n):
        graph.add(id=f"t{i}")
    sn.run_graph_sync(graph, noop, trace=None, backend=backend, max_concurrency=256)  # warm up
    t0 = time.perf_counter()
    run = sn.run_graph_sync(graph, noop, trace=None, backend=backend, max_concurrency=256)
    seconds = time.perf_counter() - t0
    if backend is not None:
        backend.close()
    assert run.status == "completed"
    return {"backend": kind, "tasks": n, "seconds": seconds, "us_per_task": seconds / n * 1e6}


def _in_child(part: str, kind: str, n: int) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--part", part, "--kind", kind, "--n", str(n)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"{part}/{kind} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--overhead-tasks", type=int, default=2_000)
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--part", choices=["agents", "overhead"])
    parser.add_argument("--kind", choices=["local", "ray"], default="local")
    parser.add_argument("--n", type=int, default=0)
    args = parser.parse_args()
    if args.part:  # a child: one measurement, printed as JSON
        part = part_agents if args.part == "agents" else part_overhead
        print(json.dumps(part(args.kind, args.n)))
        return
    kinds = ["local"] if args.skip_ray else ["local", "ray"]
    print(f"{args.agents:,} concurrent simulated subagents (sim/small on the fast sim path, "
          "virtual clock: simulated model time; real seconds on this machine)")  # fmt: skip
    rows = [_in_child("agents", kind, args.agents) for kind in kinds]
    header = ("backend", "status", "max_par", "events", "s", "events/s", "peak RSS MB",
              "KB/agent", "actors RSS MB")  # fmt: skip
    print("  " + " | ".join(f"{h:>12}" for h in header))
    for r in rows:
        actors = f"{r['actors_peak_rss_mb']:.0f}" if "actors_peak_rss_mb" in r else "-"
        cells = (r["backend"], r["status"], r["max_parallelism"], r["events"],
                 f"{r['seconds']:.2f}", f"{r['events_per_s']:,.0f}",
                 f"{r['driver_peak_rss_mb']:.0f}", f"{r['kb_per_agent']:.1f}", actors)  # fmt: skip
        print("  " + " | ".join(f"{c!s:>12}" for c in cells))
    local = rows[0]
    verdict = "within" if local["driver_peak_rss_mb"] <= 1024 else "OVER"
    print(f"local peak RSS {local['driver_peak_rss_mb']:.0f} MB: {verdict} the 1 GB target")
    print(f"\nper-task overhead, {args.overhead_tasks:,} no-op tasks, real clock:")
    over = [_in_child("overhead", kind, args.overhead_tasks) for kind in kinds]
    for r in over:
        print(f"  {r['backend']:>6}: {r['us_per_task']:10,.1f} µs/task  ({r['seconds']:.2f} s)")
    if len(over) == 2:
        ratio = over[1]["us_per_task"] / over[0]["us_per_task"]
        print(f"  Ray costs {ratio:,.0f}× the local backend per task (a round trip to an actor)")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this process: peak RSS {own:.0f} MB)")


if __name__ == "__main__":
    main()
