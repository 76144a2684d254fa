"""The K2.5-style orchestrator: ``Swarm``, episodes, subagents and the action space."""

from .actions import (
    ORCHESTRATOR_SYSTEM_PROMPT,
    Action,
    Assign,
    Finish,
    Join,
    Replan,
    Spawn,
    ToolCall,
)
from .agents import (
    Agent,
    AgentLimitReached,
    AgentPool,
    ContextStrategy,
    StepLimitReached,
    run_agent,
)
from .context import STRATEGIES, DiscardAll, KeepAll, Summarize, context_window, make_strategy
from .goal import Goal
from .swarm import Episode, Swarm

__all__ = [
    "ORCHESTRATOR_SYSTEM_PROMPT",
    "STRATEGIES",
    "Action",
    "Agent",
    "AgentLimitReached",
    "AgentPool",
    "Assign",
    "ContextStrategy",
    "DiscardAll",
    "Episode",
    "Finish",
    "Goal",
    "Join",
    "KeepAll",
    "Replan",
    "Spawn",
    "StepLimitReached",
    "Summarize",
    "Swarm",
    "ToolCall",
    "context_window",
    "make_strategy",
    "run_agent",
]
