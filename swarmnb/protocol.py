"""The K2.5 orchestrator contract, in one leaf module: tool names, schemas, prompts, tags.

Everything a model (or the ``sim/`` oracle that plays one) and the orchestrator must agree on
lives here and nowhere else: the two orchestration tools an LLM orchestrator is given —
``create_subagent(name, system_prompt)`` and ``assign_task(agent, prompt)`` — as names and as
OpenAI tool schemas, the orchestrator's system prompt, and the tag that marks a condensed
summary of earlier turns. This module imports nothing from swarmnb.

Example::

    from swarmnb import protocol

    protocol.ORCHESTRATOR_TOOLS[1]["function"]["name"]    # 'assign_task'
    protocol.is_orchestrator({"create_subagent", "assign_task", "search"})   # True
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final

__all__ = [
    "ASSIGN_TASK",
    "CREATE_SUBAGENT",
    "ORCHESTRATOR_SYSTEM_PROMPT",
    "ORCHESTRATOR_TOOLS",
    "ORCHESTRATOR_TOOL_NAMES",
    "SUMMARY_INTRO",
    "SUMMARY_TAG",
    "is_orchestrator",
]

#: Create a reusable subagent: ``create_subagent(name, system_prompt, profile?)``.
CREATE_SUBAGENT: Final = "create_subagent"
#: Give a subagent a task and get its final answer: ``assign_task(agent, prompt)``.
ASSIGN_TASK: Final = "assign_task"
ORCHESTRATOR_TOOL_NAMES: Final = frozenset({CREATE_SUBAGENT, ASSIGN_TASK})

ORCHESTRATOR_SYSTEM_PROMPT: Final = (
    "You are the orchestrator of a swarm of subagents. Break the goal into independent "
    "subtasks. Create subagents with create_subagent(name, system_prompt) and give each a "
    "self-contained task with assign_task(agent, prompt): every assign_task call you make in "
    "one turn runs in parallel and returns that subagent's final answer. Assign a subtask that "
    "needs another's result only after that result has returned. Do not parallelize what is "
    "sequential. When every subtask has returned, reply with the final answer in the format "
    "the goal asks for, without calling tools."
)


def _tool(
    name: str, description: str, params: dict[str, str], optional: Collection[str] = ()
) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": {
                    key: {"type": "string", "description": text} for key, text in params.items()
                },
                "required": [p for p in params if p not in optional],
                "additionalProperties": False,
            },
        },
    }


#: The orchestration tools as OpenAI tool schemas, exactly as an LLM orchestrator sees them.
ORCHESTRATOR_TOOLS: Final[list[dict[str, Any]]] = [
    _tool(
        CREATE_SUBAGENT,
        "Create a reusable subagent with a name and a system prompt, optionally on a model "
        "profile (e.g. small or large).",
        {
            "name": "A short name for the subagent.",
            "system_prompt": "Its instructions.",
            "profile": "Optional: the subagent's model profile; default: the swarm's first.",
        },
        optional=("profile",),
    ),
    _tool(
        ASSIGN_TASK,
        "Give a task to a subagent; returns its final answer. Several calls in one turn "
        "run concurrently.",
        {"agent": "The subagent's name.", "prompt": "The complete task."},
    ),
]

#: Opens a user message that carries a summary of condensed earlier turns.
SUMMARY_TAG: Final = "[context summary]"
SUMMARY_INTRO: Final = "Earlier turns were condensed into this summary of what was found so far:"


def is_orchestrator(tool_names: Collection[str]) -> bool:
    """Whether an agent offered these tools is the orchestrator (it has both K2.5 tools)."""
    return set(tool_names) >= ORCHESTRATOR_TOOL_NAMES
