"""Learning when and how wide to parallelize: PARL training, curriculum, data, environment.

- :class:`Trainer` — group-baseline policy gradient for :class:`~swarmnb.policies.PARL`,
  reward ``r_perf + λ1·r_parallel + λ2·r_finish`` with λ's annealed to 0, checkpoints;
- :class:`Curriculum` — WideSearch / DeepSearch / MixedCoding from small to large sizes;
- :func:`export_dataset` — Parquet rows (obs, action, logprob, reward terms, next_obs) from
  traces alone;
- :class:`SwarmEnv` — the same episodes as a ``gymnasium.Env`` (extra ``[train]``).

Example::

    policy = sn.policies.PARL(seed=0)
    trainer = sn.training.Trainer(policy, curriculum=sn.training.Curriculum.default())
    history = await trainer.train(episodes=2_000)
"""

from __future__ import annotations

from typing import Any

from .curriculum import Curriculum, CurriculumTask
from .dataset import export_dataset
from .rollouts import Rollout, RolloutJob, RolloutPool, run_rollout
from .trainer import Trainer

__all__ = [
    "Curriculum",
    "CurriculumTask",
    "Rollout",
    "RolloutJob",
    "RolloutPool",
    "SwarmEnv",
    "Trainer",
    "export_dataset",
    "run_rollout",
]


def __getattr__(name: str) -> Any:
    if name == "SwarmEnv":  # needs gymnasium (extra [train]): import it only when asked
        from .env import SwarmEnv

        return SwarmEnv
    raise AttributeError(f"module 'swarmnb.training' has no attribute {name!r}")
