"""Supervision: crashes and hangs restart agents, work is re-queued, anomalies quarantine."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

import swarmnb as sn
from swarmnb.models import sim_fast_path
from tests.agents_support import manifest, search, virtual


def _kinds(reg, kind, **match):
    return [
        e for e in reg.events
        if e["kind"] == kind and all(e.get(k) == v for k, v in match.items())
    ]  # fmt: skip


def test_a_killed_agent_restarts_and_its_task_moves_to_a_healthy_agent():
    async def main():
        release = asyncio.Event()

        @sn.tool(capability="web.search")
        async def hold(query: str) -> str:
            """Wait until released."""
            await release.wait()
            return "released"

        async with sn.agents.Registry() as reg:
            await reg.install(manifest(), count=2)
            chaos = sn.agents.Chaos(reg, crash_rate=0.0)
            fut = reg.send("worker", "hold this", tools=[hold], task_id="job")
            await asyncio.sleep(2)
            victim = reg.tasks().set_index("id").loc["job", "agent"]
            chaos.kill(victim)
            await asyncio.sleep(0)
            release.set()
            res = await fut
            assert res.ok and res.attempts == 2 and res.agent != victim
            assert len(_kinds(reg, "agent.unhealthy", agent=victim)) == 1
            [restarted] = _kinds(reg, "agent.restarted", agent=victim)
            assert restarted["incarnation"] == 2
            assert _kinds(reg, "task.retrying", task="job")[0]["agent"] == victim
            row = reg.agents().set_index("id").loc[victim]
            assert row["restarts"] == 1 and row["health"] == "healthy"
            assert len(_kinds(reg, "task.completed", task="job")) == 1
            assert len(chaos.faults) == 1 and reg.supervisor.recoveries == [0.0]

    virtual(main)


def test_a_hung_agent_misses_heartbeats_and_is_restarted():
    async def main():
        async with sn.agents.Registry() as reg:
            await reg.install(manifest(health={"interval_s": 1.0, "timeout_s": 3.0}), count=2)
            chaos = sn.agents.Chaos(reg, crash_rate=0.0, hang_rate=1.0, max_faults=1, seed=0)
            res = await reg.submit("worker", "search it", tools=[search])
            assert res.ok and res.attempts == 2
            [fault] = chaos.faults.to_dict("records")
            assert fault["kind"] == "hang"
            [unhealthy] = _kinds(reg, "agent.unhealthy", agent=fault["agent"])
            assert "no heartbeat" in unhealthy["reason"]
            [restart] = _kinds(reg, "agent.restarted", agent=fault["agent"])
            assert restart["t"] - unhealthy["t"] == pytest.approx(0.5)  # threshold 2 × check 0.5 s
            assert 3.0 < reg.supervisor.recoveries[0] < 5.0

    virtual(main)


def test_restart_intensity_limits_give_an_agent_up():
    async def main():
        async with sn.agents.Registry() as reg:
            await reg.install(
                manifest(health={"max_restarts": 1, "restart_window_s": 600}), count=1
            )
            chaos = sn.agents.Chaos(reg, crash_rate=0.0)
            chaos.kill("worker-1")
            await asyncio.sleep(1)
            assert reg.agents().iloc[0]["restarts"] == 1
            chaos.kill("worker-1")
            await asyncio.sleep(1)
            assert reg.agents().iloc[0]["status"] == "failed"
            gave_up = _kinds(reg, "agent.unhealthy", gave_up=True)
            assert len(gave_up) == 1 and "limit 1" in gave_up[0]["reason"]
            res = await reg.submit("worker", "search nobody", tools=[search])
            assert res.status == "failed" and "no worker agent is left" in res.error

    virtual(main)


def test_too_many_denied_calls_quarantine_an_agent_until_released():
    async def main():
        async with sn.agents.Registry() as reg:
            await reg.install(manifest(capabilities=[], limits={"max_denied": 2}), count=2)
            for _ in range(2):
                with pytest.raises(sn.CapabilityDenied):
                    await reg.call_tool("worker-1", search, {"query": "x"})
            [q] = _kinds(reg, "agent.quarantined")
            assert q["agent"] == "worker-1" and "2 denied capability calls" in q["reason"]
            assert reg.agents().set_index("id").loc["worker-1", "status"] == "quarantined"
            results = await asyncio.gather(*(reg.submit("worker", f"note {i}") for i in range(4)))
            assert {r.agent for r in results} == {"worker-2"}
            reg.release("worker-1")
            results = await asyncio.gather(*(reg.submit("worker", f"note {i}") for i in range(4)))
            assert {r.agent for r in results} == {"worker-1", "worker-2"}

    virtual(main)


def test_token_spend_far_above_the_role_norm_quarantines():
    async def main():
        @sn.tool(capability="web.search")
        def fetch(query: str) -> str:
            """Fetch a page."""
            return "page " * (20_000 if "huge" in query else 5)

        async with sn.agents.Registry() as reg:
            await reg.install(manifest(), count=2)
            for i in range(10):
                await reg.submit("worker", f"fetch page {i}", tools=[fetch])
            res = await reg.submit("worker", "fetch the huge page", tools=[fetch])
            [q] = _kinds(reg, "agent.quarantined")
            assert q["agent"] == res.agent and "median" in q["reason"]

    virtual(main)


def test_chaos_at_scale_loses_nothing_and_records_each_result_once():
    """100 agents, 1,500 tasks with one tool call each, ≥20% of agents crash or hang."""

    async def main():
        m = manifest(health={"interval_s": 0.5, "timeout_s": 1.5, "max_restarts": 1000})
        async with sn.agents.Registry(max_attempts=20) as reg:
            await reg.install(m, count=100)
            chaos = sn.agents.Chaos(reg, crash_rate=0.03, hang_rate=0.02, seed=7)
            results = await asyncio.gather(
                *(reg.submit("worker", f"search item {i}", tools=[search]) for i in range(1500))
            )
            return reg, chaos, results

    with sim_fast_path():
        reg, chaos, results = virtual(main)
    assert len(results) == 1500 and all(r.ok for r in results)
    faulted = set(chaos.faults["agent"])
    assert len(faulted) >= 20, len(faulted)
    assert set(chaos.faults["kind"]) == {"crash", "hang"}
    terminal = Counter(
        e["task"] for e in reg.events
        if e["kind"] in ("task.completed", "task.failed", "task.cancelled")
    )  # fmt: skip
    assert terminal == {r.task_id: 1 for r in results}
    tool_calls = [e for e in reg.events if e["kind"] == "tool.call"]
    assert len(tool_calls) >= 1500
    assert len(_kinds(reg, "agent.restarted")) == len(chaos.faults)
