"""The agent pool shows supervised agents: health, heartbeat age, restarts, quarantine, denials."""

from __future__ import annotations

import asyncio

import swarmnb as sn
from swarmnb.ui._records import AGENT_FIELDS
from tests.agents_support import manifest, search, virtual


def _rows(view) -> dict[str, dict]:
    assert list(view.fields) == list(AGENT_FIELDS)
    return {a: dict(zip(AGENT_FIELDS, s.row(), strict=True)) for a, s in view.state.agents.items()}


def test_the_agent_pool_shows_supervision_live_and_from_the_log():
    async def main():
        async with sn.agents.Registry() as reg:
            await reg.install(manifest(), count=2)
            view = reg.dashboard()
            await asyncio.gather(
                *(reg.submit("worker", f"search {i}", tools=[search]) for i in range(4))
            )
            sn.agents.Chaos(reg, crash_rate=0.0).kill("worker-2")
            await asyncio.sleep(2)
            await reg.install(manifest("rogue", capabilities=[], limits={"max_denied": 1}))
            await reg.submit("rogue", "search secrets", tools=[search])
            await asyncio.sleep(1)
            view._feed.flush()
            return reg, view

    reg, live = virtual(main)
    replayed = sn.ui.AgentPoolView.from_events(reg.events)
    for view in (live, replayed):
        rows = _rows(view)
        assert set(rows) == {"worker-1", "worker-2", "rogue-1"}
        assert rows["worker-2"]["restarts"] == 1 and rows["worker-2"]["health"] == "healthy"
        assert rows["worker-1"]["restarts"] == 0 and rows["worker-1"]["quarantined"] == 0
        assert rows["rogue-1"]["quarantined"] == 1 and rows["rogue-1"]["denied"] == 1
        assert rows["worker-1"]["role"] == "worker"
        assert view.clock - rows["worker-1"]["last_heartbeat"] < 1.5  # heartbeats every 1 s
    assert replayed.clock >= live.clock
