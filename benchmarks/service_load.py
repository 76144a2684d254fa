"""Load test of the swarm service: 10 swarms × 100 agents over HTTP on 127.0.0.1.

The server runs in its own process (``swarmnb serve``); this script drives it like clients
would: it creates the swarms, submits tasks in batches, follows every swarm's event stream
(SSE), and polls status, tasks, agents and metrics while the swarms work. Each task is one
agent's job: a ``sim/small`` model call (simulated latency, slept on the real clock) and
concurrent tool calls; 30 % of attempts fail with an injected transient fault and are retried,
and a share of attempts crash their agent, which a supervisor restarts. Each agent works on up
to ``--max-concurrent-tasks`` tasks at once (default 2, as an agent manifest's
``limits.max_concurrent_tasks``); a crash loses all the agent's attempts in flight.

Prints tasks/s, task success rate, p50/p99 latency per route, the peak of concurrent tool
calls, and agent recovery times (crash → restarted, crash → the task done elsewhere). Model
figures come from the sim models: a simulation, not a provider's behaviour.

    python benchmarks/service_load.py              # 10 swarms × 100 agents, 1,500 tasks each
    python benchmarks/service_load.py --max-concurrent-tasks 1   # one task per agent at a time
    python benchmarks/service_load.py --quick      # a smaller smoke run

Targets: ≥ 450 tasks/s, ≥ 99.5 % success, p95 agent recovery < 5 s, ≥ 1,500 concurrent tool
calls.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "load-test-token"
_DECODE = frozenset(
    {"agent.unhealthy", "agent.restarted", "task.completed", "task.failed", "task.cancelled",
     "task.skipped", "task.retrying"}
)  # fmt: skip


_PROFILED = """
import cProfile, runpy, sys, time
out = sys.argv[1]
sys.argv = ["swarmnb", *sys.argv[2:]]
profiler = cProfile.Profile(time.process_time)
profiler.enable()
try:
    runpy.run_module("swarmnb", run_name="__main__")
finally:
    profiler.disable()
    profiler.dump_stats(out)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    data: Path, port: int, swarms: int, fast_sim: bool, profile: str | None, fsync: str
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SWARMNB_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
    if fast_sim:
        env["SWARMNB_SIM_FAST"] = "1"
    # cProfile on the process's CPU clock: time the server waits, or is preempted by other
    # work on a busy machine, is not charged to whatever function happened to be running
    prof = ["-c", _PROFILED, profile] if profile else ["-m", "swarmnb"]
    cmd = [sys.executable, *prof, "serve",
           "--port", str(port), "--data", str(data),
           "--max-swarms", str(swarms), "--rate", "1e6", "--burst", "1e6",
           "--max-body", str(16 << 20), "--fsync", fsync]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


