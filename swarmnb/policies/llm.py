"""``LLM``: a model orchestrates through the K2.5 tools.

The model sees the goal and two tools, ``create_subagent(name, system_prompt)`` and
``assign_task(agent, prompt)``; every ``assign_task`` call of one turn runs concurrently and
returns the subagent's final message. ``sim/orchestrator`` plays it offline; any litellm model
string plays it for real.

Example::

    swarm = sn.Swarm(policy=sn.policies.LLM("sim/orchestrator"))
"""

from __future__ import annotations

import random
from typing import ClassVar

from ._base import Decision, Observation, Policy

__all__ = ["LLM"]


class LLM(Policy):
    """Hand the orchestration to ``model`` (default: the swarm's orchestrator model)."""

    name: ClassVar[str] = "llm"

    def __init__(self, model: str | None = None, *, profile: str | None = None) -> None:
        self.model = model
        self.profile = profile

    def decide(self, observation: Observation, rng: random.Random) -> Decision:
        return Decision(
            mode="llm", model=self.model, profile=self._profile(observation, self.profile)
        )

    def __repr__(self) -> str:
        return f"LLM({self.model!r})" if self.model else "LLM()"
