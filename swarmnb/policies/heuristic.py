"""``Heuristic``: as wide as the scenario is naturally parallel.

``Heuristic`` reads the scenario's structure: as wide as the work is naturally parallel
(``width_max``), about ``items_per_agent`` items per subagent, never more than the swarm allows
— so a multi-hop chain stays with one agent (no spurious parallelism) and a wide table fans out
(no serial collapse).

Example::

    sn.policies.Heuristic(items_per_agent=5, max_width=20)
"""

from __future__ import annotations

import math
import random
from typing import ClassVar

from ._base import Decision, Observation, Policy

__all__ = ["Heuristic"]


class Heuristic(Policy):
    """Width from the scenario's structure: parallel as far as the work really is."""

    name: ClassVar[str] = "heuristic"

    def __init__(
        self,
        *,
        items_per_agent: int = 5,
        max_width: int = 20,
        profile: str | None = None,
    ) -> None:
        if items_per_agent < 1 or max_width < 1:
            raise ValueError("items_per_agent and max_width must be ≥ 1")
        self.items_per_agent = items_per_agent
        self.max_width = max_width
        self.profile = profile

    def decide(self, observation: Observation, rng: random.Random) -> Decision:
        features = observation.features
        natural = int(features.get("width_max", 1))
        items = int(features.get("n_items", natural))
        by_items = math.ceil(items / self.items_per_agent) if natural > 1 else 1
        width = max(1, min(natural, by_items, self.max_width, observation.max_subagents))
        if natural > 1 and features.get("depth", 1) > 1:  # a DAG: one subagent per unit
            width = max(1, min(natural, self.max_width, observation.max_subagents))
        return Decision(width=width, profile=self._profile(observation, self.profile))

    def __repr__(self) -> str:
        return f"Heuristic(items_per_agent={self.items_per_agent}, max_width={self.max_width})"
