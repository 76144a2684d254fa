"""``Swarm``: an orchestrator, a frozen pool of subagent profiles, and a policy.

A swarm solves scenarios. Each :meth:`Swarm.solve` is one *episode*: the policy looks at the
scenario and decides how wide to go (or lets a model orchestrate), subagents run in parallel
on the runtime's scheduler — retries, timeouts, budgets, failure cascades and the trace come
with it — and the merged answer is graded. A learning policy is updated with the episode's
reward afterwards.

Example::

    swarm = sn.Swarm(policy=sn.policies.Heuristic(),
                     subagents={"small": "sim/small", "large": "sim/large"},
                     orchestrator_model="sim/orchestrator", clock="virtual")
    ep = await swarm.solve(sn.scenarios.WideSearch(n_items=100, seed=0))
    ep.metrics["item_f1"], ep.metrics["critical_steps"], ep.answer
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .._api import start_run
from ..policies import Decision, Heuristic, Observation, Policy, episode_reward
from ..runtime.backends import Backend
from ..runtime.budget import Budget
from ..runtime.clock import ClockName, run_blocking
from ..runtime.options import RunOptions, SinkSpec
from .agents import ContextStrategy
from .config import EpisodeConfig
from .episode import Episode, EpisodeDriver
from .goal import Goal
from .recipe import episode_recipe

__all__ = ["Episode", "Swarm"]

DEFAULT_SUBAGENTS = {"small": "sim/small", "large": "sim/large"}


class Swarm:
    """The K2.5-style swarm: configure once, solve many scenarios."""

    def __init__(
        self,
        *,
        policy: Policy | None = None,
        subagents: Mapping[str, str] | None = None,
        orchestrator_model: str = "sim/orchestrator",
        max_subagents: int = 100,
        max_concurrency: int | None = 64,
        profile_limits: Mapping[str, int] | None = None,
        budget: Budget | None = None,
        clock: str = "virtual",
        trace: str | Path | None = "runs/",
        seed: int = 0,
        max_orchestrator_steps: int = 100,
        max_subagent_steps: int = 100,
        max_single_agent_steps: int = 1000,
        learn: bool = True,
        model_options: Mapping[str, Any] | None = None,
        context_strategy: ContextStrategy | None = None,
        backend: Backend | None = None,
        sinks: Sequence[SinkSpec] = (),
        context: ContextStrategy | None = None,
    ) -> None:
        if context is not None:
            warnings.warn(
                "Swarm(context=) is now Swarm(context_strategy=); the old name goes in the "
                "next release",
                DeprecationWarning,
                stacklevel=2,
            )
            context_strategy = context_strategy or context
        self.policy = policy if policy is not None else Heuristic()
        if not isinstance(self.policy, Policy):
            raise TypeError(f"policy must be a swarmnb Policy, not {type(self.policy).__name__}")
        self.subagents = dict(subagents if subagents is not None else DEFAULT_SUBAGENTS)
        if not self.subagents or not all(isinstance(m, str) and m for m in self.subagents.values()):
            raise ValueError("subagents must map profile names to model strings")
        for name, value in (
            ("max_subagents", max_subagents),
            ("max_orchestrator_steps", max_orchestrator_steps),
            ("max_subagent_steps", max_subagent_steps),
            ("max_single_agent_steps", max_single_agent_steps),
        ):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int ≥ 1, not {value!r}")
        self.orchestrator_model = orchestrator_model
        self.max_subagents = max_subagents
        #: How each episode's run runs (one seed and name per episode are filled in).
        self.run_options = RunOptions(
            max_concurrency=max_concurrency,
            profile_limits=profile_limits or {},
            budget=budget,
            clock=clock,  # type: ignore[arg-type]
            trace=trace,
            seed=seed,
            backend=backend,
            sinks=tuple(sinks),
        )
        self.max_orchestrator_steps = max_orchestrator_steps
        self.max_subagent_steps = max_subagent_steps
        self.max_single_agent_steps = max_single_agent_steps
        self.learn = learn
        self.model_options = dict(model_options or {})
        #: How subagents fit a long conversation into their model's window (None: keep all).
        self.context_strategy = context_strategy
        self.last: Episode | None = None
        self._rng = random.Random(seed)

    # -- run options, as attributes ----------------------------------------------------------
    @property
    def max_concurrency(self) -> int | None:
        return self.run_options.max_concurrency

    @property
    def profile_limits(self) -> dict[str, int]:
        return dict(self.run_options.profile_limits)

    @property
    def budget(self) -> Budget | None:
        return self.run_options.budget

    @property
    def clock(self) -> ClockName:
        return self.run_options.clock

    @property
    def trace(self) -> str | Path | None:
        return self.run_options.trace

    @property
    def seed(self) -> int:
        return self.run_options.seed

    @property
    def backend(self) -> Backend | None:
        return self.run_options.backend

    @property
    def context(self) -> ContextStrategy | None:
        """Former name of :attr:`context_strategy`."""
        return self.context_strategy

    def episode_config(self) -> EpisodeConfig:
        """The frozen settings the next episode's driver gets."""
        return EpisodeConfig(
            policy=self.policy,
            subagents=self.subagents,
            orchestrator_model=self.orchestrator_model,
            max_subagents=self.max_subagents,
            max_orchestrator_steps=self.max_orchestrator_steps,
            max_subagent_steps=self.max_subagent_steps,
            max_single_agent_steps=self.max_single_agent_steps,
            model_options=self.model_options,
            context_strategy=self.context_strategy,
        )

    def observe(self, scenario: Any) -> Observation:
        return Observation.of(
            scenario,
            profiles=tuple(self.subagents),
            max_subagents=self.max_subagents,
            budget_usd=self.budget.usd if self.budget else None,
        )

    def start(
        self,
        scenario: Any,
        *,
        tools: Iterable[Any] | None = None,
        seed: int | None = None,
        resume: str | Path | None = None,
    ) -> Episode:
        """Start an episode now (inside a running loop); ``await`` the episode to finish it.

        ``scenario`` is a scenario, or a goal in words with ``tools`` (see :meth:`solve`).
        ``resume`` (the trace of an interrupted episode of the same scenario, or its run id)
        restores the orchestrator turns and subagent results it completed, so the episode
        continues from its last finished stage without paying for them again.
        """
        seed = self.seed if seed is None else seed
        scenario = self._as_scenario(scenario, tools, seed)
        if isinstance(scenario, Goal):  # no grader to learn from: a model orchestrates
            decision = Decision(mode="llm", profile=next(iter(self.subagents)))
        else:
            decision = self.policy.decide(self.observe(scenario), self._rng)
        return self._launch(scenario, decision, seed=seed, resume=resume)

    def _launch(
        self,
        scenario: Any,
        decision: Decision,
        *,
        seed: int | None = None,
        resume: str | Path | None = None,
    ) -> Episode:
        """Start an episode of ``scenario`` under ``decision``: :meth:`start` once the policy
        decided, and ``swarmnb resume`` with the decision an episode recorded. With a trace
        folder, the episode's recipe (:mod:`swarmnb.orchestrator.recipe`) goes into its
        result store's header."""
        seed = self.seed if seed is None else seed
        observation = self.observe(scenario)
        driver = EpisodeDriver(
            self.episode_config(),
            scenario,
            decision,
            observation,
            seed=seed,
            policy_name=self.policy.name,
        )
        about = None
        if self.trace is not None:
            about = {"episode": episode_recipe(self, scenario, decision, seed=seed)}
        run = start_run(
            driver=driver,
            options=self.run_options.replace(seed=seed, name=f"{self.policy.name}:{scenario.key}"),
            resume=resume,
            about=about,
        )
        self.last = Episode(
            run=run,
            scenario=scenario,
            decision=decision,
            observation=observation,
            policy_name=self.policy.name,
            on_finish=self._learn,
        )
        return self.last

    async def solve(
        self,
        scenario: Any,
        *,
        tools: Iterable[Any] | None = None,
        seed: int | None = None,
        resume: str | Path | None = None,
    ) -> Episode:
        """Run one episode to the end and return it (the policy learns from it).

        ``swarm.solve("free-form goal", tools=[search, fetch])`` runs your own task: an LLM
        orchestrator (``orchestrator_model``) over your tools, no grader — quality metrics
        are absent, everything else is measured (see :class:`~swarmnb.orchestrator.Goal`).
        """
        return await self.start(scenario, tools=tools, seed=seed, resume=resume)

    def solve_sync(
        self,
        scenario: Any,
        *,
        tools: Iterable[Any] | None = None,
        seed: int | None = None,
        resume: str | Path | None = None,
    ) -> Episode:
        """:meth:`solve` from plain code, or from inside a running loop (blocks)."""

        async def main() -> Episode:
            return await self.solve(scenario, tools=tools, seed=seed, resume=resume)

        return run_blocking(main, self.clock)

    @staticmethod
    def _as_scenario(scenario: Any, tools: Iterable[Any] | None, seed: int) -> Any:
        if isinstance(scenario, str):
            return Goal(scenario, tools=tools or (), seed=seed)
        if tools is not None:
            raise TypeError("tools= goes with a goal in words; a scenario brings its own tools")
        return scenario

    def _learn(self, episode: Episode) -> None:
        """The episode's ``on_finish``: its reward, and the policy's update when learning."""
        if isinstance(episode.scenario, Goal):
            return  # no grader, no reward
        baseline = float(episode.observation.features.get("est_steps_single", 1.0))
        episode.reward = episode_reward(episode.metrics, baseline_steps=baseline)
        if self.learn:
            self.policy.update(episode.observation, episode.decision, episode.reward)

    def dashboard(self, **options: Any) -> Any:
        """The dashboard of the latest episode (live while it runs)."""
        if self.last is None:
            raise RuntimeError("no episode yet: ep = swarm.start(scenario), then swarm.dashboard()")
        return self.last.dashboard(**options)

    def __repr__(self) -> str:
        return (
            f"Swarm(policy={self.policy!r}, subagents={self.subagents}, "
            f"max_subagents={self.max_subagents}, clock={self.clock!r})"
        )
