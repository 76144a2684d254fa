"""Subagents: frozen profiles, a pool that spawns them, and the tool loop each one runs.

A subagent is a *frozen* model profile (no learning happens inside an episode) with its own
system prompt and, crucially, its own context: it sees only the task it is assigned, works
through the scenario's tools, and only its final message returns to the orchestrator. That
context sharding is what keeps each subagent's prompt short — and its accuracy high — while
the swarm as a whole reads far more than one context could hold.

Example::

    pool = AgentPool(run=run, models={"small": "sim/small"}, max_subagents=100)
    agent = pool.spawn(profile="small", name="researcher-1", system_prompt="…")
    answer = await run_agent(agent, prompt, scenario=sc, ctx=ctx, max_steps=100, seed=0)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .._exceptions import AgentLimitReached, StepLimitReached, SwarmError

__all__ = [
    "Agent",
    "AgentLimitReached",
    "AgentPool",
    "ContextStrategy",
    "StepLimitReached",
    "run_agent",
]


class ContextStrategy(Protocol):
    """Rewrites an agent's conversation before a turn so that it fits (keep, drop, summarize).

    ``fit`` returns the messages to send; it may call a model itself (through ``ctx``, so the
    cost and steps are counted).
    """

    async def fit(
        self, messages: list[dict[str, Any]], *, agent: Agent, scenario: Any, ctx: Any
    ) -> list[dict[str, Any]]: ...


@dataclass(slots=True, kw_only=True)
class Agent:
    """One frozen subagent: a model profile, a system prompt, and its tally."""

    id: str
    name: str
    profile: str
    model: str
    system_prompt: str
    role: str | None = None
    assigned: int = 0


class AgentPool:
    """Spawns subagents (at most ``max_subagents``) and records their lifecycle as events."""

    def __init__(self, *, run: Any, models: Mapping[str, str], max_subagents: int) -> None:
        self._run = run
        self.models = dict(models)
        self.max_subagents = max_subagents
        self.agents: dict[str, Agent] = {}
        self._by_name: dict[str, Agent] = {}

    def spawn(
        self, *, profile: str, name: str, system_prompt: str, role: str | None = None
    ) -> Agent:
        if len(self.agents) >= self.max_subagents:
            raise AgentLimitReached(f"max_subagents={self.max_subagents} reached")
        if profile not in self.models:
            raise SwarmError(f"unknown subagent profile {profile!r}; have {list(self.models)}")
        agent = Agent(
            id=f"agent-{len(self.agents) + 1:03d}",
            name=name,
            profile=profile,
            model=self.models[profile],
            system_prompt=system_prompt,
            role=role,
        )
        self.agents[agent.id] = agent
        self._by_name[name] = agent
        self._run.emit(
            "agent.spawned",
            agent=agent.id,
            name=name,
            profile=profile,
            model=agent.model,
            role=role,
        )
        return agent

    def by_name(self, name: str) -> Agent | None:
        return self._by_name.get(name) or self.agents.get(name)

    def finish_all(self) -> None:
        for agent in self.agents.values():
            self._run.emit("agent.finished", agent=agent.id, assigned=agent.assigned)

    def __len__(self) -> int:
        return len(self.agents)

    def __repr__(self) -> str:
        return f"<AgentPool agents={len(self.agents)}/{self.max_subagents}>"


async def _call_tool(scenario: Any, call: Any, ctx: Any) -> dict[str, Any]:
    from ..scenarios import ToolError

    try:
        content = await scenario.call_tool(call.name, call.arguments)
        ok = True
    except ToolError as exc:
        content, ok = f"ERROR: {exc}", False
    ctx.record_usage(steps=1)
    ctx.emit("tool.call", tool=call.name, ok=ok)
    return {"role": "tool", "tool_call_id": call.id, "content": content}


async def run_agent(
    agent: Agent,
    prompt: str,
    *,
    scenario: Any,
    ctx: Any,
    max_steps: int,
    seed: int,
    model_options: Mapping[str, Any] | None = None,
    context: ContextStrategy | None = None,
) -> str:
    """Run ``agent`` on ``prompt`` with the scenario's tools until it answers.

    Each turn is one model call; the tool calls of a turn run concurrently. Every model call
    and every tool call counts as a step. Before each turn a ``context`` strategy may rewrite
    the conversation to fit the model's window (``None`` keeps everything). Raises
    :class:`StepLimitReached` after ``max_steps`` turns without a final answer.
    """
    from ..models import complete

    agent.assigned += 1
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": agent.system_prompt},
        {"role": "user", "content": prompt},
    ]
    tools = scenario.tools()
    for _ in range(max_steps):
        if context is not None:
            messages = await context.fit(messages, agent=agent, scenario=scenario, ctx=ctx)
        reply = await complete(
            model=agent.model, messages=messages, tools=tools, ctx=ctx, seed=seed,
            **dict(model_options or {}),
        )  # fmt: skip
        messages.append(reply.message)
        if not reply.tool_calls:
            return reply.content or ""
        messages.extend(
            await asyncio.gather(*(_call_tool(scenario, c, ctx) for c in reply.tool_calls))
        )
    raise StepLimitReached(
        f"{agent.name} ({agent.id}) used its {max_steps} steps without a final answer "
        f"(last tool calls: {json.dumps([c.name for c in reply.tool_calls])})"
    )
