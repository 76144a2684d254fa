"""What a benchmark compares: scenario specs, contenders, and the standard suites.

A benchmark runs every *scenario* under every *contender* for every seed. Scenarios are given
as specs — a class and its parameters, built afresh for each seed — so the same world is
rebuilt in a worker process and each seed gets its own world. A contender is a policy plus
the swarm options it runs with (a context strategy, a budget, other subagent models), under
one label.

Example::

    from swarmnb.bench import Contender, ScenarioSpec
    from swarmnb.orchestrator.context_window import Summarize

    wide = ScenarioSpec.of(sn.scenarios.WideSearch(n_items=50))     # its seed is ignored
    single_sum = Contender(sn.policies.Single(), name="single+summarize",
                           options={"context_strategy": Summarize()})
    scenario_suite("small")       # {'wide_search': ScenarioSpec(...), 'deep_search': ..., ...}
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..policies.specs import policy_from_spec

__all__ = [
    "SIZES",
    "Contender",
    "ScenarioSpec",
    "policy_suite",
    "resolve_contenders",
    "resolve_scenarios",
    "scenario_suite",
]

Size = Literal["small", "full"]
SIZES: tuple[Size, ...] = ("small", "full")

#: The standard scenarios by short name and size: "small" keeps CI fast, "full" is the report.
_SUITE: dict[str, dict[Size, tuple[str, dict[str, int]]]] = {
    "wide": {"small": ("WideSearch", {"n_items": 20}), "full": ("WideSearch", {"n_items": 100})},
    "deep": {"small": ("DeepSearch", {"hops": 4}), "full": ("DeepSearch", {"hops": 6})},
    "mixed": {
        "small": ("MixedCoding", {"n_modules": 4}),
        "full": ("MixedCoding", {"n_modules": 8}),
    },
}
_ALIASES = {"wide_search": "wide", "deep_search": "deep", "mixed_coding": "mixed"}


@dataclass(frozen=True, slots=True)
class ScenarioSpec:
    """A scenario class and its parameters; :meth:`build` makes the world of one seed."""

    factory: Callable[..., Any]
    params: Mapping[str, Any] = field(default_factory=dict)
    name: str | None = None

    def build(self, seed: int) -> Any:
        return self.factory(**dict(self.params), seed=seed)

    @property
    def label(self) -> str:
        """The name in result tables: ``name`` if given, else the scenario's own name."""
        return self.name or str(getattr(self.factory, "name", None) or self.factory.__name__)

    @property
    def describe(self) -> str:
        """The parameters as text, e.g. ``"n_items=100"``."""
        return ", ".join(f"{k}={v}" for k, v in self.params.items())

    @classmethod
    def of(cls, obj: Any, *, name: str | None = None, size: Size = "full") -> ScenarioSpec:
        """A spec from a spec, a scenario instance (its seed is ignored), a class or a preset.

        Presets are ``"wide"``, ``"deep"`` and ``"mixed"`` (or the scenario names), at
        ``size`` ``"small"`` or ``"full"``.
        """
        if isinstance(obj, ScenarioSpec):
            return obj if name is None else ScenarioSpec(obj.factory, obj.params, name)
        if isinstance(obj, str):
            return _preset(obj, size, name)
        if isinstance(obj, type):
            return cls(obj, {}, name)
        if hasattr(obj, "split") and hasattr(obj, "grade"):
            return cls(type(obj), _init_params(obj), name)
        raise TypeError(
            f"cannot benchmark {obj!r}: give a scenario, a scenario class, a ScenarioSpec, "
            "or one of 'wide', 'deep', 'mixed'"
        )

    def __repr__(self) -> str:
        label = f", name={self.name!r}" if self.name else ""
        factory = getattr(self.factory, "__name__", repr(self.factory))
        return f"ScenarioSpec({factory}({self.describe}){label})"


def _init_params(obj: Any) -> dict[str, Any]:
    """The keyword parameters of ``type(obj).__init__`` that ``obj`` keeps as attributes."""
    params: dict[str, Any] = {}
    for p in inspect.signature(type(obj).__init__).parameters.values():
        if p.name in ("self", "seed") or p.kind not in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD):
            continue
        if hasattr(obj, p.name):
            params[p.name] = getattr(obj, p.name)
    return params


