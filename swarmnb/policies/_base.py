"""The policy interface: observation features in, an action distribution out.

A policy decides *when and how wide* to parallelize: for a scenario it picks the number of
parallel subagents (``width``) and their model ``profile``, or hands the whole orchestration to
a model (``mode="llm"``). Every decision carries the probability the policy gave it, so the
trace holds the log-probs a trainable policy (PARL-style) learns from; :meth:`Policy.update`
receives the episode's reward afterwards.

Example::

    policy = sn.policies.Heuristic()
    decision = policy.decide(Observation.of(scenario, profiles=("small", "large")), rng)
    decision.width, decision.profile, decision.logprob
"""

from __future__ import annotations

import math
import random
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from ..metrics import quality

__all__ = ["Decision", "Observation", "Policy", "episode_reward"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """What a policy sees before an episode: the scenario's features and the swarm's limits."""

    scenario: str
    features: Mapping[str, float]
    profiles: tuple[str, ...]
    max_subagents: int
    budget_usd: float | None = None

    @classmethod
    def of(
        cls,
        scenario: Any,
        *,
        profiles: tuple[str, ...],
        max_subagents: int = 100,
        budget_usd: float | None = None,
    ) -> Observation:
        return cls(
            scenario=scenario.name,
            features=dict(scenario.features()),
            profiles=profiles,
            max_subagents=max_subagents,
            budget_usd=budget_usd,
        )

    def vector(self) -> list[float]:
        """Numeric features for learned policies: log-scaled sizes plus the scenario kind."""
        f = self.features
        kinds = ("wide_search", "deep_search", "mixed_coding")
        return [
            math.log1p(float(f.get("n_items", 0))),
            math.log1p(float(f.get("width_max", 1))),
            math.log1p(float(f.get("depth", 1))),
            math.log1p(float(f.get("est_steps_single", 1))),
            *(1.0 if self.scenario == k else 0.0 for k in kinds),
        ]


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """How to run one episode.

    ``mode="plan"``: split the scenario into ``width`` subtasks run by subagents of
    ``profile``; ``mode="llm"``: let ``model`` orchestrate through ``create_subagent`` /
    ``assign_task``; ``mode="stages"``: ask the policy for one action per orchestrator stage
    (its ``act(StageObservation, rng)``, see :mod:`swarmnb.policies.stages`). ``logprob`` is
    log π(decision | observation); ``probs`` the distribution
    it was drawn from (arm label → probability), for the trace.
    """

    mode: Literal["plan", "llm", "stages"] = "plan"
    width: int = 1
    profile: str | None = None
    model: str | None = None
    logprob: float = 0.0
    probs: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.mode not in ("plan", "llm", "stages"):
            raise ValueError(f"mode must be 'plan', 'llm' or 'stages', not {self.mode!r}")
        if isinstance(self.width, bool) or not isinstance(self.width, int) or self.width < 1:
            raise ValueError(f"width must be an int ≥ 1, not {self.width!r}")


class Policy(ABC):
    """Base class of the orchestration policies."""

    name: ClassVar[str] = "policy"
    trainable: ClassVar[bool] = False

    @abstractmethod
    def decide(self, observation: Observation, rng: random.Random) -> Decision:
        """Pick the episode's decision (sampling with ``rng`` if the policy is stochastic)."""

    def update(self, observation: Observation, decision: Decision, reward: float) -> None:  # noqa: B027
        """Learn from an episode's reward (fixed policies ignore it)."""

    def _profile(self, observation: Observation, wanted: str | None) -> str:
        if wanted is not None:
            if wanted not in observation.profiles:
                raise ValueError(
                    f"{self.name}: profile {wanted!r} is not one of the swarm's subagent "
                    f"profiles {list(observation.profiles)}"
                )
            return wanted
        return observation.profiles[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def episode_reward(
    metrics: Mapping[str, Any],
    *,
    baseline_steps: float,
    cost_weight: float = 0.0,
    steps_weight: float = 0.5,
) -> float:
    """The reward the learning policies use: quality, minus latency and cost penalties.

    ``quality`` is item-F1 (or pass@1, or success); latency enters as critical steps relative
    to ``baseline_steps`` (the single-agent estimate), so a policy is paid for finishing in
    fewer steps only while quality holds.
    """
    score = quality(metrics)[0] or 0.0
    steps = float(metrics.get("critical_steps", 0.0)) / max(1.0, baseline_steps)
    return float(score) - steps_weight * steps - cost_weight * float(metrics.get("cost_usd", 0.0))
