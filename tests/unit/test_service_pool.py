"""The service's agent pool: concurrent slots per agent, crashes and restarts."""

import asyncio

import pytest

from swarmnb._exceptions import AgentCrashed
from swarmnb.api._pool import AgentPool


def test_each_agent_takes_up_to_its_slots_and_work_spreads_across_agents():
    async def main():
        pool = AgentPool(n=3, slots=2)
        slots = [await pool.acquire() for _ in range(6)]
        ids = [s.agent.id for s in slots]
        assert ids[:3] == ["agent-000", "agent-001", "agent-002"]  # one each before doubling up
        assert sorted(ids) == sorted(["agent-000", "agent-001", "agent-002"] * 2)
        assert all(a.running == 2 and a.status == "busy" for a in pool.agents)
        waiting = asyncio.ensure_future(pool.acquire())
        await asyncio.sleep(0)
        assert not waiting.done()  # every slot taken
        pool.release(slots[0])
        assert (await waiting).agent is slots[0].agent
        for slot in slots[1:]:
            pool.release(slot)
        assert [a.running for a in pool.agents] == [1, 0, 0]

    asyncio.run(main())


def test_a_crash_loses_the_agents_other_work_and_the_restart_gives_its_slots_back():
    async def main():
        events = []
        pool = AgentPool(n=1, slots=3, restart_s=0.01)
        pool.bind(lambda kind, **fields: events.append(kind))
        first, second = await pool.acquire(), await pool.acquire()
        error = pool.crash(first, "t1")
        assert isinstance(error, AgentCrashed) and first.agent.status == "down"
        assert pool.lost(second)  # the sibling attempt's result is gone with the agent
        assert isinstance(pool.crash(second, "t2"), AgentCrashed)  # down already: one restart
        pool.release(first)
        pool.release(second)  # void slots do not come back
        assert first.agent.running == 0
        waiting = asyncio.ensure_future(pool.acquire())
        await asyncio.sleep(0)
        assert not waiting.done()  # the free slot it had is void too
        slot = await asyncio.wait_for(waiting, 5)
        assert slot.agent.status == "busy" and not pool.lost(slot)
        more = [await pool.acquire() for _ in range(2)]  # all three slots are back, no more
        assert slot.agent.running == 3 and all(not pool.lost(s) for s in more)
        assert events == ["agent.spawned", "agent.unhealthy", "agent.restarted"]

    asyncio.run(main())


@pytest.mark.parametrize("slots", [1, 4])
def test_the_pool_never_hands_out_more_than_agents_times_slots(slots):
    async def main():
        pool = AgentPool(n=5, slots=slots, restart_s=0.0)
        peak = 0

        async def attempt(k):
            nonlocal peak
            slot = await pool.acquire()
            try:
                peak = max(peak, sum(a.running for a in pool.agents))
                await asyncio.sleep(0)
                if k % 7 == 0:
                    raise pool.crash(slot, f"t{k}")
            except AgentCrashed:
                pass
            finally:
                pool.release(slot)

        await asyncio.gather(*(attempt(k) for k in range(200)))
        await asyncio.sleep(0.05)  # let the last restarts put their slots back
        assert peak == 5 * slots
        assert all(a.running == 0 and a.status == "idle" for a in pool.agents)
        assert pool._free.qsize() >= 5 * slots

    asyncio.run(main())
