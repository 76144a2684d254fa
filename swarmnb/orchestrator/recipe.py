"""An episode's *recipe*: what ``swarmnb resume RUN`` needs to rebuild it without Python.

Every episode a :class:`~swarmnb.Swarm` starts with a trace folder writes its recipe into the
header of its result store (``runs/<run>.results``, key ``"episode"``), as plain JSON:

- ``scenario``: its class (``module:qualname``) and parameters, its seed included;
- ``decision``: the policy's decision for the episode (mode, width, profile, model, …) — the
  episode is rebuilt with *this* decision, so a learned or stochastic policy need not decide
  the same way twice; ``policy``: its name, and its class and parameters (or learned state,
  ``to_dict``) when they can be recorded — needed only for ``mode="stages"``, where the
  policy acts at every stage;
- ``swarm``: subagent models, orchestrator model, step limits, model options, the context
  strategy; ``run``: concurrency, profile limits, budget, clock and seed.

What cannot be written down — a scenario or policy class defined in a notebook or script
(``__main__``), a goal in words with your own tool functions, options that are not plain
data — is recorded as ``{"why": ...}``, and ``swarmnb resume`` refuses such a run with
:class:`~swarmnb.ResumeNotRebuildable`, which says to resume from Python with
``swarm.solve(scenario, resume=...)``.

Example::

    recipe = episode_recipe(swarm, scenario, decision, seed=3)   # in Swarm.start
    episode = start_from_recipe(recipe, trace="runs/", resume="runs/r1.jsonl")   # .rebuild
"""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._exceptions import ResumeNotRebuildable
from ..policies import Decision
from .goal import Goal

if TYPE_CHECKING:
    from .swarm import Swarm

__all__ = ["RECIPE_VERSION", "build", "check_recipe", "episode_recipe", "object_spec"]

RECIPE_VERSION = 1
_DECISION_FIELDS = ("mode", "width", "profile", "model", "logprob", "probs")
_BUDGET_FIELDS = ("usd", "tokens", "seconds", "steps")


#: Raised inside this module with why part of an episode cannot be written down; its message
#: becomes the recipe's ``why`` (and, at ``swarmnb resume``, the refusal's reason).
_NotRecordable = ResumeNotRebuildable


def _reference(cls: type) -> str:
    """``module:qualname`` of an importable class, or raise why not."""
    module, qualname = cls.__module__, cls.__qualname__
    if module == "__main__" or "<" in qualname:
        raise _NotRecordable(
            f"{qualname} is defined in {'a function' if '<' in qualname else '__main__'} "
            "(a notebook or script), so it cannot be imported again"
        )
    try:
        found = _import(f"{module}:{qualname}")
    except (ImportError, AttributeError) as exc:
        raise _NotRecordable(f"{module}:{qualname} cannot be imported ({exc})") from None
    if found is not cls:
        raise _NotRecordable(f"{module}:{qualname} names another object than {cls!r}")
    return f"{module}:{qualname}"


def _import(reference: str) -> Any:
    module, _, qualname = reference.partition(":")
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def _plain(value: Any, what: str) -> Any:
    """``value`` if JSON holds it exactly, else raise why not."""
    try:
        same = json.loads(json.dumps(value)) == value
    except (TypeError, ValueError):
        same = False
    if not same:
        raise _NotRecordable(f"{what} is not plain data (JSON): {value!r:.80}")
    return value


def _init_params(obj: Any) -> dict[str, Any]:
    """The constructor parameters of ``obj``, read back from its attributes (all required)."""
    getter = getattr(obj, "_params", None)
    if callable(getter):  # scenarios say their own parameters
        return dict(getter())
    params: dict[str, Any] = {}
    for p in inspect.signature(type(obj).__init__).parameters.values():
        if p.name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if hasattr(obj, p.name):
            params[p.name] = getattr(obj, p.name)
        elif p.default is p.empty:
            raise _NotRecordable(
                f"{type(obj).__qualname__} keeps no attribute for its parameter {p.name!r}"
            )
    return params


