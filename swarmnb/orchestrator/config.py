"""``EpisodeConfig``: what an episode's driver needs from its swarm, frozen.

The driver of an episode reads its settings from this value instead of reaching into the
:class:`~swarmnb.Swarm` that started it, so a swarm can change between episodes without
touching a running one, and a driver can run without a swarm at all (in a rollout worker, a
service, a test).

Example::

    config = EpisodeConfig(policy=sn.policies.Heuristic(), subagents={"small": "sim/small"})
    config.max_subagent_steps          # 100
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..policies import Policy
    from .agents import ContextStrategy

__all__ = ["EpisodeConfig"]


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False)
class EpisodeConfig:
    """The orchestrator-side settings of every episode a swarm starts."""

    policy: Policy
    subagents: Mapping[str, str]
    orchestrator_model: str = "sim/orchestrator"
    max_subagents: int = 100
    max_orchestrator_steps: int = 100
    max_subagent_steps: int = 100
    max_single_agent_steps: int = 1000
    model_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    context_strategy: ContextStrategy | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: keep private copies of the mappings, once
        set_(self, "subagents", dict(self.subagents))
        set_(self, "model_options", dict(self.model_options))