def _preset(name: str, size: Size, label: str | None) -> ScenarioSpec:
    from .. import scenarios

    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, not {size!r}")
    key = _ALIASES.get(name, name)
    if key not in _SUITE:
        known = sorted([*_SUITE, *_ALIASES])
        raise ValueError(f"unknown scenario {name!r}; choose one of {known}")
    cls_name, params = _SUITE[key][size]
    return ScenarioSpec(getattr(scenarios, cls_name), dict(params), label)


def scenario_suite(
    size: Size = "full", names: Iterable[str] = tuple(_SUITE)
) -> dict[str, ScenarioSpec]:
    """The standard scenarios at ``size``, by label (``wide_search``, ``deep_search``, …)."""
    specs = [_preset(n, size, None) for n in names]
    return {s.label: s for s in specs}


@dataclass(frozen=True, slots=True)
class Contender:
    """A policy under a label, with the swarm options it runs with.

    ``options`` go to :class:`~swarmnb.Swarm` (``context_strategy=``, ``budget=``, ``subagents=``,
    ``max_subagents=`` …) over the benchmark's common options. Each (scenario, contender)
    pair gets a deep copy, so a learning policy starts cold for every scenario and runs are
    identical however they are spread over processes.
    """

    policy: Any
    name: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.name or self.policy.name

    def fresh(self) -> Contender:
        return copy.deepcopy(self)

    def __repr__(self) -> str:
        opts = f", options={dict(self.options)!r}" if self.options else ""
        return f"Contender({self.policy!r}, name={self.label!r}{opts})"


def policy_suite(names: Iterable[str] = ("single", "heuristic", "bandit")) -> dict[str, Contender]:
    """Contenders by name: ``single``, ``heuristic``, ``bandit``, ``llm``, ``fixed-<width>``,
    ``parl=<policy.json>`` (a saved PARL policy, labelled ``parl``), ``bandit=<file>``."""
    return {n.partition("=")[0]: Contender(policy_from_spec(n), name=n.partition("=")[0])
            for n in names}  # fmt: skip


def _contender(obj: Any, name: str | None) -> Contender:
    from ..policies import Policy

    if isinstance(obj, Contender):
        return obj if name is None else Contender(obj.policy, name, obj.options)
    if isinstance(obj, str):
        return Contender(policy_from_spec(obj), name or obj.partition("=")[0])
    if isinstance(obj, Policy):
        return Contender(obj, name)
    raise TypeError(f"a contender must be a Policy, a Contender or a policy name, not {obj!r}")


def _unique(labels: list[str], what: str) -> None:
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    if dupes:
        raise ValueError(f"{what} labels must be unique; repeated: {dupes} (pass a mapping)")


def resolve_contenders(policies: Any) -> list[Contender]:
    """Contenders from a mapping label → policy/contender/name, or a sequence of them."""
    if isinstance(policies, Mapping):
        out = [_contender(v, str(k)) for k, v in policies.items()]
    elif isinstance(policies, str | Contender) or not isinstance(policies, Iterable):
        out = [_contender(policies, None)]
    else:
        out = [_contender(p, None) for p in policies]
    if not out:
        raise ValueError("no policies to compare")
    _unique([c.label for c in out], "policy")
    return out


def resolve_scenarios(scenarios: Any, *, size: Size = "full") -> list[ScenarioSpec]:
    """Specs from a mapping label → scenario-ish, or a sequence of scenario-ish objects."""
    if isinstance(scenarios, Mapping):
        out = [ScenarioSpec.of(v, name=str(k), size=size) for k, v in scenarios.items()]
    elif isinstance(scenarios, str | ScenarioSpec) or not isinstance(scenarios, Iterable):
        out = [ScenarioSpec.of(scenarios, size=size)]
    else:
        out = [ScenarioSpec.of(s, size=size) for s in scenarios]
    if not out:
        raise ValueError("no scenarios to compare")
    labels = [s.label for s in out]
    if len(set(labels)) < len(labels):  # same class twice: tell them apart by parameters
        out = [
            s if s.name else ScenarioSpec(s.factory, s.params, f"{s.label}({s.describe})")
            for s in out
        ]
    _unique([s.label for s in out], "scenario")
    return out
