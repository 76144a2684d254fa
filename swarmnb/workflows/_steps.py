"""Every step of a workflow is a task of one live run: trace, dashboard and metrics see it.

:class:`Steps` adds each step to the run as it is reached (``run.submit``), with the previous
step as its dependency unless told otherwise, and waits for it. A model step asks the team
(:meth:`Steps.ask`) and records the reply's tokens and dollars on the task; any other step
(a sandboxed test run, a git commit) is a plain callable (:meth:`Steps.do`). :meth:`Steps.checked`
adds the agent's self-check: a structured verdict with a score, and one revision when the score
is below the bar.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .._exceptions import ModelError
from ..memory import MemoryStore
from ._team import Team

__all__ = ["SelfCheck", "Steps", "parse_json"]

T = TypeVar("T")
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def parse_json(text: str | None) -> dict[str, Any] | None:
    """The JSON object in a model's reply (fenced or bare), or None."""
    if not text:
        return None
    match = _OBJECT.search(text)
    if not match:
        return None
    try:
        value = json.loads(match.group(0))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@dataclass
class SelfCheck:
    """An agent's verdict on its own output: valid, a 0–10 score, the issues it saw."""

    step: str
    valid: bool
    score: float
    issues: list[str] = field(default_factory=list)
    revised: bool = False


class Steps:
    """Adds workflow steps to a live run one by one (see module docs)."""

    def __init__(
        self,
        run: Any,
        team: Team,
        *,
        memory: MemoryStore | None = None,
        header: Callable[..., str] | None = None,
        min_score: float = 7.0,
        self_check: bool = True,
    ) -> None:
        self.run = run
        self.team = team
        self.memory = memory
        self.header = header or (lambda step, **f: f"STEP={step}")
        self.min_score = min_score
        self.self_check = self_check
        self.last: str | None = None
        self.checks: list[SelfCheck] = []
        self.cost_usd = 0.0
        self.tokens = 0

    async def _step(
        self, sid: str, role: str, label: str, work: Any, deps: Sequence[str] | None, chain: bool
    ) -> Any:
        """Submit ``work`` as step ``sid`` after ``deps`` (default: the last step); its value."""
        deps = list(deps) if deps is not None else ([self.last] if self.last else [])
        self.run.submit(label[:200], id=sid, deps=deps, role=role, work=work, max_retries=0)
        if chain:
            self.last = sid
        return await self.run.result(sid)

    async def do(
        self, sid: str, role: str, fn: Callable[[], Awaitable[T]], *,
        deps: Sequence[str] | None = None, chain: bool = True,
    ) -> T:  # fmt: skip
        """Run ``fn`` as the step ``sid``; its value (or the step's failure, raised)."""

        async def work(task: Any, ctx: Any) -> T:
            ctx.record_usage(steps=1)
            return await fn()

        return await self._step(sid, role, sid, work, deps, chain)

    async def ask(
        self, sid: str, role: str, prompt: str, *,
        deps: Sequence[str] | None = None, chain: bool = True,
    ) -> str:  # fmt: skip
        """Ask ``role`` as the step ``sid``; the reply text (a failed reply fails the step)."""

        async def work(task: Any, ctx: Any) -> str:
            res = await self.team.submit(role, prompt)
            ctx.record_usage(tokens_in=res.tokens_in, tokens_out=res.tokens_out,
                             cost_usd=res.cost_usd, steps=1)  # fmt: skip
            self.cost_usd += res.cost_usd
            self.tokens += res.tokens_in + res.tokens_out
            if not res.ok or res.output is None:
                raise ModelError(f"{role} gave no answer in step {sid}: {res.error}")
            if self.memory is not None:
                self.memory.log(role, sid, chars=len(res.output), cost_usd=res.cost_usd)
            return res.output

        label = prompt.splitlines()[0] if prompt else sid
        return await self._step(sid, role, label, work, deps, chain)

    async def checked(
        self, sid: str, role: str, prompt: str, *, kind: str,
        accept: Callable[[str], str] = lambda s: s,
    ) -> str:  # fmt: skip
        """:meth:`ask`, then the agent's self-check; below ``min_score`` it revises once.

        ``accept`` turns the reply into the artifact (for code: extract it; it may raise).
        """
        out = accept(await self.ask(sid, role, prompt))
        if not self.self_check:
            return out
        check = await self._check(f"{sid}-check", role, out, kind)
        if check.score >= self.min_score:
            return out
        issues = "\n".join(f"- {i}" for i in check.issues) or "- (no details)"
        revise = (
            f"{prompt}\n\nYour previous answer scored {check.score:g}/10 in your own check. "
            f"Issues:\n{issues}\nFix them and answer again in full.\n"
            f"{self.header('code' if kind == 'code' else kind, attempt=1, feedback='selfcheck')}"
        )
        out = accept(await self.ask(f"{sid}-revised", role, revise))
        check.revised = True
        return out

    async def _check(self, sid: str, role: str, output: str, kind: str) -> SelfCheck:
        prompt = (
            f"{self.header('selfcheck', kind=kind)}\n"
            "Check your own output below. Reply with JSON only: "
            '{"valid": true|false, "score": 0-10, "issues": ["…"]}\n'
            f"OUTPUT:\n{output}"
        )
        raw = await self.ask(sid, role, prompt)
        data = parse_json(raw) or {}
        try:
            score = float(data.get("score", 0))
        except (TypeError, ValueError):
            score = 0.0
        issues = [str(i) for i in data.get("issues") or []] or (
            [] if data else ["the self-check was not valid JSON"]
        )
        check = SelfCheck(sid, bool(data.get("valid", False)), score, issues)
        self.checks.append(check)
        if self.memory is not None:
            self.memory.log(role, "self-check", step=sid, score=score, issues=issues)
        return check
