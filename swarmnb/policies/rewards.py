"""PARL's reward: ``r = r_perf + λ1·r_parallel + λ2·r_finish``, and how it is split per decision.

- ``r_perf`` — the task outcome, discounted for latency:
  ``quality × (1 − 0.5 · min(1, critical_steps / 100))`` (quality is item-F1, pass@1 or
  success). A wrong or missing answer earns 0 however fast it came, so giving up never pays; a
  right one earns between half and all of its quality, more the fewer critical steps it took
  (half at 100 critical steps or more: :data:`LATENCY_SCALE`). The same
  formula scores every policy in the comparisons, so rewards compare across policies.
- ``r_parallel = min(spawned, 10) / 10`` — counters *serial collapse* (never spawning).
- ``r_finish = finished / assigned`` — the share of assigned subtasks that came back with a
  usable result (not failed, not empty, not short); 0 when nothing was assigned. Counters
  *spurious parallelism* (spawning subagents that finish nothing).

λ1 and λ2 are annealed to 0 over training, so the final policy is judged on ``r_perf`` alone.
Per decision (the ``policy.reward`` events): each decision carries the increase of
``r_parallel`` it caused; the final ``finish`` also carries ``r_perf`` and ``r_finish``. The
terms summed over an episode's decisions are the episode's terms.

Example::

    terms = episode_terms(metrics, spawned=8, assigned=8, finished=7)
    r_perf(metrics)     # the reward every policy is compared on
    terms.total(0.3, 0.2)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..metrics import quality

__all__ = [
    "LATENCY_SCALE",
    "PARALLEL_CAP",
    "RewardTerms",
    "critical_step_budget",
    "episode_terms",
    "quality_of",
    "r_parallel",
    "r_perf",
]

#: spawns beyond this earn no more r_parallel
PARALLEL_CAP = 10
#: critical steps at which a right answer's r_perf has halved
LATENCY_SCALE = 100.0


@dataclass(frozen=True, slots=True)
class RewardTerms:
    """The three reward terms of one decision or one episode."""

    r_perf: float = 0.0
    r_parallel: float = 0.0
    r_finish: float = 0.0

    def total(self, lambda_parallel: float, lambda_finish: float) -> float:
        return self.r_perf + lambda_parallel * self.r_parallel + lambda_finish * self.r_finish

    def as_dict(self) -> dict[str, float]:
        return {"r_perf": self.r_perf, "r_parallel": self.r_parallel, "r_finish": self.r_finish}


def quality_of(metrics: Mapping[str, Any]) -> float:
    """item-F1, else pass@1, else success rate (0 when the episode has none)."""
    return quality(metrics)[0] or 0.0


def r_perf(metrics: Mapping[str, Any]) -> float:
    """``quality × (1 − 0.5 · min(1, critical_steps / LATENCY_SCALE))``."""
    steps = float(metrics.get("critical_steps", 0.0)) / LATENCY_SCALE
    return quality_of(metrics) * (1.0 - 0.5 * min(1.0, steps))


def r_parallel(spawned: int) -> float:
    return min(max(0, spawned), PARALLEL_CAP) / PARALLEL_CAP


def episode_terms(
    metrics: Mapping[str, Any], *, spawned: int, assigned: int,
    finished: int,
) -> RewardTerms:  # fmt: skip
    """The episode's reward terms from its metrics and subtask tallies."""
    return RewardTerms(
        r_perf=r_perf(metrics),
        r_parallel=r_parallel(spawned),
        r_finish=finished / assigned if assigned else 0.0,
    )


def critical_step_budget(features: Mapping[str, float]) -> float:
    """The episode's resource budget in critical steps: 3 × the single-agent estimate + 8.

    Room for a careful single agent, and for a chain of subagents that each take one step of
    a sequential goal (an orchestrator stage plus a subagent's search, read and answer per
    step: about three times the single agent's estimate). An episode that runs past it ends
    there and is graded on what it has.
    """
    return 3.0 * float(features.get("est_steps_single", 1.0)) + 8.0
