"""Evaluate policies on unseen seeds: one row per (policy, task, seed), the same reward for all.

Policies are named by *specs* (:func:`~swarmnb.policies.specs.policy_from_spec`) so jobs can
cross process boundaries: ``"single"``, ``"heuristic"``, ``"fixed-8"`` (``FixedWidth(8)``),
``"bandit=path.json"`` and ``"parl=path.json"`` (evaluated greedily: the most likely action at
each stage). Every policy
is scored with the same episode reward, ``r_perf`` of :mod:`swarmnb.policies.rewards` — the
reward PARL is trained towards once λ1, λ2 have annealed to 0 — so the columns compare.
:func:`train_bandit` trains the Bandit baseline on that same reward.

Example::

    rows = evaluate({"heuristic": "heuristic", "parl": "parl=parl.json"},
                    [CurriculumTask("wide", 100)], seeds=range(20), processes=2)
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pandas as pd

from ..models import sim_fast_path
from ..orchestrator import Swarm
from ..policies import Bandit
from ..policies.rewards import quality_of, r_perf
from ..policies.specs import policy_from_spec
from ..runtime.clock import run_blocking
from .curriculum import TRAIN_SEED_BASE, Curriculum, CurriculumTask
from .rollouts import play_episode

__all__ = ["EVAL_COLUMNS", "evaluate", "train_bandit"]

EVAL_COLUMNS = [
    "policy", "task", "seed", "reward", "quality", "item_f1", "critical_steps", "spawn_count",
    "subtask_finish_rate", "cost_usd", "status",
]  # fmt: skip


def _one(job: tuple[str, str, dict[str, Any], int]) -> dict[str, Any]:
    name, spec, task_dict, seed = job
    task = CurriculumTask(str(task_dict["kind"]), int(task_dict["size"]), 1.0)
    policy = policy_from_spec(spec)
    ep = play_episode(policy, task.make(seed), seed=seed, options={"trace": None, "learn": False})
    m = ep.metrics
    return {
        "policy": name, "task": task.name, "seed": seed,
        "reward": r_perf(m), "quality": quality_of(m),
        "item_f1": m.get("item_f1"), "critical_steps": float(m.get("critical_steps", 0.0)),
        "spawn_count": int(m.get("spawn_count", 0)),
        "subtask_finish_rate": float(m.get("subtask_finish_rate", 0.0)),
        "cost_usd": float(m.get("cost_usd", 0.0)), "status": ep.status,
    }  # fmt: skip


def evaluate(
    policies: Mapping[str, str],
    tasks: Sequence[CurriculumTask],
    *,
    seeds: Iterable[int],
    processes: int = 1,
) -> pd.DataFrame:
    """Play every policy on every task for every seed; one row per episode."""
    for spec in policies.values():  # fail fast on a bad spec or file
        policy_from_spec(spec)
    seeds = list(seeds)
    jobs = [
        (name, spec, {"kind": t.kind, "size": t.size}, seed)
        for t in tasks
        for seed in seeds
        for name, spec in policies.items()
    ]
    if processes > 1:
        with ProcessPoolExecutor(processes, mp_context=mp.get_context("fork")) as pool:
            rows = list(pool.map(_one, jobs, chunksize=4))
    else:
        rows = [_one(job) for job in jobs]
    return pd.DataFrame.from_records(rows, columns=EVAL_COLUMNS)


def train_bandit(curriculum: Curriculum, *, episodes: int, seed: int = 0) -> Bandit:
    """A :class:`~swarmnb.policies.Bandit` trained online on the curriculum's training seeds.

    The baseline PARL is compared with: it learns width and profile per scenario kind and
    size from the same reward (``r_perf``), on the same kind of training tasks.
    """
    import random

    bandit = Bandit()
    rng = random.Random(f"bandit:{seed}")
    with sim_fast_path():
        swarm = Swarm(policy=bandit, trace=None, learn=False, seed=seed)
        for i in range(episodes):
            task = curriculum.sample(1.0, rng)
            scenario = task.make(TRAIN_SEED_BASE + 500_000 + i)
            try:
                ep = swarm.solve_sync(scenario, seed=TRAIN_SEED_BASE + i)
            finally:
                run_blocking(scenario.close, "real")
            bandit.update(ep.observation, ep.decision, r_perf(ep.metrics))
    return bandit
