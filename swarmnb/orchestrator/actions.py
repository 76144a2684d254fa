"""The K2.5 orchestrator's action space and limits.

The orchestrator acts in *stages* (turns). In each it may ``spawn`` subagents, ``assign``
subtasks to them (several assignments in one stage run concurrently), ``join`` on their
results, call a tool itself, ``replan`` the rest, or ``finish`` with the answer. Every action
is recorded as a ``policy.decision`` event with its stage, which is what critical steps are
counted from. An LLM orchestrator sees two of these as tools, exactly as in K2.5:
``create_subagent(name, system_prompt)`` and ``assign_task(agent, prompt)`` (see
:mod:`swarmnb.protocol`). The classes were named without the ``Action`` suffix before
(``Assign``, ``ToolCall``, …); those names still work for one release, with a warning.

Example::

    AssignAction(subtasks=("wide-01", "wide-02"), width=2, profile="small").event()
    # {'action': 'assign', 'subtasks': ['wide-01', 'wide-02'], 'width': 2, 'profile': 'small'}
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from ..protocol import ORCHESTRATOR_SYSTEM_PROMPT

__all__ = [
    "ORCHESTRATOR_SYSTEM_PROMPT",
    "Action",
    "AssignAction",
    "FinishAction",
    "JoinAction",
    "ReplanAction",
    "SpawnAction",
    "ToolCallAction",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """Base of the orchestrator's actions."""

    name: ClassVar[str] = "action"

    def event(self) -> dict[str, Any]:
        """Fields for the ``policy.decision`` event that records this action."""
        fields = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
        return {"action": self.name, **{k: v for k, v in fields.items() if v is not None}}


@dataclass(frozen=True, slots=True, kw_only=True)
class SpawnAction(Action):
    """Create ``n`` subagents of a frozen ``profile``."""

    name: ClassVar[str] = "spawn"
    n: int
    profile: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignAction(Action):
    """Give subtasks to subagents; all of one stage run concurrently."""

    name: ClassVar[str] = "assign"
    subtasks: tuple[str, ...]
    width: int | None = None
    profile: str | None = None
    logprob: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class JoinAction(Action):
    """Wait for the results of these subtasks."""

    name: ClassVar[str] = "join"
    ids: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCallAction(Action):
    """The orchestrator calls a scenario tool itself."""

    name: ClassVar[str] = "tool_call"
    tool: str
    args: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplanAction(Action):
    """Re-decompose what is left (``scope``: the subtasks to redo)."""

    name: ClassVar[str] = "replan"
    scope: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class FinishAction(Action):
    """End the episode with the merged answer."""

    name: ClassVar[str] = "finish"
    answered: int | None = None


_OLD_NAMES = {
    "Spawn": SpawnAction,
    "Assign": AssignAction,
    "Join": JoinAction,
    "ToolCall": ToolCallAction,
    "Replan": ReplanAction,
    "Finish": FinishAction,
}


def __getattr__(name: str) -> Any:
    new = _OLD_NAMES.get(name)
    if new is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"swarmnb.orchestrator.{name} is now {new.__name__}; the old name goes in the next release",
        DeprecationWarning,
        stacklevel=2,
    )
    return new
