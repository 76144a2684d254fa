"""The ideal orchestrator a ``sim/`` model plays when it has the K2.5 orchestration tools.

When the tools offered include ``create_subagent(name, system_prompt)`` and
``assign_task(agent, prompt)``, the scenario oracle answers as an orchestrator would:

1. first turn: create one subagent for the scenario's role (``researcher`` or ``coder``);
2. next turns: assign, all in one turn (parallel tool calls), every subtask of
   ``scenario.split(width)`` whose dependencies have returned, each prompt rendered with its
   dependencies' results (:meth:`Subtask.render`); a subtask whose result came back as an
   error is assigned once more, and after that it is given up together with every subtask
   that needs its result;
3. when nothing is left to assign: the final answer, merged from the subagents' results.

``width`` is :attr:`Scenario.default_width` (min(⌈n/5⌉, 20) for wide search, 1 for deep
search, the widest DAG level for coding). An instruction in a system or task message sets it:
"use 8 subagents" replaces it, "use at most 4 subagents" caps it.

Example::

    reply = sc.oracle.respond([{"role": "user", "content": sc.goal}], ORCHESTRATOR_TOOLS,
                              accuracy=1.0, rng=random.Random(0))
    reply["tool_calls"][0]["name"]     # 'create_subagent'
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from ..oracle import SimReply, final_reply
from ..protocol import ASSIGN_TASK, CREATE_SUBAGENT
from ._conversation import Conversation

if TYPE_CHECKING:
    from ._base import Scenario

__all__ = ["MAX_REASSIGN", "orchestrate", "subtask_id"]

MAX_REASSIGN = 1
_SUBTASK = re.compile(r"Subtask (\S+) of \d+")
_CAP = re.compile(r"at most (\d+) (?:parallel )?sub-?agents", re.IGNORECASE)
_USE = re.compile(r"\buse (\d+) (?:parallel )?sub-?agents", re.IGNORECASE)


def subtask_id(prompt: str) -> str | None:
    """The subtask id written in a subtask prompt's header."""
    found = _SUBTASK.search(prompt)
    return found.group(1) if found else None


def _width(sc: Scenario, conv: Conversation) -> int:
    width = sc.default_width
    for text in (conv.system, conv.task):
        for wanted in _USE.findall(text):
            width = max(1, int(wanted))
    for text in (conv.system, conv.task):
        for cap in _CAP.findall(text):
            width = min(width, max(1, int(cap)))
    return width


def orchestrate(sc: Scenario, conv: Conversation) -> SimReply:
    """The ideal orchestrator's next move (see module docs)."""
    creations = [c for c in conv.calls if c.name == CREATE_SUBAGENT]
    if not any(c.ok for c in creations) and len(creations) < 2:
        system_prompt = (
            f"{sc.role_prompt} Use the tools you are given, follow the task's instructions "
            "exactly, and end with the final answer in the format the task asks for."
        )
        return {
            "content": None,
            "tool_calls": [
                {
                    "name": CREATE_SUBAGENT,
                    "arguments": {"name": sc.role, "system_prompt": system_prompt},
                }
            ],
        }
    agent = next((c.arg("name") for c in creations if c.ok and c.arg("name")), sc.role)
    subtasks = sc.split(_width(sc, conv))
    known = {s.id for s in subtasks}
    results: dict[str, str] = {}
    attempts: Counter[str] = Counter()
    for call in conv.calls:
        sid = subtask_id(call.arg("prompt")) if call.name == ASSIGN_TASK else None
        if sid in known:
            attempts[sid] += 1
            if call.ok and call.result is not None:
                results[sid] = call.result
    # Given up: failed too often, or (in dependency order) needing a given-up subtask's result.
    given_up = {s for s, n in attempts.items() if n > MAX_REASSIGN and s not in results}
    for s in subtasks:
        if s.id not in results and any(d in given_up for d in s.deps):
            given_up.add(s.id)
    ready = [
        s
        for s in subtasks
        if s.id not in results and s.id not in given_up and all(d in results for d in s.deps)
    ]
    if ready:
        return {
            "content": None,
            "tool_calls": [
                {"name": ASSIGN_TASK, "arguments": {"agent": agent, "prompt": s.render(results)}}
                for s in ready
            ],
        }
    ordered = {s.id: results[s.id] for s in subtasks if s.id in results}
    return final_reply(sc._final_from_results(ordered))
