"""A free-form goal over litellm's real ``openai/`` HTTP path against serve_sim."""

from __future__ import annotations

import swarmnb as sn
from swarmnb.models import serve_sim


@sn.tool(capability="web.search")
async def search(query: str) -> str:
    """Search the web."""
    return f"3 pages about {query}"


@sn.tool(capability="web.fetch")
def fetch(url: str) -> str:
    """Fetch a page."""
    return f"page {url[:20]}"


def test_goal_over_http_matches_in_process():
    goal = "summarise what agents need from a message bus"
    local = sn.Swarm(clock="virtual", trace=None, subagents={"small": "sim/small"}).solve_sync(
        goal, tools=[search, fetch]
    )
    with serve_sim(latency_scale=0.0) as server:
        remote = sn.Swarm(
            clock="real", trace=None, subagents={"small": "openai/sim-small"},
            orchestrator_model="openai/sim-orchestrator",
            model_options={"api_base": server.url, "api_key": "sk-local", "timeout": 10.0},
        ).solve_sync(goal, tools=[search, fetch])  # fmt: skip
    assert remote.status == local.status == "completed"
    assert remote.answer == local.answer
    assert remote.metrics["spawn_count"] == local.metrics["spawn_count"]
    assert remote.metrics["item_f1"] is None
