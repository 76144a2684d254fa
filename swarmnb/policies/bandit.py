"""``Bandit``: learns width and profile online from episode rewards.

A contextual ε-greedy bandit. The context is the scenario kind and its size (log₂ of the item
count), so what it learns on a 100-item table does not leak into a 6-hop chain. Arms are
(width, profile) pairs. It tries every arm once, then exploits the best mean reward with
probability 1 − ε, ε decaying with experience; the probability of each choice is recorded so
the trace holds log π(a | s).

Example::

    bandit = sn.policies.Bandit(widths=(1, 2, 4, 8, 16, 32))
    for seed in range(200):
        ep = await swarm.solve(WideSearch(n_items=100, seed=seed))   # swarm.policy is bandit
    bandit.best_width(observation)
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from .._exceptions import PolicyFileError
from ._base import Decision, Observation, Policy
from ._persist import read_policy_json, write_policy_json

__all__ = ["Bandit"]

Arm = tuple[int, str]


@dataclass(slots=True)
class _ArmStats:
    pulls: int = 0
    mean: float = 0.0


class Bandit(Policy):
    """Contextual ε-greedy over (width, profile) arms."""

    name: ClassVar[str] = "bandit"
    trainable: ClassVar[bool] = True

    def __init__(
        self,
        *,
        widths: Sequence[int] = (1, 2, 3, 4, 6, 8, 12, 16, 20, 25, 32, 40, 50),
        profiles: Sequence[str] | None = None,
        epsilon: float = 0.3,
        min_epsilon: float = 0.02,
        decay: float = 0.05,
    ) -> None:
        if not widths or any(w < 1 for w in widths):
            raise ValueError("widths must be a non-empty list of ints ≥ 1")
        if not 0 <= min_epsilon <= epsilon <= 1:
            raise ValueError("need 0 ≤ min_epsilon ≤ epsilon ≤ 1")
        self.widths = tuple(sorted(set(int(w) for w in widths)))
        self.profiles = tuple(profiles) if profiles is not None else None
        self.epsilon = epsilon
        self.min_epsilon = min_epsilon
        self.decay = decay
        self._stats: dict[tuple[str, int], dict[Arm, _ArmStats]] = {}

    # -- choosing ----------------------------------------------------------------------------
    @staticmethod
    def _context(observation: Observation) -> tuple[str, int]:
        size = float(observation.features.get("n_items", observation.features.get("width_max", 1)))
        return observation.scenario, round(math.log2(max(1.0, size)))

    def _arms(self, observation: Observation) -> list[Arm]:
        profiles = self.profiles or observation.profiles
        usable = [p for p in profiles if p in observation.profiles] or [observation.profiles[0]]
        widths = [w for w in self.widths if w <= observation.max_subagents] or [1]
        return [(w, p) for w in widths for p in usable]

    def _table(self, observation: Observation) -> dict[Arm, _ArmStats]:
        table = self._stats.setdefault(self._context(observation), {})
        for arm in self._arms(observation):
            table.setdefault(arm, _ArmStats())
        return table

    def current_epsilon(self, observation: Observation) -> float:
        pulls = sum(s.pulls for s in self._table(observation).values())
        return max(self.min_epsilon, self.epsilon / (1.0 + self.decay * pulls))

    def decide(self, observation: Observation, rng: random.Random) -> Decision:
        table = self._table(observation)
        arms = [a for a in self._arms(observation)]
        untried = [a for a in arms if table[a].pulls == 0]
        if untried:
            probs = {a: 1.0 / len(untried) for a in untried}
        else:
            eps = self.current_epsilon(observation)
            greedy = max(arms, key=lambda a: (table[a].mean, -a[0]))
            probs = {a: eps / len(arms) for a in arms}
            probs[greedy] += 1.0 - eps
        choices = list(probs)
        arm = rng.choices(choices, weights=[probs[a] for a in choices], k=1)[0]
        return Decision(
            width=arm[0],
            profile=arm[1],
            logprob=math.log(probs[arm]),
            probs={f"{w}/{p}": q for (w, p), q in probs.items()},
        )

    # -- learning ----------------------------------------------------------------------------
    def update(self, observation: Observation, decision: Decision, reward: float) -> None:
        arm = (decision.width, decision.profile or observation.profiles[0])
        stats = self._table(observation).setdefault(arm, _ArmStats())
        stats.pulls += 1
        stats.mean += (reward - stats.mean) / stats.pulls

    def best(self, observation: Observation) -> Arm:
        """The arm with the highest mean reward so far in this context (ties: narrower)."""
        table = self._table(observation)
        tried = [a for a, s in table.items() if s.pulls] or list(table)
        return max(tried, key=lambda a: (table[a].mean, -a[0]))

    def best_width(self, observation: Observation) -> int:
        return self.best(observation)[0]

    def estimates(self, observation: Observation) -> dict[str, tuple[int, float]]:
        """Arm label → (pulls, mean reward), for inspection in a notebook."""
        return {f"{w}/{p}": (s.pulls, s.mean) for (w, p), s in self._table(observation).items()}

    # -- persistence ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "swarmnb.policies.Bandit",
            "version": 1,
            "widths": list(self.widths),
            "profiles": list(self.profiles) if self.profiles is not None else None,
            "epsilon": self.epsilon,
            "min_epsilon": self.min_epsilon,
            "decay": self.decay,
            "stats": [
                {"scenario": ctx[0], "size": ctx[1], "width": arm[0], "profile": arm[1],
                 "pulls": st.pulls, "mean": st.mean}
                for ctx, table in self._stats.items()
                for arm, st in table.items()
            ],
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Bandit:
        if not isinstance(data, Mapping) or data.get("format") != "swarmnb.policies.Bandit":
            raise PolicyFileError("not a saved Bandit policy")
        try:
            bandit = cls(
                widths=list(data["widths"]),
                profiles=data.get("profiles"),
                epsilon=float(data["epsilon"]),
                min_epsilon=float(data["min_epsilon"]),
                decay=float(data["decay"]),
            )
            for row in data["stats"]:
                table = bandit._stats.setdefault((str(row["scenario"]), int(row["size"])), {})
                table[(int(row["width"]), str(row["profile"]))] = _ArmStats(
                    pulls=int(row["pulls"]), mean=float(row["mean"])
                )
        except (KeyError, TypeError, ValueError) as exc:
            raise PolicyFileError(f"saved Bandit policy is malformed: {exc!r}") from exc
        return bandit

    def save(self, path: str | Path) -> Path:
        """Write the arm statistics as JSON; :meth:`load` gives back the same choices."""
        return write_policy_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> Bandit:
        """Read a bandit written by :meth:`save`; raises :class:`~swarmnb.PolicyFileError`."""
        return cls.from_dict(read_policy_json(path))

    def __repr__(self) -> str:
        pulls = sum(s.pulls for t in self._stats.values() for s in t.values())
        return f"Bandit(widths={list(self.widths)}, episodes={pulls})"
