"""Policies decide when and how wide to parallelize an episode.

- :class:`Single` — one agent, the whole goal, sequentially (the baseline);
- :class:`Heuristic` — width from the scenario's structure;
- :class:`Bandit` — learns width and profile online from episode rewards;
- :class:`LLM` — a model orchestrates through ``create_subagent`` / ``assign_task``;
- :class:`FixedWidth` — a fixed width, for sweeps;
- :class:`PARL` — a trainable policy that decides stage by stage (assign how wide, on which
  profile, join, replan, call a tool, finish); see :mod:`swarmnb.training`.

Every policy maps an :class:`Observation` to a :class:`Decision` that carries its log-prob, so
a trainable policy can learn from the traces.
"""

from ._base import Decision, Observation, Policy, episode_reward
from .bandit import Bandit
from .fixed import FixedWidth, Single
from .heuristic import Heuristic
from .llm import LLM
from .parl import PARL
from .stages import StageAction, StageObservation

__all__ = [
    "LLM",
    "PARL",
    "Bandit",
    "Decision",
    "FixedWidth",
    "Heuristic",
    "Observation",
    "Policy",
    "Single",
    "StageAction",
    "StageObservation",
    "episode_reward",
]
