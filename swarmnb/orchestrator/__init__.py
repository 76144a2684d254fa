"""The K2.5-style orchestrator: ``Swarm``, episodes, subagents and the action space.

- :class:`Swarm`, :class:`Episode` — configure once, solve many scenarios;
- :class:`EpisodeConfig` — the frozen settings an episode's driver reads;
- :class:`AgentPool`, :class:`Agent`, :func:`run_agent` — the frozen subagents;
- the actions (:class:`AssignAction`, :class:`FinishAction`, …), recorded as
  ``policy.decision`` events;
- the context-window strategies (:class:`KeepAll`, :class:`DiscardAll`, :class:`Summarize`,
  :mod:`~swarmnb.orchestrator.context_window`) for ``Swarm(context_strategy=)``.
"""

from typing import Any

from . import actions as _actions
from .actions import (
    ORCHESTRATOR_SYSTEM_PROMPT,
    Action,
    AssignAction,
    FinishAction,
    JoinAction,
    ReplanAction,
    SpawnAction,
    ToolCallAction,
)
from .agents import (
    Agent,
    AgentLimitReached,
    AgentPool,
    ContextStrategy,
    StepLimitReached,
    run_agent,
)
from .config import EpisodeConfig
from .context_window import (
    STRATEGIES,
    DiscardAll,
    KeepAll,
    Summarize,
    context_window,
    make_strategy,
)
from .episode import Episode
from .goal import Goal
from .swarm import Swarm

__all__ = [
    "ORCHESTRATOR_SYSTEM_PROMPT",
    "STRATEGIES",
    "Action",
    "Agent",
    "AgentLimitReached",
    "AgentPool",
    "AssignAction",
    "ContextStrategy",
    "DiscardAll",
    "Episode",
    "EpisodeConfig",
    "FinishAction",
    "Goal",
    "JoinAction",
    "KeepAll",
    "ReplanAction",
    "SpawnAction",
    "StepLimitReached",
    "Summarize",
    "Swarm",
    "ToolCallAction",
    "context_window",
    "make_strategy",
    "run_agent",
]


def __getattr__(name: str) -> Any:
    """The action classes' former names (``Assign``, ``ToolCall``, …), for one release."""
    return getattr(_actions, name)
