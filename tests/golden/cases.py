"""Golden traces: fixed-seed runs whose events must not change when the code is restructured.

Each case runs offline on the virtual clock and returns the run's events. The stored traces
live next to this file (``<case>.jsonl``); regenerate them only for an intended behaviour
change::

    PYTHONPATH=. python -m tests.golden.cases --write
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

import swarmnb as sn

HERE = Path(__file__).parent
#: Fields that differ between two otherwise identical runs.
MASKED = frozenset({"run"})
#: Fields holding wall-clock measurements (masked wherever they appear).
WALL_FIELDS = frozenset({"wall_ms", "wall_s", "elapsed_wall", "wall_clock"})


def plain_graph() -> list[dict[str, Any]]:
    """A fan-out/fan-in graph with transient faults that retry and a hard failure that skips."""
    g = sn.TaskGraph()
    for i in range(6):
        g.add(f"leaf {i}", id=f"l{i}", profile="small" if i % 2 else "large", max_retries=2)
    g.add("merge even", id="me", deps=["l0", "l2", "l4"])
    g.add("merge odd", id="mo", deps=["l1", "l3", "l5"])
    g.add("final", id="f", deps=["me", "mo"])
    g.add("flaky forever", id="ff", max_retries=1)
    g.add("after flaky", id="af", deps=["ff"])
    attempts: dict[str, int] = {}

    async def work(task: sn.Task, ctx: sn.Context) -> str:
        attempts[task.id] = attempts.get(task.id, 0) + 1
        await asyncio.sleep(0.5 + ctx.rng.random())
        ctx.record_usage(tokens_in=10 * len(task.id), tokens_out=5, cost_usd=0.0001, steps=1)
        if task.id in ("l1", "l4") and attempts[task.id] < 3:
            raise sn.RetryableError(f"transient fault #{attempts[task.id]} on {task.id}")
        if task.id == "ff":
            raise sn.RetryableError("always transient")
        if task.id == "mo":
            raise ValueError("odd merge is broken")
        return task.prompt.upper()

    run = sn.run_graph_sync(
        g, work, clock="virtual", trace=None, seed=7, max_concurrency=3,
        profile_limits={"large": 1},
    )  # fmt: skip
    return run.events


def heuristic_wide() -> list[dict[str, Any]]:
    swarm = sn.Swarm(policy=sn.policies.Heuristic(), trace=None, seed=3, max_concurrency=8)
    return swarm.solve_sync(sn.scenarios.WideSearch(n_items=24, seed=1)).run.events


def llm_orchestrated() -> list[dict[str, Any]]:
    swarm = sn.Swarm(policy=sn.policies.LLM(), trace=None, seed=2)
    return swarm.solve_sync(sn.scenarios.WideSearch(n_items=10, seed=0)).run.events


def mixed_coding() -> list[dict[str, Any]]:
    swarm = sn.Swarm(policy=sn.policies.Heuristic(), trace=None, seed=4)
    return swarm.solve_sync(sn.scenarios.MixedCoding(n_modules=5, seed=8)).run.events


CASES: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "plain_graph": plain_graph,
    "heuristic_wide": heuristic_wide,
    "llm_orchestrated": llm_orchestrated,
    "mixed_coding": mixed_coding,
}


def mask(event: dict[str, Any]) -> dict[str, Any]:
    """The event without its run id and wall-clock measurements."""
    return {k: v for k, v in event.items() if k not in MASKED and k not in WALL_FIELDS}


def load(name: str) -> list[dict[str, Any]]:
    path = HERE / f"{name}.jsonl"
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line]


def normalise(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events as JSON would store them (tuples become lists), masked."""
    return [mask(orjson.loads(sn.events.encode_event(e))) for e in events]


def write() -> None:
    for name, case in CASES.items():
        lines = [orjson.dumps(e).decode() for e in normalise(case())]
        (HERE / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
        print(f"{name}: {len(lines)} events")


if __name__ == "__main__":
    if "--write" in sys.argv:
        write()
