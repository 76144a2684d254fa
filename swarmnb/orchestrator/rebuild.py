"""Rebuild an episode from its recipe and resume it: what ``swarmnb resume RUN`` runs.

See :mod:`swarmnb.orchestrator.recipe` for what a recipe holds. A plan or LLM episode is
rebuilt with the decision it recorded (a stand-in policy hands it back); a staged episode
with its policy rebuilt from the recorded class and parameters or learned state.

Example::

    header, _, _ = read_results("runs/r1.results")
    episode = start_from_recipe(header["episode"], trace="runs/", resume="runs/r1.jsonl")
    await episode
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ..policies import Decision, Observation, Policy
from ..runtime.budget import Budget
from .recipe import build, check_recipe
from .swarm import Swarm

if TYPE_CHECKING:
    import random

    from .episode import Episode

__all__ = ["start_from_recipe"]


class _Recorded(Policy):
    """Stands in for a policy whose decision was recorded (plan and LLM episodes)."""

    name: ClassVar[str] = "recorded"

    def __init__(self, name: str, decision: Decision) -> None:
        self.name = name  # type: ignore[misc]
        self.decision = decision

    def decide(self, observation: Observation, rng: random.Random) -> Decision:
        return self.decision

    def __repr__(self) -> str:
        return f"<recorded decision of policy {self.name!r}>"


def start_from_recipe(
    recipe: Mapping[str, Any], *, trace: str | Path, resume: str | Path, run: str = "the run"
) -> Episode:
    """Rebuild the episode of ``recipe`` and start it (in a running loop), resuming ``resume``.

    Raises :class:`~swarmnb.ResumeNotRebuildable` when the recipe says why it cannot.
    """
    check_recipe(recipe, resume=resume, run=run)
    decision = Decision(**recipe["decision"])
    policy_info = recipe["policy"]
    if decision.mode == "stages":
        policy: Policy = build(policy_info["spec"])
    else:
        policy = _Recorded(policy_info["name"], decision)
    config, options = recipe["swarm"], recipe["run"]
    context = config["context_strategy"]
    budget = options["budget"]
    swarm = Swarm(
        policy=policy, subagents=config["subagents"],
        orchestrator_model=config["orchestrator_model"], max_subagents=config["max_subagents"],
        max_concurrency=options["max_concurrency"], profile_limits=options["profile_limits"],
        budget=None if budget is None else Budget(**budget), clock=options["clock"], trace=trace,
        seed=options["seed"], max_orchestrator_steps=config["max_orchestrator_steps"],
        max_subagent_steps=config["max_subagent_steps"],
        max_single_agent_steps=config["max_single_agent_steps"], learn=False,
        model_options=config["model_options"],
        context_strategy=None if context is None else build(context),
    )  # fmt: skip
    scenario = build(recipe["scenario"])
    return swarm._launch(scenario, decision, seed=options["seed"], resume=resume)
