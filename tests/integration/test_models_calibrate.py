"""Calibration end to end: traces of real HTTP calls to ``serve_sim`` give back its parameters.

A profile with known latency and prices is registered and served over loopback HTTP; 200 calls
go through litellm's ``openai/`` provider (``complete`` inside a traced ``run_graph`` on the
real clock), so the fit sees exactly what a trace of a real provider holds. Arrivals are spread
over ~30 s so the client's own CPU time per call stays a small share of each measured latency.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random

import pytest

import swarmnb as sn
from swarmnb.models import (
    SIM_PROFILES,
    calibrate,
    complete,
    register_profile,
    serve_sim,
    unregister_profile,
)

N_CALLS = 200
SPREAD_S = 30.0
KNOWN = dataclasses.replace(
    SIM_PROFILES["small"],
    overhead_s=3.0,
    prefill_tokens_per_s=500.0,
    output_tokens_per_s=150.0,
    latency_sigma=0.1,
    input_usd_per_mtok=0.37,
    output_usd_per_mtok=1.9,
    malformed_rate=0.0,
    context_window=100_000,
)


def _fill_tool(k: int) -> list[dict]:
    """A tool with ``k`` string fields: the sim fills each, so replies grow with ``k``."""
    props = {f"f{i}": {"type": "string"} for i in range(k)}
    params = {"type": "object", "properties": props, "required": list(props)}
    return [{"type": "function", "function": {"name": "fill", "parameters": params}}]


async def _traced_calls(url: str, folder: str) -> sn.Run:
    rng = random.Random(0)
    plan = {f"c{i}": (rng.randint(0, 16), rng.randint(1, 12)) for i in range(N_CALLS)}
    g = sn.TaskGraph()
    for task_id in plan:
        g.add(f"call {task_id}", id=task_id)

    async def work(task: sn.Task, ctx: sn.Context) -> int:
        pad, k = plan[task.id]
        await asyncio.sleep(int(task.id[1:]) * SPREAD_S / N_CALLS)  # arrivals, not a race fix
        text = "abcdefghijklmnopqrstuvwxyz " * 12 + " ".join(["calibration-word"] * (pad * 25))
        c = await complete(
            model="openai/sim-known",
            messages=[{"role": "user", "content": text}],
            tools=_fill_tool(k),
            tool_choice={"type": "function", "function": {"name": "fill"}},
            ctx=ctx,
            api_base=url,
            api_key="sk-local",
        )
        return c.tokens_out

    return await sn.run_graph(g, work, max_concurrency=N_CALLS, clock="real", trace=folder)


@pytest.fixture
def known_profile():
    register_profile("known", KNOWN, replace=True)
    yield KNOWN
    unregister_profile("known")


def test_calibrate_recovers_serve_sims_parameters(known_profile, tmp_path):
    with serve_sim() as server:
        warm = complete(model="openai/sim-known", messages=[{"role": "user", "content": "hi"}],
                        api_base=server.url, api_key="sk-local")  # fmt: skip
        asyncio.run(warm)  # litellm's first call imports and builds its clients: keep it out
        run = asyncio.run(_traced_calls(server.url, str(tmp_path)))
    assert run.status == "completed"
    calls = [e for e in run.events if e["kind"] == "model.call"]
    assert len(calls) == N_CALLS

    cal = calibrate(tmp_path)
    fit = cal.profile
    assert cal.model == "openai/sim-known" and cal.calls == N_CALLS
    for name in ("overhead_s", "prefill_tokens_per_s", "output_tokens_per_s"):
        want, got = getattr(KNOWN, name), getattr(fit, name)
        assert abs(got - want) <= 0.10 * want, f"{name}: fitted {got:.4g}, served {want:.4g}"
    assert 0.05 <= fit.latency_sigma <= 0.25  # load on the machine only widens the spread
    assert fit.input_usd_per_mtok == KNOWN.input_usd_per_mtok
    assert fit.output_usd_per_mtok == KNOWN.output_usd_per_mtok
    assert fit.malformed_rate == 0.0
    assert fit.context_window == KNOWN.context_window  # a served sim model: its own window
    assert "base_accuracy" not in cal.fitted  # no grades in these traces
    assert any("accuracy" in note for note in cal.notes)


def test_a_registered_profile_plays_in_benchmark_worker_processes(known_profile):
    df = sn.bench.compare(
        {"wide": sn.scenarios.WideSearch(n_items=6), "deep": sn.scenarios.DeepSearch(hops=2)},
        ["heuristic"],
        seeds=[0],
        jobs=2,
        swarm_options={"subagents": {"small": "sim/known"}},
    )
    assert list(df["status"]) == ["completed", "completed"]
