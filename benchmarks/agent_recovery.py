"""Agent recovery and task assignment latency, MemoryBus and NatsBus side by side.

Two measurements, real clock (a real nats-server is started on 127.0.0.1 for NatsBus):

1. **Chaos**: 100 agents, 1,500 tasks with one tool call each, crashes and hangs injected at
   tool calls (``sn.agents.Chaos``) until at least 20% of the agents have faulted. Printed: tasks
   lost (no terminal state), results recorded twice, terminal states per task, agents faulted,
   and recovery time — fault to a healthy replacement (first heartbeat of the new incarnation)
   — p50/p95 for crashes and hangs. A hang is noticed only by missed heartbeats, so its
   recovery is about ``health.timeout_s`` plus a check interval.
2. **Assignment latency** (submit → an agent starts the task) at 100 agents, two loads: a
   steady stream (``--rate`` submits per second) and bursts of 100 concurrent submits. In a
   burst every agent's model plumbing competes for the one Python thread, so the last of the
   100 starts after the others' CPU work: that is contention, not routing.

Models are the offline ``sim/`` profiles with their latency scaled by ``--latency-scale``: the
figures are simulations of model work; routing, the bus and supervision are real.

    python benchmarks/agent_recovery.py              # both buses
    python benchmarks/agent_recovery.py --bus memory --tasks 500

Targets: recovery p95 < 5 s (goal < 1 s); MemoryBus assignment p99 < 100 ms at 100 agents.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from collections import Counter
from contextlib import AsyncExitStack
from typing import Any

import swarmnb as sn
from swarmnb.bus import MemoryBus, NatsServer
from swarmnb.models import sim_fast_path


@sn.tool(capability="web.search")
async def search(query: str) -> str:
    """Search the (simulated) web."""
    return f"3 results for {query}"


def _manifest(interval: float, timeout: float) -> sn.agents.AgentManifest:
    return sn.agents.AgentManifest.parse(
        {
            "id": "worker", "name": "Worker", "role": "worker", "model": "sim/small",
            "capabilities": ["web.search"],
            "limits": {"task_timeout_s": 30.0},
            "health": {"interval_s": interval, "timeout_s": timeout, "failure_threshold": 2,
                       "max_restarts": 10_000, "restart_window_s": 60.0},
        }
    )  # fmt: skip


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def _bus(kind: str, stack: AsyncExitStack, server: NatsServer | None) -> Any:
    if kind == "memory":
        return MemoryBus()
    assert server is not None
    bus = await sn.bus.NatsBus.connect(server.url, stream=f"BENCH{int(time.time() * 1e6)}")
    stack.push_async_callback(bus.close)
    stack.push_async_callback(bus.delete_stream)
    return bus


async def chaos_run(kind: str, server: NatsServer | None, args: argparse.Namespace) -> dict:
    async with AsyncExitStack() as stack:
        bus = await _bus(kind, stack, server)
        opts = {"sim_latency_scale": args.latency_scale}
        reg = sn.agents.Registry(bus=bus, model_options=opts, max_attempts=50)
        stack.push_async_callback(reg.close)
        await reg.install(_manifest(args.interval, args.timeout), count=args.agents)
        chaos = sn.agents.Chaos(reg, crash_rate=args.crash_rate, hang_rate=args.hang_rate, seed=1)
        t0 = time.perf_counter()
        results = await asyncio.gather(
            *(reg.submit("worker", f"search item {i}", tools=[search]) for i in range(args.tasks))
        )
        wall = time.perf_counter() - t0
        events = reg.events
    terminal = Counter(
        e["task"]
        for e in events
        if e["kind"] in ("task.completed", "task.failed", "task.cancelled")
    )
    faults = chaos.faults
    kind_of = {(f.agent, f.t): f.kind for f in faults.itertuples()}
    rec: dict[str, list[float]] = {"crash": [], "hang": []}
    for r in reg.supervisor.recovery_log:
        k = kind_of.get((r["agent"], r["fault_at"]))
        if k:
            rec[k].append(r["seconds"])
    return {
        "bus": kind, "tasks": len(results),
        "completed": sum(r.ok for r in results),
        "lost": len(results) - len(terminal) + sum(1 for r in results if r.task_id not in terminal),
        "recorded_twice": sum(1 for n in terminal.values() if n > 1),
        "repeat_results_dropped": reg.duplicates,
        "tool_calls": sum(1 for e in events if e["kind"] == "tool.call"),
        "agents_faulted": faults["agent"].nunique(),
        "crashes": int((faults["kind"] == "crash").sum()),
        "hangs": int((faults["kind"] == "hang").sum()),
        "restarts": sum(1 for e in events if e["kind"] == "agent.restarted"),
        "recovery": rec, "wall_s": wall,
    }  # fmt: skip


async def latency_run(
    kind: str, server: NatsServer | None, args: argparse.Namespace
) -> tuple[list[float], list[float]]:
    """(steady, burst) assignment latencies in seconds."""
    async with AsyncExitStack() as stack:
        bus = await _bus(kind, stack, server)
        opts = {"sim_latency_scale": args.latency_scale}
        reg = sn.agents.Registry(bus=bus, model_options=opts)
        stack.push_async_callback(reg.close)
        await reg.install(_manifest(1.0, 5.0), count=args.agents)
        await asyncio.gather(*(reg.submit("worker", "warm up") for _ in range(args.agents)))
        if args.gc_freeze:
            gc.collect()
            gc.freeze()  # start-up objects (litellm, pydantic) out of every later full collection
        futures = []
        for i in range(args.steady):
            futures.append(reg.send("worker", f"note {i}"))
            await asyncio.sleep(1.0 / args.rate)
        steady = [r.queued_s for r in await asyncio.gather(*futures) if r.queued_s is not None]
        burst: list[float] = []
        for _ in range(args.bursts):
            results = await asyncio.gather(
                *(reg.submit("worker", f"note {i}") for i in range(args.agents))
            )
            burst += [r.queued_s for r in results if r.queued_s is not None]
        return steady, burst


def _ms(x: float) -> str:
    return f"{x * 1000:8.1f} ms"


async def main(args: argparse.Namespace) -> None:
    kinds = ["memory", "nats"] if args.bus == "both" else [args.bus]
    server = NatsServer().start() if "nats" in kinds else None
    try:
        print("Chaos recovery (real clock; sim/ model work is simulated, latency "
              f"×{args.latency_scale}): {args.agents} agents, {args.tasks} tasks, "
              f"crash_rate={args.crash_rate}, hang_rate={args.hang_rate}, heartbeat "
              f"{args.interval}s, timeout {args.timeout}s")  # fmt: skip
        for kind in kinds if args.tasks else []:
            r = await chaos_run(kind, server, args)
            all_rec = r["recovery"]["crash"] + r["recovery"]["hang"]
            print(f"  {kind:6}  tasks {r['tasks']}  completed {r['completed']}  lost {r['lost']}  "
                  f"recorded twice {r['recorded_twice']}  (repeat results dropped "
                  f"{r['repeat_results_dropped']})  tool calls {r['tool_calls']}  "
                  f"wall {r['wall_s']:.1f}s")  # fmt: skip
            print(f"          agents faulted {r['agents_faulted']}/{args.agents} "
                  f"({100 * r['agents_faulted'] / args.agents:.0f}%)  crashes {r['crashes']}  "
                  f"hangs {r['hangs']}  restarts {r['restarts']}")  # fmt: skip
            for label, vals in (("crash", r["recovery"]["crash"]), ("hang", r["recovery"]["hang"]),
                                ("all", all_rec)):  # fmt: skip
                print(f"          recovery {label:5}  n={len(vals):4}  p50 {_ms(_pct(vals, 50))}  "
                      f"p95 {_ms(_pct(vals, 95))}  "
                      f"max {_ms(max(vals, default=float('nan')))}")  # fmt: skip
        print(f"\nAssignment latency, submit → agent starts (real clock), {args.agents} agents: "
              f"a steady {args.rate:g}/s stream of {args.steady}, then {args.bursts} bursts of "
              f"{args.agents} concurrent submits"
              f"{'; gc.freeze() after start-up' if args.gc_freeze else ''}")  # fmt: skip
        for kind in kinds:
            steady, burst = await latency_run(kind, server, args)
            for label, lat in (("steady", steady), ("burst", burst)):
                print(f"  {kind:6} {label:6}  n={len(lat)}  p50 {_ms(_pct(lat, 50))}  "
                      f"p99 {_ms(_pct(lat, 99))}  mean {_ms(statistics.fmean(lat))}")  # fmt: skip
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bus", choices=["memory", "nats", "both"], default="both")
    p.add_argument("--agents", type=int, default=100)
    p.add_argument("--tasks", type=int, default=1500)
    p.add_argument("--crash-rate", type=float, default=0.03)
    p.add_argument("--hang-rate", type=float, default=0.02)
    p.add_argument("--interval", type=float, default=0.2, help="heartbeat interval (s)")
    p.add_argument("--timeout", type=float, default=1.0, help="heartbeat timeout (s)")
    p.add_argument("--latency-scale", type=float, default=0.05)
    p.add_argument("--bursts", type=int, default=10)
    p.add_argument("--steady", type=int, default=1000, help="tasks in the steady stream")
    p.add_argument("--rate", type=float, default=200.0, help="steady submits per second")
    p.add_argument(
        "--no-gc-freeze",
        dest="gc_freeze",
        action="store_false",
        help="leave start-up objects in the collector's reach (full collections then pause "
        "the loop for 0.2-0.4 s, and a burst that meets one shows it in its p99)",
    )
    args = p.parse_args()
    with sim_fast_path():
        asyncio.run(main(args))
