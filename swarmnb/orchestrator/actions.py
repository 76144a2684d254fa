"""The K2.5 orchestrator's action space and limits.

The orchestrator acts in *stages* (turns). In each it may ``spawn`` subagents, ``assign``
subtasks to them (several assignments in one stage run concurrently), ``join`` on their
results, call a tool itself, ``replan`` the rest, or ``finish`` with the answer. Every action
is recorded as a ``policy.decision`` event with its stage, which is what critical steps are
counted from. An LLM orchestrator sees two of these as tools, exactly as in K2.5:
``create_subagent(name, system_prompt)`` and ``assign_task(agent, prompt)``.

Example::

    Assign(subtasks=("wide-01", "wide-02"), width=2, profile="small").event()
    # {'action': 'assign', 'subtasks': ['wide-01', 'wide-02'], 'width': 2, 'profile': 'small'}
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

__all__ = [
    "ORCHESTRATOR_SYSTEM_PROMPT",
    "Action",
    "Assign",
    "Finish",
    "Join",
    "Replan",
    "Spawn",
    "ToolCall",
]

ORCHESTRATOR_SYSTEM_PROMPT = (
    "You are the orchestrator of a swarm of subagents. Break the goal into independent "
    "subtasks. Create subagents with create_subagent(name, system_prompt) and give each a "
    "self-contained task with assign_task(agent, prompt): every assign_task call you make in "
    "one turn runs in parallel and returns that subagent's final answer. Assign a subtask that "
    "needs another's result only after that result has returned. Do not parallelize what is "
    "sequential. When every subtask has returned, reply with the final answer in the format "
    "the goal asks for, without calling tools."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """Base of the orchestrator's actions."""

    name: ClassVar[str] = "action"

    def event(self) -> dict[str, Any]:
        """Fields for the ``policy.decision`` event that records this action."""
        fields = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
        return {"action": self.name, **{k: v for k, v in fields.items() if v is not None}}


@dataclass(frozen=True, slots=True, kw_only=True)
class Spawn(Action):
    """Create ``n`` subagents of a frozen ``profile``."""

    name: ClassVar[str] = "spawn"
    n: int
    profile: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Assign(Action):
    """Give subtasks to subagents; all of one stage run concurrently."""

    name: ClassVar[str] = "assign"
    subtasks: tuple[str, ...]
    width: int | None = None
    profile: str | None = None
    logprob: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Join(Action):
    """Wait for the results of these subtasks."""

    name: ClassVar[str] = "join"
    ids: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCall(Action):
    """The orchestrator calls a scenario tool itself."""

    name: ClassVar[str] = "tool_call"
    tool: str
    args: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Replan(Action):
    """Re-decompose what is left (``scope``: the subtasks to redo)."""

    name: ClassVar[str] = "replan"
    scope: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Finish(Action):
    """End the episode with the merged answer."""

    name: ClassVar[str] = "finish"
    answered: int | None = None
