"""``SwarmEnv``: staged swarm episodes as a ``gymnasium.Env`` (extra ``[train]``).

Each ``reset`` draws a task instance from the curriculum and starts a staged episode; each
``step`` is one orchestrator decision. The observation is the feature vector of the
:class:`~swarmnb.policies.stages.StageObservation` (what a real orchestrator can see); the
action is ``MultiDiscrete([kind, width, profile])`` over
:data:`~swarmnb.policies.stages.ACTION_KINDS`, the widths and the profiles (width and profile
matter only for ``assign`` and ``replan``). An impossible choice ends the episode as a
``finish``; ``info["action_mask"]`` says which kinds and widths are possible. The reward is
sparse: 0 until the last step, which returns the episode's reward
``r_perf + λ1·r_parallel + λ2·r_finish`` — the sum of its ``policy.reward`` events.

The episode runs on its own thread and event loop (virtual clock, fast sim path), paused
inside the policy's ``act`` while the agent thinks.

Example::

    env = sn.training.SwarmEnv(curriculum=sn.training.Curriculum.default())
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
"""

from __future__ import annotations

import queue
import random
import threading
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from .._exceptions import TrainingConfigError
from ..models import sim_fast_path
from ..orchestrator import Swarm
from ..policies import Decision, Observation, Policy
from ..policies.stages import (
    ACTION_KINDS,
    N_FEATURES,
    WIDTHS,
    StageAction,
    StageObservation,
    action_mask,
    features,
)
from .curriculum import TRAIN_SEED_BASE, Curriculum

__all__ = ["SwarmEnv"]


class _Handoff(Policy):
    """A staged policy whose every action comes from the environment's ``step``."""

    name: ClassVar[str] = "env"

    def __init__(self, *, widths: tuple[int, ...], lambdas: tuple[float, float], max_stages: int):
        self.widths = widths
        self.reward_lambdas = lambdas
        self.max_stages = max_stages
        self.observations: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.actions: queue.Queue[StageAction | None] = queue.Queue()

    def decide(self, observation: Observation, rng: random.Random) -> Decision:
        return Decision(mode="stages", profile=observation.profiles[0])

    def act(self, obs: StageObservation, rng: random.Random) -> StageAction:
        self.observations.put(("obs", obs))
        action = self.actions.get()
        return action if action is not None else StageAction(kind="finish")


class SwarmEnv(gym.Env):  # type: ignore[misc]
    """Orchestrator decisions of staged swarm episodes, one ``step`` per stage."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(
        self,
        curriculum: Curriculum | None = None,
        *,
        lambda_parallel: float = 0.0,
        lambda_finish: float = 0.0,
        profiles: Sequence[str] = ("small", "large"),
        widths: Sequence[int] = WIDTHS,
        max_stages: int = 12,
        swarm_options: Mapping[str, Any] | None = None,
    ) -> None:
        if min(lambda_parallel, lambda_finish) < 0:
            raise TrainingConfigError("lambda_parallel and lambda_finish must be ≥ 0")
        self.curriculum = curriculum if curriculum is not None else Curriculum.default()
        if not isinstance(self.curriculum, Curriculum) or len(self.curriculum) == 0:
            raise TrainingConfigError("the curriculum is empty: give it at least one task")
        self.profiles = tuple(profiles)
        self.widths = tuple(sorted(set(int(w) for w in widths)))  # the mask assumes ascending
        self.lambdas = (float(lambda_parallel), float(lambda_finish))
        self.max_stages = max_stages
        self.swarm_options = dict(swarm_options or {})
        self.observation_space = gym.spaces.Box(0.0, 10.0, shape=(N_FEATURES,), dtype=np.float32)
        self.action_space = gym.spaces.MultiDiscrete(
            [len(ACTION_KINDS), len(self.widths), len(self.profiles)]
        )
        self._policy: _Handoff | None = None
        self._thread: threading.Thread | None = None
        self._obs: StageObservation | None = None
        self.task: str | None = None

    # -- episode thread ----------------------------------------------------------------------------
    def _start(self, scenario: Any, seed: int) -> None:
        policy = _Handoff(widths=self.widths, lambdas=self.lambdas, max_stages=self.max_stages)
        subagents = {p: f"sim/{p}" for p in self.profiles}
        options = {"trace": None, "learn": False, "seed": seed, "subagents": subagents}
        options.update(self.swarm_options)

        def main() -> None:
            try:
                with sim_fast_path():
                    ep = Swarm(policy=policy, **options).solve_sync(scenario, seed=seed)
                rewards = [e for e in ep.run.events if e["kind"] == "policy.reward"]
                policy.observations.put(("done", (ep, rewards)))
            except BaseException as exc:  # handed to the stepping thread
                policy.observations.put(("error", exc))

        self._policy = policy
        self._thread = threading.Thread(target=main, name="swarmnb-env", daemon=True)
        self._thread.start()

    def _next(self) -> tuple[str, Any]:
        assert self._policy is not None
        kind, payload = self._policy.observations.get()
        if kind == "error":
            raise payload
        return kind, payload

    def _stop(self) -> None:
        if self._thread is None or self._policy is None:
            return
        while self._thread.is_alive():  # finish the running episode at once
            self._policy.actions.put(None)
            kind, _ = self._next()
            if kind == "done":
                break
        self._thread.join()
        self._thread = None

    def _vector(self, obs: StageObservation) -> np.ndarray:
        return np.clip(np.asarray(features(obs), dtype=np.float32), 0.0, 10.0)

    def _info(self, obs: StageObservation | None) -> dict[str, Any]:
        info: dict[str, Any] = {"task": self.task}
        if obs is not None:
            mask = action_mask(obs, self.widths)
            info["action_mask"] = {k: np.asarray(v, dtype=bool) for k, v in mask.items()}
        return info

    # -- gymnasium API -----------------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self._stop()
        draw = int(self.np_random.integers(0, 2**31 - 1))
        rng = random.Random(draw)
        task = self.curriculum.sample(1.0, rng)
        self.task = task.name
        scenario_seed = TRAIN_SEED_BASE + draw % 1_000_000
        scenario = task.make(scenario_seed)
        self._start(scenario, seed=draw)
        kind, payload = self._next()
        if kind != "obs":  # the episode ended before any decision (not expected)
            raise RuntimeError("the episode ended before its first decision")
        self._obs = payload
        return self._vector(payload), self._info(payload)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self._policy is None or self._obs is None:
            raise RuntimeError("call reset() before step()")
        k, w, p = (int(a) for a in np.asarray(action).reshape(-1)[:3])
        kind = ACTION_KINDS[k]
        staged = (
            StageAction(kind=kind, width=self.widths[w], profile=self.profiles[p])  # type: ignore[arg-type]
            if kind in ("assign", "replan")
            else StageAction(kind=kind)  # type: ignore[arg-type]
        )
        self._policy.actions.put(staged)
        kind_next, payload = self._next()
        if kind_next == "obs":
            self._obs = payload
            return self._vector(payload), 0.0, False, False, self._info(payload)
        ep, rewards = payload
        assert self._thread is not None
        self._thread.join()
        self._thread = None
        last = self._vector(self._obs)
        self._obs = None
        info = self._info(None) | {"metrics": ep.metrics, "status": ep.status}
        return last, float(sum(r["reward"] for r in rewards)), True, False, info

    def close(self) -> None:
        self._stop()
        super().close()

    def __repr__(self) -> str:
        return f"SwarmEnv(curriculum={self.curriculum!r}, lambdas={self.lambdas})"
