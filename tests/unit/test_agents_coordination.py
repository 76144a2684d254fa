"""Help requests, decisions and shared context travel over the bus between agents."""

from __future__ import annotations

import pytest

import swarmnb as sn
from tests.agents_support import manifest, virtual


def test_shared_context_reaches_every_agents_prompt_and_expires():
    async def main():
        async with sn.agents.Registry() as reg:
            await reg.install(manifest(), count=2)
            await reg.share("knowledge", {"style": "short answers"}, ttl_s=60)
            await reg.share("knowledge", {"deadline": "friday"})
            res = await reg.submit("worker", "what should we remember")
            assert res.ok
            assert [c["data"] for c in reg.context()] == [{"style": "short answers"},
                                                          {"deadline": "friday"}]  # fmt: skip
            assert "short answers" in reg._context_prompt()
            import asyncio

            await asyncio.sleep(61)
            assert [c["data"] for c in reg.context("knowledge")] == [{"deadline": "friday"}]

    virtual(main)


def test_help_requests_and_decisions_are_answered_by_an_agent_of_the_role():
    async def main():
        async with sn.agents.Registry() as reg:
            await reg.install(manifest("qa"), count=1)
            await reg.install(manifest("lead"), count=1)
            offer = await reg.ask("qa", "which edge cases matter")
            assert offer.from_agent == "qa-1" and "edge cases" in offer.answer
            made = await reg.decide("lead", "ship today or wait", ["wait", "ship"])
            assert made.made_by == "lead-1" and made.choice in ("wait", "ship")
            [shared] = reg.context("decision")
            assert shared["data"]["choice"] == made.choice and shared["from"] == "lead-1"
            with pytest.raises(sn.RegistryError, match="at least one option"):
                await reg.decide("lead", "?", [])
            with pytest.raises(sn.UnknownRole):
                await reg.ask("nobody", "hello?")

    virtual(main)


def test_agents_ask_for_help_through_a_gated_tool():
    async def main():
        async with sn.agents.Registry() as reg:
            await reg.install(manifest("qa"), count=1)
            await reg.install(manifest("dev", capabilities=["agents.help"]), count=1)
            answer = await reg.call_tool("dev-1", "ask_help", {"role": "qa", "question": "why"})
            assert answer.startswith("qa-1: ")
            with pytest.raises(sn.CapabilityDenied, match=r"agents\.help"):
                await reg.call_tool("qa-1", "ask_help", {"role": "dev", "question": "why"})

    virtual(main)
