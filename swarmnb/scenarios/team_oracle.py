"""What the sim models of a coding team say: the ideal teammate, at the profile's accuracy.

A SIMULATION, labelled as such wherever its figures are shown. Team workflows
(:mod:`swarmnb.workflows`) open every prompt with a step header —
``[scenario:KEY] STEP=code ATTEMPT=1 APPROACH=0 MODE=tests-first`` — that real models read as
context and sim models use to find the oracle and the step. The oracles:

- :class:`CodeTaskOracle` (one per :class:`~swarmnb.scenarios.codetasks.CodingTask`):
  constraints and tests come from the task; the developer's code is the reference with
  probability ``accuracy · rate`` and otherwise a mutant of it, where ``rate`` is
  :data:`FIRST_TRY` for a first attempt (scaled by :data:`CODE_FIRST` when the developer has
  not seen the tests) and :data:`FIX_RATE` for a fix that was shown the failures; self-checks
  notice a wrong solution with probability ``accuracy``; reviewers approve passing code.
- :class:`DecisionOracle` (one per proposal): each role states criteria and judges the
  proposal against hidden merits drawn from a hash of its text; the CEO weighs the verdicts.
- :class:`PlannerOracle`: the CEO turns goals and a backlog into the next tasks.

Example::

    register_task_oracles(coding_tasks())
    step_header("code", task.key, attempt=0)   # '[scenario:codetask-…] STEP=code ATTEMPT=0 …'
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..oracle import SimReply, final_reply, marker, register_oracle
from .codetasks import CodingTask, extract_code, same_code

__all__ = [
    "CODE_FIRST",
    "FIRST_TRY",
    "FIX_RATE",
    "CodeTaskOracle",
    "DecisionOracle",
    "PlannerOracle",
    "parse_header",
    "register_task_oracles",
    "step_header",
]

#: Chance (times the profile's accuracy) that a first attempt is right, by task difficulty.
FIRST_TRY = {1: 0.9, 2: 0.7, 3: 0.5}
#: Chance (times accuracy) that a fix shown the failing tests is right.
FIX_RATE = 0.6
#: Factor on :data:`FIRST_TRY` when code is written before the tests exist (code-first).
CODE_FIRST = 0.8
#: Chance (times accuracy) that a new approach, told what failed before, is right.
NEW_APPROACH = 0.8

_HEADER = re.compile(r"STEP=(\w[\w-]*)((?:\s+[A-Z_]+=[\w.-]+)*)")
_FIELD = re.compile(r"([A-Z_]+)=([\w.-]+)")


def step_header(step: str, key: str, **fields: object) -> str:
    """The first line of a team prompt: oracle marker, step name and step fields."""
    extra = "".join(f" {k.upper()}={v}" for k, v in fields.items())
    return f"{marker(key)} STEP={step}{extra}"


def parse_header(text: str) -> tuple[str, dict[str, str]] | None:
    """The step name and fields of the last step header in ``text``."""
    found = _HEADER.findall(text)
    if not found:
        return None
    step, rest = found[-1]
    return step, dict(_FIELD.findall(rest))


def _last_user(messages: list[dict[str, Any]]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user" and isinstance(m.get("content"), str):
            return m["content"]
    return ""


def _fenced(code: str) -> str:
    return f"```python\n{code.rstrip()}\n```"


class CodeTaskOracle:
    """The ideal product owner, QA, developer and reviewer for one coding task."""

    def __init__(self, task: CodingTask) -> None:
        self.task = task
        self.key = task.key

    def respond(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        *,
        accuracy: float,
        rng: random.Random,
    ) -> SimReply:
        prompt = _last_user(messages)
        head = parse_header(prompt)
        step, fields = head if head else ("code", {})
        t = self.task
        if step == "constraints":
            return final_reply(
                f"Constraints for {t.entry_point}:\n- define `{t.entry_point}` in "
                f"`{t.solution_path}`\n- behaviour: {t.requirement}\n- handle empty and edge "
                "inputs as the requirement says; raise the errors it names"
            )
        if step == "tests":
            return final_reply(_fenced(t.tests))
        if step == "code":
            return final_reply(_fenced(self._code(fields, accuracy, rng)))
        if step == "selfcheck":
            return final_reply(json.dumps(self._selfcheck(prompt, fields, accuracy, rng)))
        if step == "review":
            passed = "RESULT=pass" in prompt or fields.get("TESTS") == "pass"
            ok = passed and rng.random() < 0.5 + 0.5 * accuracy
            why = "please handle the edge cases more explicitly"
            comments = [] if ok else [why if passed else "tests are not all passing"]
            return final_reply(json.dumps({"approved": ok, "comments": comments}))
        if step == "commit":
            first = re.split(r"(?<=[.!?])\s", t.requirement.strip())[0][:60]
            return final_reply(f"Add {t.entry_point}: {first}\n\nTests written first; all pass.")
        return final_reply(f"Nothing to do for step {step!r}.")

    def _code(self, fields: Mapping[str, str], accuracy: float, rng: random.Random) -> str:
        t = self.task
        attempt = int(fields.get("ATTEMPT", "0"))
        approach = int(fields.get("APPROACH", "0"))
        if attempt > 0:
            rate = FIX_RATE
        elif approach > 0:
            rate = NEW_APPROACH
        else:
            rate = FIRST_TRY.get(t.difficulty, 0.7)
            if fields.get("MODE") == "code-first":
                rate *= CODE_FIRST
        if rng.random() < accuracy * rate:
            return t.reference
        return rng.choice(t.mutants())

    def _selfcheck(
        self, prompt: str, fields: Mapping[str, str], accuracy: float, rng: random.Random
    ) -> dict[str, object]:
        if fields.get("KIND", "code") != "code":
            return {"valid": True, "score": 8 + rng.randint(0, 1), "issues": []}
        try:
            code = extract_code(prompt.split("OUTPUT:", 1)[-1])
        except ValueError:
            return {"valid": False, "score": 2, "issues": ["the output holds no code"]}
        if same_code(code, self.task.reference) or rng.random() >= accuracy:
            return {"valid": True, "score": 8 + rng.randint(0, 1), "issues": []}
        issue = f"{self.task.entry_point} probably mishandles a case the requirement names"
        return {"valid": False, "score": rng.randint(3, 6), "issues": [issue]}


def register_task_oracles(tasks: Iterable[CodingTask]) -> None:
    """Let sim models find each task's oracle by its key."""
    for task in tasks:
        register_oracle(CodeTaskOracle(task))


