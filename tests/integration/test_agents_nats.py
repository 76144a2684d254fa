"""Agents over NATS: assignments, heartbeats and results travel through a real nats-server."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

import swarmnb as sn
from tests.agents_support import manifest, search
from tests.bus_support import make_bus, nats_server  # noqa: F401 - fixture

pytestmark = pytest.mark.timeout(120)


async def test_a_registry_on_nats_survives_a_crash_and_the_stream_holds_each_result_once(
    nats_server,  # noqa: F811
):
    gen = make_bus("nats", nats_server)
    bus = await gen.__anext__()
    try:
        m = manifest(health={"interval_s": 0.2, "timeout_s": 1.0})
        async with sn.agents.Registry(bus=bus, model_options={"sim_latency_scale": 0.0}) as reg:
            await reg.install(m, count=3)
            futures = [reg.send("worker", f"search item {i}", tools=[search]) for i in range(30)]
            chaos = sn.agents.Chaos(reg, crash_rate=0.0)
            await asyncio.sleep(0)
            chaos.kill("worker-2")
            results = await asyncio.gather(*futures)
            assert all(r.ok for r in results)
            assert any(e["kind"] == "agent.restarted" for e in reg.events)
            beats = [e for e in reg.events if e["kind"] == "agent.heartbeat"]
            assert {e["agent"] for e in beats} == {"worker-1", "worker-2", "worker-3"}
        stored = Counter([m.data["task_id"] async for m in bus.replay("swarmnb.tasks.completed")])
        assert stored == {r.task_id: 1 for r in results}
    finally:
        with pytest.raises(StopAsyncIteration):
            await gen.__anext__()
