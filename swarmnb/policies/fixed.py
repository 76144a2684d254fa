"""Fixed policies: ``Single`` (the baseline) and ``FixedWidth``.

``Single`` gives the whole goal to one agent that works through it sequentially in one growing
context — the baseline every swarm is compared with. ``FixedWidth`` always goes equally wide
(sweeps, ablations). ``Heuristic`` lives in :mod:`swarmnb.policies.heuristic`.

Example::

    sn.policies.FixedWidth(8, profile="small")
"""

from __future__ import annotations

import random
import warnings
from typing import Any, ClassVar

from ._base import Decision, Observation, Policy

__all__ = ["FixedWidth", "Single"]


class Single(Policy):
    """One agent, the whole goal, sequentially."""

    name: ClassVar[str] = "single"

    def __init__(self, *, profile: str | None = None) -> None:
        self.profile = profile

    def decide(self, observation: Observation, rng: random.Random) -> Decision:
        return Decision(width=1, profile=self._profile(observation, self.profile))


class FixedWidth(Policy):
    """Always the same width and profile (for sweeps and ablations)."""

    name: ClassVar[str] = "fixed"

    def __init__(self, width: int, *, profile: str | None = None) -> None:
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise ValueError(f"width must be an int ≥ 1, not {width!r}")
        self.width = width
        self.profile = profile

    def decide(self, observation: Observation, rng: random.Random) -> Decision:
        width = min(self.width, observation.max_subagents)
        return Decision(width=width, profile=self._profile(observation, self.profile))

    def __repr__(self) -> str:
        return f"FixedWidth({self.width})"


def __getattr__(name: str) -> Any:
    if name == "Heuristic":  # moved to swarmnb.policies.heuristic
        warnings.warn(
            "swarmnb.policies.fixed.Heuristic is now swarmnb.policies.heuristic.Heuristic "
            "(sn.policies.Heuristic); the old path goes in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        from .heuristic import Heuristic

        return Heuristic
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