# -- decisions ---------------------------------------------------------------------------------
_CRITERIA: dict[str, tuple[str, ...]] = {
    "cfo": ("cost within budget", "return on investment"),
    "risk": ("delivery risk acceptable", "operational risk acceptable"),
    "legal": ("licence compliance", "data protection"),
    "tech-lead": ("technical feasibility", "maintainability"),
    "security": ("attack surface", "secrets handling"),
    "product": ("user value", "fit with the roadmap"),
}


def _unit(*parts: str) -> float:
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class DecisionOracle:
    """Role criteria, verdicts and the CEO's weighing for one proposal (hidden merits)."""

    def __init__(self, proposal: str) -> None:
        self.proposal = proposal
        self.key = "vteam-" + hashlib.sha256(proposal.encode()).hexdigest()[:12]

    def merit(self, role: str) -> float:
        """The proposal's hidden merit in ``role``'s eyes, in [0.25, 0.95]."""
        return 0.25 + 0.7 * _unit(self.proposal, role)

    def respond(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        *,
        accuracy: float,
        rng: random.Random,
    ) -> SimReply:
        prompt = _last_user(messages)
        step, fields = parse_header(prompt) or ("verdict", {})
        role = fields.get("ROLE", "tech-lead")
        names = _CRITERIA.get(role, ("overall merit", "cost of delay"))
        if step == "propose":
            return final_reply(f"Proposal: {self.proposal}")
        if step == "criteria":
            crit = [
                {"name": n, "threshold": 6.0, "weight": round(1.0 / len(names), 3),
                 "reasoning": f"As {role}, '{n}' decides whether this proposal is acceptable."}
                for n in names
            ]  # fmt: skip
            return final_reply(json.dumps({"criteria": crit}))
        if step == "verdict":
            scores = {}
            for n in names:
                noise = rng.gauss(0.0, 1.5 * (1.0 - accuracy) + 0.3)
                scores[n] = round(min(10.0, max(0.0, 10 * self.merit(role) + noise)), 1)
            mean = sum(scores.values()) / len(scores)
            return final_reply(json.dumps({
                "scores": scores, "approve": mean >= 6.0, "confidence": round(accuracy, 2),
                "reasoning": f"Weighted score {mean:.1f} against a threshold of 6.0.",
            }))  # fmt: skip
        if step == "decide":
            return final_reply(json.dumps(_weigh(prompt)))
        return final_reply(f"Nothing to do for step {step!r}.")


def _weigh(prompt: str) -> dict[str, object]:
    """The CEO: approve when the weighted, confidence-scaled votes reach one half."""
    verdicts = re.findall(r"VERDICT role=([\w-]+) weight=([\d.]+) (\{.*\})", prompt)
    total = yes = 0.0
    reasons = []
    for role, weight, raw in verdicts:
        try:
            v = json.loads(raw)
        except ValueError:
            continue
        w = float(weight) * float(v.get("confidence", 1.0))
        total += w
        yes += w * bool(v.get("approve"))
        reasons.append(f"{role}: {'approves' if v.get('approve') else 'rejects'}")
    share = yes / total if total else 0.0
    return {"approved": share >= 0.5, "score": round(10 * share, 2), "reasons": reasons}


class PlannerOracle:
    """The CEO of a continuous run: the next backlog items not done yet, two at a time."""

    key = "team-planner"

    def respond(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        *,
        accuracy: float,
        rng: random.Random,
    ) -> SimReply:
        prompt = _last_user(messages)
        backlog = re.findall(r"^- TODO (\S+)", prompt, re.MULTILINE)
        done = set(re.findall(r"^- DONE (\S+)", prompt, re.MULTILINE))
        todo = [b for b in backlog if b not in done][:2]
        tasks = [{"role": "developer", "title": f"implement {b}", "ref": b} for b in todo]
        return final_reply(json.dumps({"tasks": tasks}))
