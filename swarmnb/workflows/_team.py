"""Who the workflows talk to: anything with ``submit(role, prompt)``, and a model-only team.

The workflows need one thing from a team: ``await team.submit(role, prompt)`` returning an
object with ``ok``, ``output``, ``error``, ``tokens_in``, ``tokens_out`` and ``cost_usd`` —
which is what :class:`swarmnb.agents.Registry` returns (its ``TaskResult``). :class:`ModelTeam`
is the lightest such team: one model per role, called directly through
:func:`swarmnb.models.complete` — no agent processes, supervision or bus — for benchmarks and
quick experiments.

Example::

    team = ModelTeam(models={"developer": "sim/large"}, default="sim/medium")
    reply = await team.submit("developer", "write …")
    reply.output, reply.cost_usd
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["ModelTeam", "Team", "TeamReply", "TeamResult"]

ROLE_PROMPTS = {
    "product": "You are the product owner of a software team: state requirements precisely.",
    "qa": "You are the QA engineer: write thorough pytest tests before any code exists.",
    "developer": "You are a careful Python developer: write code that passes the tests.",
    "code-reviewer": "You review code for correctness and clarity; approve or request changes.",
    "tech-lead": "You are the tech lead: judge technical feasibility and maintainability.",
    "cfo": "You are the CFO: judge cost and return.",
    "risk": "You are the risk officer: judge delivery and operational risk.",
    "legal": "You are legal counsel: judge licences and data protection.",
    "ceo": "You are the CEO: weigh your team's views and decide; plan the next work.",
    "decision-maker": "You weigh the verdicts of your team into one decision with reasons.",
}


@runtime_checkable
class TeamResult(Protocol):
    """What a team returns for one prompt (the agents registry's ``TaskResult`` fits)."""

    @property
    def ok(self) -> bool: ...

    output: str | None
    error: str | None
    tokens_in: int
    tokens_out: int
    cost_usd: float


class Team(Protocol):
    """Anything that runs a prompt on an agent of a role."""

    async def submit(self, role: str, prompt: str) -> TeamResult: ...


@dataclass(frozen=True, slots=True)
class TeamReply:
    """:class:`ModelTeam`'s result for one prompt."""

    role: str
    model: str
    output: str | None
    error: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


class ModelTeam:
    """One model per role, called directly (see module docs).

    ``models`` maps roles to litellm model strings (``"sim/large"``, ``"openai/gpt-4o-mini"``);
    other roles use ``default``. ``model_options`` go to every call
    (``{"sim_latency_scale": 0.0}`` for instant sim replies on a real clock).
    """

    def __init__(
        self,
        *,
        models: Mapping[str, str] | None = None,
        default: str = "sim/medium",
        seed: int = 0,
        model_options: Mapping[str, object] | None = None,
        system_prompts: Mapping[str, str] | None = None,
    ) -> None:
        self.models = dict(models or {})
        self.default = default
        self.seed = seed
        self.model_options = dict(model_options or {})
        self.system_prompts = {**ROLE_PROMPTS, **(system_prompts or {})}
        self.role_options: dict[str, dict[str, object]] = {}  #: per-role call options
        self.calls = 0

    def model_for(self, role: str) -> str:
        return self.models.get(role, self.default)

    async def submit(self, role: str, prompt: str) -> TeamReply:
        from ..models import complete

        model = self.model_for(role)
        system = self.system_prompts.get(role, f"You are the team's {role}.")
        messages = [{"role": "system", "content": system}, {"role": "user", "content": prompt}]
        self.calls += 1
        try:
            options = {**self.model_options, **self.role_options.get(role, {})}
            c = await complete(model=model, messages=messages, seed=self.seed, **options)
        except Exception as exc:  # the workflow records it as this step's failure
            return TeamReply(role, model, None, error=f"{type(exc).__name__}: {exc}")
        return TeamReply(role, model, c.content, None, c.tokens_in, c.tokens_out, c.cost_usd)

    def __repr__(self) -> str:
        roles = ", ".join(f"{r}={m}" for r, m in sorted(self.models.items()))
        return f"ModelTeam(default={self.default!r}{', ' + roles if roles else ''})"
