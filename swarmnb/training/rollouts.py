"""Rollouts: one PARL episode per job, in this process or spread over worker processes.

A :class:`RolloutJob` is plain data (the policy's weights as JSON-able dicts, the task, the
seeds, the λ's), so it crosses process boundaries cheaply; the :class:`Rollout` it returns
holds the episode's decisions (observation + action, read back from the run's
``policy.decision`` events), its reward terms (from the ``policy.reward`` events) and a few
metrics. Results depend only on the job, never on which process ran it, so training is
deterministic per seed whatever the number of processes. Sim calls take the fast in-process
path (:func:`~swarmnb.models.sim_fast_path`).

Example::

    with RolloutPool(processes=2) as pool:
        rollouts = pool.run([RolloutJob(policy=p.to_dict(), task=t.as_dict(), ...), ...])
"""

from __future__ import annotations

import gc
import multiprocessing as mp
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..models import sim_fast_path
from ..orchestrator import Episode, Swarm
from ..policies import Policy
from ..policies.parl import PARL
from ..policies.rewards import quality_of
from ..runtime.clock import run_blocking
from ..scenarios import Scenario
from .curriculum import CurriculumTask

__all__ = ["Rollout", "RolloutJob", "RolloutPool", "play_episode", "run_rollout"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RolloutJob:
    policy: dict[str, Any]
    task: dict[str, Any]
    scenario_seed: int
    seed: int
    #: which stream of the policy's own draws (``PARL.draws``); the sim follows ``seed``
    draws: int | None = None
    lambdas: tuple[float, float] = (0.0, 0.0)
    trace: str | None = None
    fast: bool = True
    swarm: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rollout:
    task: str
    scenario_seed: int
    seed: int
    decisions: list[dict[str, Any]]  # {"observation": …, "action": {kind, width, profile}, …}
    terms: dict[str, float]  # the episode's r_perf, r_parallel, r_finish
    reward: float
    quality: float
    critical_steps: float
    spawn_count: int
    status: str
    trace_path: str | None


def play_episode(
    policy: Policy, scenario: Scenario, *, seed: int, fast: bool = True,
    options: Mapping[str, Any] | None = None,
) -> Episode:  # fmt: skip
    """One episode of ``policy`` on ``scenario`` (sim calls on the fast path when ``fast``);
    the scenario is closed afterwards. ``options`` go to :class:`~swarmnb.Swarm`."""
    try:
        with sim_fast_path(fast):
            swarm = Swarm(policy=policy, **{"seed": seed, **(options or {})})
            return swarm.solve_sync(scenario, seed=seed)
    finally:
        run_blocking(scenario.close, "real")


def run_rollout(job: RolloutJob) -> Rollout:
    """Play one episode of ``job`` and read its decisions and rewards back from the events."""
    policy = PARL.from_dict(job.policy)
    policy.reward_lambdas = job.lambdas
    policy.draws = job.draws
    task = CurriculumTask(str(job.task["kind"]), int(job.task["size"]), float(job.task["weight"]))
    scenario = task.make(job.scenario_seed)
    options = {"trace": job.trace, "learn": False, **job.swarm}
    ep = play_episode(policy, scenario, seed=job.seed, fast=job.fast, options=options)
    decisions: list[dict[str, Any]] = []
    rewards: list[dict[str, Any]] = []
    for event in ep.run.events:
        if event["kind"] == "policy.decision" and "observation" in event:
            decisions.append(
                {
                    "stage": event["stage"],
                    "observation": event["observation"],
                    "action": {k: event.get(k) for k in ("width", "profile")}
                    | {"kind": event["action"]},
                    "logprob": event["logprob"],
                    "forced": event.get("forced", False),
                }
            )
        elif event["kind"] == "policy.reward":
            rewards.append(event)
    terms = {k: sum(float(r[k]) for r in rewards) for k in ("r_perf", "r_parallel", "r_finish")}
    m = ep.metrics
    return Rollout(
        task=task.name,
        scenario_seed=job.scenario_seed,
        seed=job.seed,
        decisions=decisions,
        terms=terms,
        reward=sum(float(r["reward"]) for r in rewards),
        quality=quality_of(m),
        critical_steps=float(m.get("critical_steps", 0.0)),
        spawn_count=int(m.get("spawn_count", 0)),
        status=ep.status,
        trace_path=str(ep.trace_path) if ep.trace_path else None,
    )


class RolloutPool:
    """Runs rollout jobs in ``processes`` worker processes (1: in this process)."""

    def __init__(self, processes: int = 1) -> None:
        if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
            raise ValueError(f"processes must be an int ≥ 1, not {processes!r}")
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> RolloutPool:
        if self.processes > 1:
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes, mp_context=mp.get_context("fork"), initializer=gc.freeze
            )  # a worker's inherited heap (the imports) is left out of its garbage collections
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def run(self, jobs: Sequence[RolloutJob]) -> list[Rollout]:
        """The jobs' rollouts, in the jobs' order."""
        if self._pool is None:
            return [run_rollout(job) for job in jobs]
        return list(self._pool.map(run_rollout, jobs))

    def __repr__(self) -> str:
        return f"RolloutPool(processes={self.processes})"
