"""``Trainer``: fit a PARL policy by group-baseline policy gradient against frozen subagents.

Each *group* draws one task instance from the curriculum and plays it ``group_size`` times
(different rollout seeds, so the policy's draws and the sims' noise differ). An episode's
reward is ``r_perf + λ1·r_parallel + λ2·r_finish``
(:mod:`swarmnb.policies.rewards`), with λ1, λ2 annealed linearly to 0 over
``anneal_episodes``; its advantage is its reward minus the group's mean. The update is
``Σ_episodes A · Σ_decisions ∇ log π(a | s) / group_size``, clipped to a maximum norm, applied
with Adam. Only the orchestrator learns — subagents are frozen sim profiles — and critical
steps are each episode's budget. Rollouts run in worker processes (``processes=2``); the
outcome depends only on the seeds, never on the number of processes.

Checkpoints (``checkpoint_every`` episodes, into ``checkpoint_dir``) hold the policy, the
optimiser state and the history, so ``train(..., resume=path)`` continues exactly where an
uninterrupted run would be.

Example::

    policy = sn.policies.PARL(seed=0)
    trainer = sn.training.Trainer(policy, curriculum=sn.training.Curriculum.default(),
                                  group_size=8, lambda_parallel=0.3, lambda_finish=0.2,
                                  anneal_episodes=1_000, seed=0)
    history = await trainer.train(episodes=2_000)   # one row per episode, every reward term
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import CheckpointError, TrainingConfigError
from ..policies.parl import PARL
from ..policies.stages import StageObservation
from .curriculum import TRAIN_SEED_BASE, Curriculum
from .rollouts import Rollout, RolloutJob, RolloutPool

__all__ = ["Trainer"]

CHECKPOINT_FORMAT = "swarmnb.training.checkpoint"
HISTORY_COLUMNS = [
    "episode", "group", "task", "scenario_seed", "seed", "lambda_parallel", "lambda_finish",
    "r_perf", "r_parallel", "r_finish", "reward", "advantage", "quality", "critical_steps",
    "spawn_count", "decisions", "status", "trace_path",
]  # fmt: skip


class Trainer:
    """Trains a :class:`~swarmnb.policies.PARL` policy on a :class:`Curriculum`."""

    def __init__(
        self,
        policy: PARL,
        *,
        curriculum: Curriculum | None = None,
        group_size: int = 8,
        lambda_parallel: float = 0.3,
        lambda_finish: float = 0.2,
        anneal_episodes: int = 1_000,
        anneal: bool = True,
        learning_rate: float = 0.05,
        max_grad_norm: float = 1.0,
        seed: int = 0,
        processes: int = 1,
        checkpoint_every: int | None = None,
        checkpoint_dir: str | Path | None = None,
        trace: str | Path | None = None,
        swarm_options: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(policy, PARL):
            raise TrainingConfigError(f"Trainer trains a PARL policy, not {type(policy).__name__}")
        for name, value in (("lambda_parallel", lambda_parallel), ("lambda_finish", lambda_finish)):
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise TrainingConfigError(f"{name} must be a finite number ≥ 0, not {value!r}")
        for name, value in (("group_size", group_size), ("anneal_episodes", anneal_episodes),
                            ("processes", processes)):  # fmt: skip
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise TrainingConfigError(f"{name} must be an int ≥ 1, not {value!r}")
        if group_size < 2:
            raise TrainingConfigError("group_size must be ≥ 2 (the baseline is the group's mean)")
        if not learning_rate > 0 or not max_grad_norm > 0:
            raise TrainingConfigError("learning_rate and max_grad_norm must be > 0")
        if checkpoint_every is not None and (checkpoint_every < 1 or checkpoint_dir is None):
            raise TrainingConfigError("checkpoint_every needs an int ≥ 1 and a checkpoint_dir")
        self.policy = policy
        self.curriculum = curriculum if curriculum is not None else Curriculum.default()
        if not isinstance(self.curriculum, Curriculum) or len(self.curriculum) == 0:
            raise TrainingConfigError("the curriculum is empty: give it at least one task")
        self.group_size = group_size
        self.lambda_parallel = float(lambda_parallel)
        self.lambda_finish = float(lambda_finish)
        self.anneal_episodes = anneal_episodes
        self.anneal = anneal
        self.learning_rate = float(learning_rate)
        self.max_grad_norm = float(max_grad_norm)
        self.seed = int(seed)
        self.processes = processes
        self.checkpoint_every = checkpoint_every
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
        self.trace = str(trace) if trace is not None else None
        self.swarm_options = dict(swarm_options or {})
        self.episode = 0
        self._rows: list[dict[str, Any]] = []
        self._adam: dict[str, Any] = self._fresh_adam()
        self._listeners: list[Callable[[Trainer, list[dict[str, Any]]], None]] = []
        self.target_episodes = 0

    # -- schedule --------------------------------------------------------------------------------
    def lambdas(self, episode: int) -> tuple[float, float]:
        """(λ1, λ2) at ``episode``: linear from the initial values to 0 at ``anneal_episodes``."""
        scale = max(0.0, 1.0 - episode / self.anneal_episodes) if self.anneal else 1.0
        return self.lambda_parallel * scale, self.lambda_finish * scale

    def _jobs(self, group: int) -> list[RolloutJob]:
        first = group * self.group_size
        rng = random.Random(f"{self.seed}:task:{group}")
        task = self.curriculum.sample(first / self.anneal_episodes, rng)
        scenario_seed = TRAIN_SEED_BASE + self.seed * 1_000_003 + group
        policy = self.policy.to_dict()
        lambdas = self.lambdas(first)
        return [
            RolloutJob(
                policy=policy,
                task=task.as_dict(),
                scenario_seed=scenario_seed,
                # common random numbers: the group shares the sim's seed, only the
                # policy's draws differ, so an advantage measures the policy's choices
                seed=10 * TRAIN_SEED_BASE + self.seed * 1_000_003 + first,
                draws=i,
                lambdas=lambdas,
                trace=self.trace,
                swarm=self.swarm_options,
            )
            for i in range(self.group_size)
        ]

    # -- learning --------------------------------------------------------------------------------
    def _fresh_adam(self) -> dict[str, Any]:
        zeros = {h: np.zeros_like(w) for h, w in self.policy.weights.items()}
        return {"t": 0, "m": zeros, "v": {h: z.copy() for h, z in zeros.items()}}

    def _update(self, rollouts: list[Rollout]) -> list[float]:
        rewards = np.array([r.reward for r in rollouts])
        advantages = rewards - rewards.mean()
        grads = {h: np.zeros_like(w) for h, w in self.policy.weights.items()}
        for rollout, adv in zip(rollouts, advantages, strict=True):
            if adv == 0.0:
                continue
            for d in rollout.decisions:
                if d["forced"]:
                    continue  # not the policy's choice
                obs = StageObservation.from_dict(d["observation"])
                for h, g in self.policy.grad_logprob(obs, d["action"]).items():
                    grads[h] += adv * g
        norm = math.sqrt(sum(float((g**2).sum()) for g in grads.values())) / len(rollouts)
        scale = 1.0 / len(rollouts) * min(1.0, self.max_grad_norm / norm) if norm > 0 else 0.0
        adam, beta1, beta2, eps = self._adam, 0.9, 0.999, 1e-8
        adam["t"] += 1
        t = adam["t"]
        for h, w in self.policy.weights.items():
            g = grads[h] * scale
            adam["m"][h] = beta1 * adam["m"][h] + (1 - beta1) * g
            adam["v"][h] = beta2 * adam["v"][h] + (1 - beta2) * g * g
            m_hat = adam["m"][h] / (1 - beta1**t)
            v_hat = adam["v"][h] / (1 - beta2**t)
            w += self.learning_rate * m_hat / (np.sqrt(v_hat) + eps)  # gradient *ascent*
        return [float(a) for a in advantages]

    def _step(self, pool: RolloutPool) -> list[dict[str, Any]]:
        group = self.episode // self.group_size
        jobs = self._jobs(group)
        rollouts = pool.run(jobs)
        advantages = self._update(rollouts)
        rows = []
        for i, (job, r, adv) in enumerate(zip(jobs, rollouts, advantages, strict=True)):
            rows.append({
                "episode": self.episode + i, "group": group, "task": r.task,
                "scenario_seed": r.scenario_seed, "seed": r.seed,
                "lambda_parallel": job.lambdas[0], "lambda_finish": job.lambdas[1],
                **r.terms, "reward": r.reward, "advantage": adv, "quality": r.quality,
                "critical_steps": r.critical_steps, "spawn_count": r.spawn_count,
                "decisions": len(r.decisions), "status": r.status, "trace_path": r.trace_path,
            })  # fmt: skip
        self.episode += len(rollouts)
        self.policy.episodes_trained = self.episode
        self._rows.extend(rows)
        return rows

    def train_sync(self, episodes: int, *, resume: str | Path | None = None) -> pd.DataFrame:
        """Train until ``episodes`` episodes in total have been played (blocking)."""
        if isinstance(episodes, bool) or not isinstance(episodes, int) or episodes < 1:
            raise TrainingConfigError(f"episodes must be an int ≥ 1, not {episodes!r}")
        if resume is not None:
            self.load_checkpoint(resume)
        self.target_episodes = episodes
        with RolloutPool(self.processes) as pool:
            while self.episode < episodes:
                rows = self._step(pool)
                for listener in list(self._listeners):
                    listener(self, rows)
                every = self.checkpoint_every
                if every and self.episode // every > (self.episode - len(rows)) // every:
                    self.save_checkpoint()
        return self.history

    async def train(self, episodes: int, *, resume: str | Path | None = None) -> pd.DataFrame:
        """:meth:`train_sync` off the event loop, so a notebook's widgets stay live."""
        return await asyncio.to_thread(self.train_sync, episodes, resume=resume)

    @property
    def history(self) -> pd.DataFrame:
        """One row per episode: task, seeds, λ's, every reward term, quality, steps, spawns."""
        return pd.DataFrame.from_records(self._rows, columns=HISTORY_COLUMNS)

    def on_group(self, listener: Callable[[Trainer, list[dict[str, Any]]], None]) -> None:
        """Call ``listener(trainer, rows)`` after every group (the dashboard uses it)."""
        self._listeners.append(listener)

    # -- checkpoints -----------------------------------------------------------------------------
    def checkpoint(self) -> dict[str, Any]:
        return {
            "format": CHECKPOINT_FORMAT,
            "version": 1,
            "episode": self.episode,
            "seed": self.seed,
            "group_size": self.group_size,
            "policy": self.policy.to_dict(),
            "adam": {
                "t": self._adam["t"],
                "m": {h: a.tolist() for h, a in self._adam["m"].items()},
                "v": {h: a.tolist() for h, a in self._adam["v"].items()},
            },
            "history": self._rows,
        }

    def save_checkpoint(self, path: str | Path | None = None) -> Path:
        if path is None:
            if self.checkpoint_dir is None:
                raise TrainingConfigError("no checkpoint_dir: pass a path")
            path = self.checkpoint_dir / f"checkpoint-{self.episode:06d}.json"
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.checkpoint()))
        tmp.replace(path)
        return path

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore policy, optimiser, episode count and history from a checkpoint file."""
        p = Path(path)
        try:
            data = json.loads(p.read_text())
        except FileNotFoundError as exc:
            raise CheckpointError(f"no checkpoint at {str(p)!r}") from exc
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CheckpointError(f"{str(p)!r} is not a readable checkpoint: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
            raise CheckpointError(f"{str(p)!r} is not a swarmnb training checkpoint")
        try:
            if int(data["seed"]) != self.seed or int(data["group_size"]) != self.group_size:
                raise CheckpointError(
                    f"checkpoint was made with seed={data['seed']}, group_size="
                    f"{data['group_size']}; this trainer has seed={self.seed}, "
                    f"group_size={self.group_size}"
                )
            policy = PARL.from_dict(data["policy"])
            adam = data["adam"]
            m = {h: np.asarray(adam["m"][h], dtype=float) for h in policy.weights}
            v = {h: np.asarray(adam["v"][h], dtype=float) for h in policy.weights}
            rows = list(data["history"])
            episode = int(data["episode"])
        except CheckpointError:
            raise
        except Exception as exc:
            raise CheckpointError(f"{str(p)!r} is a damaged checkpoint: {exc!r}") from exc
        self.policy.weights = policy.weights
        self.policy.episodes_trained = episode
        self._adam = {"t": int(adam["t"]), "m": m, "v": v}
        self._rows = rows
        self.episode = episode

    # -- seeing it learn ---------------------------------------------------------------------------
    def dashboard(self, **options: Any) -> Any:
        """Live learning curves (every reward term, quality, critical steps, spawns, λ's)."""
        from ..ui.training import TrainingDashboard

        return TrainingDashboard(self, **options)

    def __repr__(self) -> str:
        return (
            f"Trainer(policy={self.policy!r}, curriculum={len(self.curriculum)} tasks, "
            f"group_size={self.group_size}, λ=({self.lambda_parallel}, {self.lambda_finish}), "
            f"anneal_episodes={self.anneal_episodes}, episode={self.episode})"
        )
