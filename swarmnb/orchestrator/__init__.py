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
from .agents import Agent, AgentLimitReached, AgentPool, StepLimitReached, run_agent
from .swarm import Episode, Swarm

__all__ = [
    "ORCHESTRATOR_SYSTEM_PROMPT",
    "Action",
    "Agent",
    "AgentLimitReached",
    "AgentPool",
    "Assign",
    "Episode",
    "Finish",
    "Join",
    "Replan",
    "Spawn",
    "StepLimitReached",
    "Swarm",
    "ToolCall",
    "run_agent",
]
