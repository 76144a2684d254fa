"""Play a scenario with its own oracle as the agent: no model, no runtime, just the loop.

:func:`play` runs the standard tool-calling loop — ask for a reply, execute its tool calls
(parallel ones concurrently), append the results, repeat until a final answer — with the
scenario's oracle in place of a model. With ``orchestrate=True`` the top agent gets the K2.5
tools ``create_subagent`` / ``assign_task`` and every assignment runs a subagent loop of its
own. It shows what the ideal agent does and how many steps it takes, and it is how the tests
check that every scenario can be played to the end.

Example::

    sc = WideSearch(n_items=10, seed=0)
    p = await play(sc, accuracy=1.0)
    p.scores["success_rate"], p.steps        # 1.0, 21
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ..protocol import ASSIGN_TASK, CREATE_SUBAGENT, ORCHESTRATOR_TOOLS
from ._base import Scenario
from ._tools import ToolError

__all__ = ["ORCHESTRATOR_TOOLS", "Playthrough", "play"]

Handler = Callable[[str, dict[str, Any]], Awaitable[str]]


@dataclass(slots=True)
class Playthrough:
    """How a play went: the final answer, its scores and the step counts."""

    answer: str
    scores: dict[str, float]
    steps: int  #: turns of the top agent (the orchestrator when orchestrating)
    tool_calls: int  #: tool calls of every agent
    sub_steps: list[int] = field(default_factory=list)  #: turns of each subagent run
    messages: list[dict[str, Any]] = field(default_factory=list, repr=False)


async def _loop(
    sc: Scenario,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]],
    handle: Handler,
    *,
    accuracy: float,
    label: str,
    max_turns: int,
    counter: list[int],
) -> tuple[str, int]:
    turn = 0
    while True:
        rng = random.Random(f"{label}:{turn}")
        forced = turn >= max_turns
        reply = sc.oracle.respond(messages, None if forced else tools, accuracy=accuracy, rng=rng)
        turn += 1
        if forced or not reply["tool_calls"]:
            messages.append({"role": "assistant", "content": reply["content"]})
            return reply["content"] or "", turn
        calls = [
            {
                "id": f"{label}-{turn}-{i}",
                "type": "function",
                "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])},
            }
            for i, c in enumerate(reply["tool_calls"])
        ]
        messages.append({"role": "assistant", "content": reply["content"], "tool_calls": calls})
        counter[0] += len(calls)
        outputs = await asyncio.gather(
            *(handle(c["name"], c["arguments"]) for c in reply["tool_calls"])
        )
        for call, output in zip(calls, outputs, strict=True):
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": output})


async def play(
    scenario: Scenario,
    *,
    accuracy: float = 1.0,
    seed: int = 0,
    orchestrate: bool = False,
    width: int | None = None,
    max_turns: int | None = None,
) -> Playthrough:
    """Play ``scenario`` with its oracle as every agent; grade the final answer.

    ``orchestrate=True`` plays the K2.5 orchestrator (with ``width`` subagents if given, else
    the scenario's default width); otherwise one agent does the whole goal.
    """
    sc = scenario
    limit = max_turns or int(4 * sc.features()["est_steps_single"]) + 20
    counter = [0]
    sub_steps: list[int] = []

    async def use_tool(name: str, args: dict[str, Any]) -> str:
        try:
            return await sc.call_tool(name, args)
        except ToolError as exc:
            return f"Error: {exc}"

    agents: dict[str, str] = {}

    async def orchestrator_tool(name: str, args: dict[str, Any]) -> str:
        if name == CREATE_SUBAGENT:
            agents[str(args.get("name"))] = str(args.get("system_prompt", ""))
            return f"Created subagent {args.get('name')!r}."
        if name != ASSIGN_TASK or str(args.get("agent")) not in agents:
            return f"Error: cannot run {name} with {sorted(args)} (known agents: {list(agents)})"
        k = len(sub_steps)
        sub_steps.append(0)
        messages = [
            {"role": "system", "content": agents[str(args["agent"])]},
            {"role": "user", "content": str(args.get("prompt", ""))},
        ]
        answer, turns = await _loop(
            sc, messages, sc.tools(), use_tool, accuracy=accuracy,
            label=f"{seed}:sub{k}", max_turns=limit, counter=counter,
        )  # fmt: skip
        sub_steps[k] = turns
        return answer

    messages: list[dict[str, Any]] = [{"role": "user", "content": sc.goal}]
    if orchestrate and width is not None:
        messages.insert(0, {"role": "system", "content": f"Use {int(width)} subagents."})
    tools, handle = (
        (ORCHESTRATOR_TOOLS, orchestrator_tool) if orchestrate else (sc.tools(), use_tool)
    )
    answer, steps = await _loop(
        sc, messages, tools, handle, accuracy=accuracy, label=f"{seed}:main",
        max_turns=limit, counter=counter,
    )  # fmt: skip
    scores = await sc.agrade(answer)
    return Playthrough(answer, scores, steps, counter[0], sub_steps, messages)
