"""``swarm.solve("goal", tools=[...])``: your own task, an LLM orchestrator, no grader."""

from __future__ import annotations

import pytest

import swarmnb as sn
from swarmnb.scenarios import WideSearch

CALLS: list[tuple[str, str]] = []


@sn.tool(capability="web.search")
async def search(query: str) -> str:
    """Search the web."""
    CALLS.append(("search", query))
    return f"3 pages about {query}"


def fetch(url: str, max_chars: int = 200) -> str:
    """Fetch a page."""
    CALLS.append(("fetch", url))
    return f"page {url[:20]} ({max_chars} chars)"


def test_a_free_form_goal_runs_end_to_end_on_sim_orchestrator():
    CALLS.clear()
    swarm = sn.Swarm(clock="virtual", trace=None)
    ep = swarm.solve_sync("compare message brokers for agent swarms", tools=[search, fetch])
    assert ep.status == "completed"
    assert sorted(name for name, _ in CALLS) == ["fetch", "search"]
    assert "3 pages about compare message brokers" in ep.answer and "page compare" in ep.answer
    m = ep.metrics
    assert m["item_f1"] is None and m["pass_at_1"] is None  # no grader
    assert m["critical_steps"] > 0 and m["tokens_in"] > 0 and m["cost_usd"] > 0
    assert m["max_parallelism"] == 2  # one subagent per tool, assigned in one turn
    tool_events = [e for e in ep.run.events if e["kind"] == "tool.call"]
    assert {e["tool"] for e in tool_events} == {"search", "fetch"}
    assert ep.reward is None


def test_bad_goals_and_tools_are_typed_errors():
    swarm = sn.Swarm(clock="virtual", trace=None)

    def untyped(x):
        return x

    with pytest.raises(sn.ToolDefinitionError, match="'x' has no type hint"):
        swarm.solve_sync("do it", tools=[untyped])
    with pytest.raises(ValueError, match="non-empty"):
        swarm.solve_sync("   ", tools=[search])
    with pytest.raises(TypeError, match="tools= goes with a goal"):
        swarm.solve_sync(WideSearch(n_items=4, seed=0), tools=[search])
