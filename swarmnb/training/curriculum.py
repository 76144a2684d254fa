"""``Curriculum``: which task instances a PARL trainer practises on, from small to large.

A curriculum is a weighted list of :class:`CurriculumTask` — a scenario kind
(``"wide"``: WideSearch, ``"deep"``: DeepSearch, ``"coding"``: MixedCoding) at one size
(items, hops or modules). Early in training only the smallest size of each kind is drawn;
larger sizes unlock as training progresses, until the whole mixture is in play at
``progress = ramp``. Training scenario seeds come from their own range (≥ 100,000), apart
from the seeds evaluation uses.

Example::

    cur = sn.training.Curriculum.default()
    task = cur.sample(progress=0.1, rng=random.Random(0))   # a small task early on
    task.make(seed=100_003)                                 # WideSearch(n_items=10, seed=100003)
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .._exceptions import TrainingConfigError
from ..scenarios import DeepSearch, MixedCoding, Scenario, WideSearch

__all__ = ["TRAIN_SEED_BASE", "Curriculum", "CurriculumTask"]

#: training scenarios take seeds from here up; evaluation uses smaller seeds
TRAIN_SEED_BASE = 100_000
_KINDS = {"wide": "WideSearch", "deep": "DeepSearch", "coding": "MixedCoding"}


@dataclass(frozen=True, slots=True)
class CurriculumTask:
    """One kind of scenario at one size, with its share of the mixture."""

    kind: str
    size: int
    weight: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise TrainingConfigError(f"task kind must be one of {list(_KINDS)}, not {self.kind!r}")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 1:
            raise TrainingConfigError(f"task size must be an int ≥ 1, not {self.size!r}")
        if not self.weight > 0:
            raise TrainingConfigError(f"task weight must be > 0, not {self.weight!r}")

    @property
    def name(self) -> str:
        return f"{_KINDS[self.kind]}-{self.size}"

    def make(self, seed: int) -> Scenario:
        """A fresh scenario instance of this task."""
        if self.kind == "wide":
            return WideSearch(n_items=self.size, seed=seed)
        if self.kind == "deep":
            return DeepSearch(hops=self.size, seed=seed)
        return MixedCoding(n_modules=self.size, seed=seed)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "size": self.size, "weight": self.weight}


class Curriculum:
    """A weighted mixture of tasks whose larger sizes unlock as training progresses."""

    def __init__(self, tasks: Iterable[CurriculumTask], *, ramp: float = 0.5) -> None:
        self.tasks: tuple[CurriculumTask, ...] = tuple(tasks)
        if not self.tasks:
            raise TrainingConfigError("the curriculum is empty: give it at least one task")
        if not all(isinstance(t, CurriculumTask) for t in self.tasks):
            raise TrainingConfigError("curriculum tasks must be CurriculumTask instances")
        if not 0.0 < ramp <= 1.0:
            raise TrainingConfigError(f"ramp must be in (0, 1], not {ramp!r}")
        self.ramp = ramp
        # each task's level: its size's rank within its kind, 0 (smallest) … 1 (largest)
        self._level: dict[CurriculumTask, float] = {}
        for kind in {t.kind for t in self.tasks}:
            sizes = sorted({t.size for t in self.tasks if t.kind == kind})
            for t in self.tasks:
                if t.kind == kind:
                    rank = sizes.index(t.size)
                    self._level[t] = rank / (len(sizes) - 1) if len(sizes) > 1 else 0.0

    @classmethod
    def default(cls) -> Curriculum:
        """WideSearch 10–100 items, DeepSearch 3–6 hops, MixedCoding 4–6 modules."""
        return cls(
            [
                *(CurriculumTask("wide", n, 0.15) for n in (10, 20, 50, 100)),
                *(CurriculumTask("deep", h, 0.08) for h in (3, 4, 6)),
                *(CurriculumTask("coding", m, 0.08) for m in (4, 6)),
            ]
        )

    def available(self, progress: float) -> list[CurriculumTask]:
        """The tasks unlocked at this point of training (``progress`` in [0, 1])."""
        unlocked = min(1.0, max(0.0, progress) / self.ramp)
        return [t for t in self.tasks if self._level[t] <= unlocked + 1e-9]

    def sample(self, progress: float, rng: random.Random) -> CurriculumTask:
        tasks = self.available(progress)
        return rng.choices(tasks, weights=[t.weight for t in tasks], k=1)[0]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [t.as_dict() for t in self.tasks]

    @classmethod
    def from_dicts(cls, rows: Sequence[dict[str, Any]], *, ramp: float = 0.5) -> Curriculum:
        tasks = [CurriculumTask(str(r["kind"]), int(r["size"]), float(r["weight"])) for r in rows]
        return cls(tasks, ramp=ramp)

    def __len__(self) -> int:
        return len(self.tasks)

    def __repr__(self) -> str:
        names = ", ".join(t.name for t in self.tasks)
        return f"Curriculum([{names}], ramp={self.ramp})"