def object_spec(obj: Any, what: str) -> dict[str, Any]:
    """``{"factory": "module:qualname", "params"|"state": …}`` for ``obj``, or ``{"why": …}``.

    Learned objects with ``to_dict``/``from_dict`` are recorded by their state; others by the
    constructor parameters they keep as attributes.
    """
    try:
        factory = _reference(type(obj))
        if callable(getattr(obj, "to_dict", None)) and callable(
            getattr(type(obj), "from_dict", None)
        ):
            return {"factory": factory, "state": _plain(obj.to_dict(), f"the {what}'s state")}
        return {"factory": factory, "params": _plain(_init_params(obj), f"the {what}'s params")}
    except _NotRecordable as exc:
        return {"why": f"the {what}: {exc}"}


def build(spec: Mapping[str, Any]) -> Any:
    """The object an :func:`object_spec` describes."""
    factory = _import(spec["factory"])
    if "state" in spec:
        return factory.from_dict(spec["state"])
    return factory(**spec["params"])


def episode_recipe(swarm: Swarm, scenario: Any, decision: Decision, *, seed: int) -> dict[str, Any]:
    """The recipe of an episode ``swarm`` starts (``{"why": …}`` when it has none)."""
    if isinstance(scenario, Goal):
        return {"why": "a goal in words runs your own tool functions, which cannot be recorded"}
    scenario_spec = object_spec(scenario, "scenario")
    if "why" in scenario_spec:
        return scenario_spec
    policy_spec = object_spec(swarm.policy, "policy")
    if decision.mode == "stages" and "why" in policy_spec:  # it acts at every stage
        return policy_spec
    context = swarm.context_strategy
    context_spec = None if context is None else object_spec(context, "context strategy")
    if context_spec is not None and "why" in context_spec:
        return context_spec
    budget = swarm.budget
    try:
        model_options = _plain(swarm.model_options, "model_options")
        decision_fields = {k: getattr(decision, k) for k in _DECISION_FIELDS}
        decision_fields["probs"] = _plain(dict(decision.probs), "the decision's probs")
    except _NotRecordable as exc:
        return {"why": str(exc)}
    return {
        "version": RECIPE_VERSION,
        "scenario": scenario_spec,
        "policy": {"name": swarm.policy.name, "spec": policy_spec},
        "decision": decision_fields,
        "swarm": {
            "subagents": dict(swarm.subagents),
            "orchestrator_model": swarm.orchestrator_model,
            "max_subagents": swarm.max_subagents,
            "max_orchestrator_steps": swarm.max_orchestrator_steps,
            "max_subagent_steps": swarm.max_subagent_steps,
            "max_single_agent_steps": swarm.max_single_agent_steps,
            "model_options": model_options,
            "context_strategy": context_spec,
        },
        "run": {
            "max_concurrency": swarm.max_concurrency,
            "profile_limits": swarm.profile_limits,
            "budget": None if budget is None else {k: getattr(budget, k) for k in _BUDGET_FIELDS},
            "clock": swarm.clock,
            "seed": seed,
        },
    }


def check_recipe(recipe: Mapping[str, Any], *, resume: str | Path, run: str = "the run") -> None:
    """Raise :class:`~swarmnb.ResumeNotRebuildable` if ``recipe`` cannot rebuild its episode."""
    python = (
        "resume it from Python with the same objects: swarm.solve(scenario, "
        f"resume={str(resume)!r})"
    )
    if "why" in recipe:
        raise ResumeNotRebuildable(
            f"{run} cannot be rebuilt from its trace: {recipe['why']}; {python}"
        )
    if recipe.get("version", 0) > RECIPE_VERSION:
        raise ResumeNotRebuildable(
            f"{run} was recorded by a newer swarmnb (recipe version {recipe.get('version')}); "
            f"upgrade swarmnb, or {python}"
        )
