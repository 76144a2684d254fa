"""A V-team decision: roles judge a proposal in parallel, the CEO weighs their verdicts.

1. **propose** — the product owner states the proposal;
2. **criteria** — each role (finance, risk, legal, tech lead, …), in parallel, defines its own
   approval criteria for *this* proposal: name, threshold, weight, reasoning (JSON);
3. **verdict** — each role scores the proposal on its criteria and approves or rejects;
4. **decide** — the decision-maker (the CEO) weighs the verdicts into one decision with reasons;
5. **create-work** — when approved, ``on_approved(decision)`` creates the work.

Every step is a task of one run; every criterion set, verdict and the decision go into the
memory's ``decision_history``.

Example::

    d = await sn.workflows.vteam(reg, "Move CI to self-hosted runners",
                                 roles=["cfo", "risk", "legal", "tech-lead"])
    d.approved, d.score, d.reasons, d.verdicts[0].criteria
    d.memory.decisions()            # the recorded history
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._api import start_run
from .._exceptions import RequirementError
from ..memory import MemoryStore
from ..oracle import register_oracle
from ..runtime.clock import running_clock
from ..scenarios.team_oracle import DecisionOracle, step_header
from ._steps import Steps, parse_json
from ._team import Team

__all__ = ["Decision", "Verdict", "vteam"]


@dataclass
class Verdict:
    """One role's criteria for the proposal and its judgement against them."""

    role: str
    criteria: list[dict[str, Any]]
    scores: dict[str, float]
    approve: bool
    confidence: float
    reasoning: str
    weight: float = 1.0


@dataclass
class Decision:
    """The V-team's decision, the verdicts behind it and where it is recorded."""

    proposal: str
    approved: bool
    score: float
    reasons: list[str]
    verdicts: list[Verdict] = field(default_factory=list)
    decided_by: str = "ceo"
    work: Any = None  #: what ``on_approved`` returned, when the proposal was approved
    memory: MemoryStore | None = field(default=None, repr=False)
    run: Any = field(default=None, repr=False)

    def __repr__(self) -> str:
        votes = ", ".join(f"{v.role}={'yes' if v.approve else 'no'}" for v in self.verdicts)
        word = "approved" if self.approved else "rejected"
        return f"Decision({word}, score={self.score:g}, {votes})"


def _criteria(data: dict[str, Any] | None) -> list[dict[str, Any]]:
    out = []
    for c in (data or {}).get("criteria") or []:
        if isinstance(c, dict) and c.get("name"):
            out.append({"name": str(c["name"]), "threshold": float(c.get("threshold", 6)),
                        "weight": float(c.get("weight", 1)),
                        "reasoning": str(c.get("reasoning", ""))})  # fmt: skip
    return out


async def vteam(
    registry: Team,
    proposal: str,
    roles: Sequence[str] = ("cfo", "risk", "legal", "tech-lead"),
    *,
    decider: str = "ceo",
    proposer: str = "product",
    weights: Mapping[str, float] | None = None,
    memory: MemoryStore | None = None,
    clock: str | None = None,
    trace: str | Path | None = None,
    seed: int = 0,
    on_approved: Callable[[Decision], Awaitable[Any]] | None = None,
) -> Decision:
    """Decide on ``proposal`` as a V-team (see module docs).

    ``on_approved`` creates the work when the decision is yes: it is awaited with the
    decision (as a step of the same run) and its result kept as ``decision.work``.
    """
    if not isinstance(proposal, str) or not proposal.strip():
        raise RequirementError("the proposal is empty: say what is proposed")
    if not roles or len(set(roles)) != len(roles):
        raise RequirementError(f"roles must be a non-empty list without repeats, not {roles!r}")
    mem = memory if memory is not None else MemoryStore()
    oracle = DecisionOracle(proposal)
    register_oracle(oracle)
    weights = dict(weights or {})
    result: dict[str, Decision] = {}

    async def drive(run: Any) -> str:
        steps = Steps(run, registry, memory=mem, self_check=False)
        stated = await steps.ask("propose", proposer, (
            f"{step_header('propose', oracle.key, role=proposer)}\nState this proposal for the "
            f"team, with its goal, cost and risks as you see them:\n{proposal}"
        ))  # fmt: skip

        async def judge(role: str) -> Verdict:
            head = step_header("criteria", oracle.key, role=role)
            raw = await steps.ask(f"criteria-{role}", role, (
                f"{head}\nAs {role}, define your approval criteria for this proposal. Reply "
                'with JSON only: {"criteria": [{"name", "threshold" (0-10), "weight", '
                f'"reasoning"}}]}}\nProposal:\n{stated}'
            ), deps=["propose"], chain=False)  # fmt: skip
            crit = _criteria(parse_json(raw))
            mem.record_decision(role, "vteam.criteria", {"proposal": proposal, "criteria": crit})
            head = step_header("verdict", oracle.key, role=role)
            raw = await steps.ask(f"verdict-{role}", role, (
                f"{head}\nScore the proposal on each of your criteria (0-10) and decide. Reply "
                'with JSON only: {"scores": {…}, "approve": true|false, "confidence": 0-1, '
                f'"reasoning": "…"}}\nCriteria: {json.dumps(crit)}\nProposal:\n{stated}'
            ), deps=[f"criteria-{role}"], chain=False)  # fmt: skip
            data = parse_json(raw) or {}
            verdict = Verdict(
                role=role, criteria=crit,
                scores={str(k): float(v) for k, v in (data.get("scores") or {}).items()},
                approve=bool(data.get("approve")), confidence=float(data.get("confidence", 1)),
                reasoning=str(data.get("reasoning", "")), weight=float(weights.get(role, 1.0)),
            )  # fmt: skip
            mem.record_decision(role, "vteam.verdict", {"proposal": proposal, **vars(verdict)})
            return verdict

        verdicts = list(await asyncio.gather(*(judge(r) for r in roles)))
        lines = "\n".join(
            f"VERDICT role={v.role} weight={v.weight:g} "
            + json.dumps({"approve": v.approve, "confidence": v.confidence,
                          "scores": v.scores, "reasoning": v.reasoning})
            for v in verdicts
        )  # fmt: skip
        raw = await steps.ask("decide", decider, (
            f"{step_header('decide', oracle.key, role=decider)}\nWeigh your team's verdicts "
            "into one decision. Reply with JSON only: "
            '{"approved": true|false, "score": 0-10, "reasons": ["…"]}\n'
            f"Proposal:\n{stated}\n{lines}"
        ), deps=[f"verdict-{r}" for r in roles])  # fmt: skip
        data = parse_json(raw) or {}
        decision = Decision(
            proposal=proposal, approved=bool(data.get("approved")),
            score=float(data.get("score", 0)), reasons=[str(r) for r in data.get("reasons") or []],
            verdicts=verdicts, decided_by=decider, memory=mem,
        )  # fmt: skip
        mem.record_decision(decider, "vteam.decision", {
            "proposal": proposal, "approved": decision.approved, "score": decision.score,
            "reasons": decision.reasons, "roles": list(roles),
        })  # fmt: skip
        result["decision"] = decision
        if decision.approved and on_approved is not None:
            decision.work = await steps.do("create-work", decider, lambda: on_approved(decision))
        return "approved" if decision.approved else "rejected"

    clock = clock or running_clock()
    run = start_run(driver=drive, clock=clock, trace=trace, seed=seed, name="vteam",
                    max_concurrency=len(roles) + 1)  # fmt: skip
    await run
    if "decision" not in result:
        raise getattr(run, "_error", None) or RuntimeError(f"the V-team run {run.status}")
    result["decision"].run = run
    return result["decision"]