class Load:
    def __init__(self, base: str, args: argparse.Namespace) -> None:
        self.args = args
        self.http = httpx.AsyncClient(
            base_url=base,
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=120,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.kinds: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.done = asyncio.Event()
        self.errors: dict[str, int] = defaultdict(int)

    async def call(self, route: str, method: str, path: str, **kw: Any) -> httpx.Response:
        t0 = time.perf_counter()
        r = await self.http.request(method, path, **kw)
        self.latency[route].append(time.perf_counter() - t0)
        if r.status_code >= 400:
            self.errors[f"{route} {r.status_code}"] += 1
        return r

    async def follow(self, sid: str) -> None:
        """Follow a swarm's SSE stream: raw bytes split into events, only a few decoded."""
        last = None
        kinds = self.kinds[sid]
        events = self.events[sid]
        while True:
            headers = {"Last-Event-ID": str(last)} if last is not None else {}
            try:
                async with self.http.stream(
                    "GET", f"/v1/swarms/{sid}/events", headers=headers
                ) as response:
                    buffer = b""
                    async for chunk in response.aiter_raw():
                        blocks = (buffer + chunk).split(b"\n\n")
                        buffer = blocks.pop()  # an unfinished event waits for the next chunk
                        for block in blocks:
                            if not block.startswith(b"id: "):
                                if block.startswith(b"event: end"):
                                    return
                                continue  # retry: / keep-alive comments
                            head, _, rest = block.partition(b"\nevent: ")
                            kind, _, data = rest.partition(b"\ndata: ")
                            name = kind.decode()
                            kinds[name] += 1
                            if name in _DECODE:  # the rest are only counted: a cheap client
                                events.append(orjson.loads(data))
                            last = int(head[4:])
            except httpx.TransportError:
                await asyncio.sleep(0.2)

    async def submit(self, sid: str) -> None:
        a = self.args
        n, batch = a.tasks, a.batch
        for first in range(0, n, batch):
            tasks = [
                {"prompt": f"look up item {i} of {sid}", "id": f"t{i}",
                 "tool_calls": a.tool_calls, "max_retries": a.max_retries}
                for i in range(first, min(n, first + batch))
            ]  # fmt: skip
            body = {"tasks": tasks, "close": first + batch >= n}
            await self.call(
                "POST /v1/swarms/{id}/tasks", "POST", f"/v1/swarms/{sid}/tasks", json=body
            )

    async def poll(self, sids: list[str]) -> None:
        rng = random.Random(0)
        while not self.done.is_set():
            sid = rng.choice(sids)
            await asyncio.gather(
                self.call("GET /v1/swarms/{id}", "GET", f"/v1/swarms/{sid}"),
                self.call("GET /v1/swarms/{id}/tasks/{task}", "GET",
                          f"/v1/swarms/{sid}/tasks/t{rng.randrange(self.args.tasks)}"),
                self.call("GET /v1/swarms/{id}/agents", "GET", f"/v1/swarms/{sid}/agents"),
                self.call("GET /v1/swarms", "GET", "/v1/swarms"),
                self.call("GET /metrics", "GET", "/metrics"),
            )  # fmt: skip
            await asyncio.sleep(0.2)

    async def wait_all(self, sids: list[str]) -> float:
        while True:
            r = await self.call("GET /v1/swarms", "GET", "/v1/swarms")
            running = [
                s for s in r.json()["swarms"] if s["id"] in sids and s["status"] == "running"
            ]
            if not running:
                return time.perf_counter()
            await asyncio.sleep(0.25)


async def drive(base: str, args: argparse.Namespace) -> dict[str, Any]:
    load = Load(base, args)
    spec = {
        "agents": args.agents, "max_concurrent_tasks": args.max_concurrent_tasks,
        "keep_open": True, "model": "sim/small",
        "tool_latency_s": args.tool_latency, "latency_scale": 1.0, "backoff_s": 0.05,
        "faults": {"transient_rate": args.transient, "crash_rate": args.crash,
                   "restart_s": args.restart_s},
    }  # fmt: skip
    sids = []
    for i in range(args.swarms):
        r = await load.call(
            "POST /v1/swarms", "POST", "/v1/swarms", json={**spec, "name": f"load-{i}", "seed": i}
        )
        sids.append(r.json()["id"])
    followers = [asyncio.create_task(load.follow(sid)) for sid in sids]
    poller = asyncio.create_task(load.poll(sids))
    t0 = time.perf_counter()
    await asyncio.gather(*(load.submit(sid) for sid in sids))
    t1 = await load.wait_all(sids)
    load.done.set()
    await poller
    await asyncio.wait_for(asyncio.gather(*followers), 120)
    metrics = (await load.call("GET /metrics", "GET", "/metrics")).text
    infos = [
        (await load.call("GET /v1/swarms/{id}", "GET", f"/v1/swarms/{sid}")).json() for sid in sids
    ]
    for sid in sids:
        await load.call("DELETE /v1/swarms/{id}", "DELETE", f"/v1/swarms/{sid}")
    await load.http.aclose()
    return {"load": load, "elapsed": t1 - t0, "metrics": metrics, "infos": infos}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), or NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def report(out: dict[str, Any], args: argparse.Namespace) -> None:
    load: Load = out["load"]
    infos = out["infos"]
    total = args.swarms * args.tasks
    completed = sum(i["counts"].get("completed", 0) for i in infos)
    elapsed = out["elapsed"]
    peak_tools = next(
        float(line.split()[-1]) for line in out["metrics"].splitlines()
        if line.startswith("swarmnb_tool_calls_in_flight_peak ")
    )  # fmt: skip
    attempts = retries = crashes = 0
    failures: dict[str, int] = defaultdict(int)
    agent_recovery: list[float] = []
    task_recovery: list[float] = []
    lost = 0  # attempts lost with a crashed agent: the crashing one and any sibling
    for kinds in load.kinds.values():
        attempts += kinds["task.started"]
        retries += kinds["task.retrying"]
    for events in load.events.values():
        crashed_at: dict[str, float] = {}
        crash_task: dict[str, float] = {}
        for e in events:
            kind = e["kind"]
            if kind in ("task.failed", "task.cancelled", "task.skipped"):
                failures[f"{kind}: {str(e.get('error') or e.get('reason'))[:60]}"] += 1
            elif kind == "task.retrying":
                lost += "crashed" in str(e.get("error"))
            elif kind == "agent.unhealthy":
                crashes += 1
                crashed_at[e["agent"]] = e["t"]
                crash_task[e["task"]] = e["t"]
            elif kind == "agent.restarted" and e["agent"] in crashed_at:
                agent_recovery.append(e["t"] - crashed_at.pop(e["agent"]))
            elif kind == "task.completed" and e["task"] in crash_task:
                task_recovery.append(e["t"] - crash_task.pop(e["task"]))
    print(
        f"swarm service load test — {args.swarms} swarms × {args.agents} agents, "
        f"{args.tasks:,} tasks each ({total:,} tasks), {args.tool_calls} tool calls per task"
    )
    slots = args.swarms * args.agents * args.max_concurrent_tasks
    print(
        f"each agent works on up to {args.max_concurrent_tasks} task(s) at once "
        f"(max_concurrent_tasks={args.max_concurrent_tasks}, as an agent manifest's "
        f"limits.max_concurrent_tasks): {slots:,} task slots in all"
    )
    print(
        "sim/small models on the real clock (simulated latency and cost: a simulation); "
        f"faults: {args.transient:.0%} transient per attempt, {args.crash:.1%} agent crashes, "
        f"restart {args.restart_s:g} s; sim fast path: {'on' if args.fast_sim else 'off'}; "
        f"result-store fsync: {args.fsync}"
    )
    load1, _, _ = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores, load average {load1:.1f} at the end (the server is "
        "one process: one core at most; 'server CPU' below is its own time)"
    )
    print()
    print(f"  tasks completed        {completed:,} / {total:,}")
    print(f"  task success rate      {completed / total:.2%}   (target ≥ 99.5 %)")
    print(
        f"  throughput             {completed / elapsed:,.0f} tasks/s over {elapsed:.1f} s "
        "(first submit → all swarms done; target ≥ 450)"
    )
    print(f"  attempts / retries     {attempts:,} / {retries:,}")
    cpu = out.get("server_cpu", float("nan"))
    print(
        f"  server CPU             {cpu:.1f} s = {cpu / max(completed, 1) * 1e3:.2f} ms per task "
        f"(one free core → at most {completed / cpu if cpu else float('nan'):,.0f} tasks/s)"
    )
    client = out.get("client_cpu", float("nan"))
    print(
        f"  load generator CPU     {client:.1f} s = {client / max(completed, 1) * 1e3:.2f} ms "
        "per task (this script: HTTP, SSE parsing; it shares the machine with the server)"
    )
    print(f"  peak tool calls        {peak_tools:,.0f} at once (target ≥ 1,500)")
    print(
        f"  agent crashes          {crashes:,} ({lost:,} attempts lost with their agent, retried)"
    )
    if agent_recovery:
        print(
            f"  agent recovery         p50 {pct(agent_recovery, 50):.2f} s, p95 "
            f"{pct(agent_recovery, 95):.2f} s, max {max(agent_recovery):.2f} s "
            "(crash → restarted; target p95 < 5 s)"
        )
    if task_recovery:
        print(
            f"  task recovery          p50 {pct(task_recovery, 50):.2f} s, p95 "
            f"{pct(task_recovery, 95):.2f} s (crash → the task done by another agent)"
        )
    print()
    print(f"  {'route':38s} {'calls':>7s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for route, values in sorted(load.latency.items()):
        print(
            f"  {route:38s} {len(values):7d} {pct(values, 50) * 1e3:8.1f} "
            f"{pct(values, 99) * 1e3:8.1f}"
        )
    if failures:
        print("  unsuccessful tasks:", dict(failures))
    if load.errors:
        print("  HTTP errors:", dict(load.errors))
    streamed = sum(sum(k.values()) for k in load.kinds.values())
    print(f"\n  events streamed (SSE)  {streamed:,} to {len(load.events)} followers")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--swarms", type=int, default=10)
    p.add_argument("--agents", type=int, default=100)
    p.add_argument(
        "--max-concurrent-tasks", type=int, default=2,
        help="tasks one agent works on at once (its manifest's limits.max_concurrent_tasks)",
    )  # fmt: skip
    p.add_argument("--tasks", type=int, default=1500, help="tasks per swarm")
    p.add_argument("--tool-calls", type=int, default=3, help="concurrent tool calls per task")
    p.add_argument("--tool-latency", type=float, default=0.6, help="mean seconds per tool call")
    p.add_argument("--transient", type=float, default=0.3, help="transient fault rate")
    p.add_argument("--crash", type=float, default=0.01, help="agent crash rate per attempt")
    p.add_argument("--restart-s", type=float, default=1.0, help="agent restart time")
    p.add_argument("--max-retries", type=int, default=6)
    p.add_argument("--batch", type=int, default=250, help="tasks per POST")
    p.add_argument("--fast-sim", action="store_true", help="the server uses the sim fast path")
    p.add_argument(
        "--fsync", choices=("always", "batch", "never"), default="batch",
        help="the server's result-store fsync policy",
    )  # fmt: skip
    p.add_argument("--profile", help="run the server under cProfile (CPU time), writing this file")
    p.add_argument("--quick", action="store_true", help="3 swarms × 20 agents × 200 tasks")
    args = p.parse_args()
    if args.quick:
        args.swarms, args.agents, args.tasks = 3, 20, 200
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_server(Path(tmp), port, args.swarms, args.fast_sim, args.profile, args.fsync)
        try:
            cpu0, mine0 = cpu_seconds(proc.pid), time.process_time()
            out = asyncio.run(drive(f"http://127.0.0.1:{port}", args))
            out["server_cpu"] = cpu_seconds(proc.pid) - cpu0
            out["client_cpu"] = time.process_time() - mine0
        finally:
            proc.send_signal(signal.SIGINT)  # a clean exit (and the profile, if asked)
            proc.wait(60)
    report(out, args)


if __name__ == "__main__":
    main()
