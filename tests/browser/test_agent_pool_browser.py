"""The agent pool in headless Chromium shows a registry's health, restarts, quarantine, denials."""

from __future__ import annotations

import asyncio

import pytest

import swarmnb as sn
from swarmnb.runtime.clock import run_blocking
from tests.agents_support import manifest, search

from .harness import Hub, WidgetPage

pytestmark = pytest.mark.browser


def _registry_events() -> list[dict]:
    async def main():
        async with sn.agents.Registry() as reg:
            await reg.install(manifest(), count=2)
            await asyncio.gather(
                *(reg.submit("worker", f"search {i}", tools=[search]) for i in range(4))
            )
            sn.agents.Chaos(reg, crash_rate=0.0).kill("worker-2")
            await asyncio.sleep(2)
            await reg.install(manifest("rogue", capabilities=[], limits={"max_denied": 1}))
            await reg.submit("rogue", "search secrets", tools=[search])
            return reg.events

    return run_blocking(main, "virtual")  # Playwright holds this thread's loop


def test_supervised_agents_show_health_restarts_quarantine_and_denials(
    hub: Hub, widget_page: WidgetPage
) -> None:
    view = sn.ui.AgentPoolView.from_events(_registry_events())
    widget_page.render(view)
    widget_page.wait_until(
        lambda: widget_page.js("document.querySelectorAll('.sn-agent').length") == 3,
        what="three agent tiles",
    )
    health = dict(
        widget_page.js(
            "Array.from(document.querySelectorAll('.sn-agent'), t => [t.dataset.agent, "
            "[t.dataset.health, t.querySelector('.sn-agent-health').textContent]])"
        )
    )
    assert health["worker-1"][0] == "healthy" and "0 restarts" in health["worker-1"][1]
    assert "♥" in health["worker-1"][1] and "s ago" in health["worker-1"][1]
    assert health["worker-2"][0] == "healthy" and "1 restarts" in health["worker-2"][1]
    assert health["rogue-1"][0] == "quarantined" and "1 denied" in health["rogue-1"][1]
    assert widget_page.errors() == []
