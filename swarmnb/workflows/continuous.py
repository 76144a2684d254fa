"""Continuous mode: the CEO keeps the team busy within a budget, and the run always ends.

Whenever no task is queued, the CEO agent plans the next tasks from the goals, the backlog and
what the memory holds (``STEP=plan``, JSON ``{"tasks": [{"role", "title", "ref"}]}``). Each task
runs as a task of one run graph with a ``task_timeout``: a stuck task times out, fails, and is
escalated to the ``escalate_to`` role (recorded in ``decision_history``). A result that
needs other roles (JSON ``{"needs": [{"role", "title"}]}``) creates their tasks, run next.
A task whose ``ref`` names a backlog :class:`~swarmnb.scenarios.CodingTask` is built by a
:class:`TDDTeam` when a workspace is given. The loop stops on the first of: the dollar
budget, ``max_tasks``, :meth:`Continuous.stop`, or a plan with nothing left to do — never
unbounded, and every task ends in a terminal state.

Example::

    cont = sn.workflows.Continuous(registry=reg, goals=["ship the string utilities"],
                                   backlog=sn.scenarios.coding_tasks()[:4], budget_usd=0.05)
    out = await cont.run()
    out.stopped_by, out.tasks          # 'budget' | 'max_tasks' | 'stop' | 'done'
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._exceptions import RequirementError, TaskFailed
from ..memory import GLOBAL, MemoryStore
from ..oracle import register_oracle
from ..runtime.budget import Budget
from ..runtime.clock import running_clock
from ..scenarios.codetasks import CodingTask
from ..scenarios.team_oracle import PlannerOracle, register_task_oracles, step_header
from ._steps import Steps, parse_json
from ._team import Team

__all__ = ["Continuous", "ContinuousResult"]


@dataclass
class ContinuousResult:
    """Why the loop stopped, each task's outcome, the cost and the run."""

    stopped_by: str
    tasks: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[str] = field(default_factory=list)
    cost_usd: float = 0.0
    run: Any = field(default=None, repr=False)


class Continuous:
    """The CEO-driven work loop (see module docs)."""

    def __init__(
        self,
        *,
        registry: Team,
        goals: Sequence[str],
        backlog: Sequence[CodingTask | str] = (),
        budget_usd: float | None = None,
        max_tasks: int | None = 20,
        task_timeout: float = 3600.0,
        check_interval: float = 0.0,
        escalate_to: str = "ceo",
        planner: str = "ceo",
        workspace: str | Path | None = None,
        memory: MemoryStore | None = None,
        clock: str | None = None,
        trace: str | Path | None = None,
        seed: int = 0,
    ) -> None:
        if not goals or not all(isinstance(g, str) and g.strip() for g in goals):
            raise RequirementError("continuous mode needs at least one non-empty goal")
        if budget_usd is None and max_tasks is None:
            raise RequirementError("set budget_usd or max_tasks: a continuous run must be bounded")
        self.team = registry
        self.goals = list(goals)
        self.backlog = list(backlog)
        self.budget_usd, self.max_tasks = budget_usd, max_tasks
        self.task_timeout, self.escalate_to, self.planner = task_timeout, escalate_to, planner
        self.check_interval = check_interval
        self.workspace = Path(workspace) if workspace is not None else None
        self.memory = memory if memory is not None else MemoryStore()
        self.clock, self.trace, self.seed = clock, trace, seed
        self._stop = False

    def stop(self) -> None:
        """Finish the task in hand, then stop (``stopped_by == "stop"``)."""
        self._stop = True

    def _ref(self, item: CodingTask | str) -> str:
        return item.id if isinstance(item, CodingTask) else item

    async def run(self) -> ContinuousResult:
        register_oracle(PlannerOracle())
        register_task_oracles([b for b in self.backlog if isinstance(b, CodingTask)])
        out = ContinuousResult(stopped_by="done")
        by_ref = {self._ref(b): b for b in self.backlog}
        done: set[str] = set()

        async def drive(run: Any) -> str:
            steps = Steps(run, self.team, memory=self.memory, self_check=False)
            rounds = 0
            while True:
                if self._stop:
                    out.stopped_by = "stop"
                    break
                if self.budget_usd is not None and steps.cost_usd >= self.budget_usd:
                    out.stopped_by = "budget"
                    break
                if self.max_tasks is not None and len(out.tasks) >= self.max_tasks:
                    out.stopped_by = "max_tasks"
                    break
                if rounds and self.check_interval:
                    await asyncio.sleep(self.check_interval)  # free on the virtual clock
                rounds += 1
                plan = await self._plan(steps, rounds, done, by_ref)
                if plan is None:
                    out.stopped_by = "budget"
                    break
                if not plan:
                    out.stopped_by = "done"
                    break
                queue = list(plan)
                while queue:
                    if self.max_tasks is not None and len(out.tasks) >= self.max_tasks:
                        break
                    item = queue.pop(0)
                    record = await self._execute(run, steps, item, len(out.tasks) + 1, by_ref)
                    out.tasks.append(record)
                    queue += record.get("follow_ups", [])  # a result that needs other roles
                    if record["status"] == "completed":
                        done.add(str(record.get("ref")))
                    elif record["status"] == "timed out":
                        out.escalations.append(record["id"])
                    elif record["status"] in ("skipped", "cancelled"):
                        out.stopped_by = "budget"
                        return out.stopped_by
            out.cost_usd = steps.cost_usd
            return out.stopped_by

        clock = self.clock or running_clock()
        from .._api import start_run

        budget = Budget(usd=self.budget_usd) if self.budget_usd is not None else None
        run = start_run(driver=drive, clock=clock, trace=self.trace, seed=self.seed,
                        name="continuous", budget=budget, max_concurrency=4)  # fmt: skip
        await run
        out.run = run
        if run.status == "budget_exhausted":
            out.stopped_by = "budget"
        return out

    async def _plan(self, steps: Steps, n: int, done: set[str],
                    by_ref: dict[str, Any]) -> list[dict[str, Any]] | None:  # fmt: skip
        goals = "\n".join(f"- {g}" for g in self.goals)
        backlog = "\n".join(f"- {'DONE' if r in done else 'TODO'} {r}" for r in by_ref)
        memory = self.memory.context(self.planner).summary(max_chars=1200)
        prompt = (
            f"{step_header('plan', PlannerOracle.key, round=n)}\nThe team's queues are empty. "
            f"Plan the next tasks toward the goals. Reply with JSON only: "
            '{"tasks": [{"role": "…", "title": "…", "ref": "backlog id or null"}]} — '
            f"an empty list when everything is done.\nGoals:\n{goals}\nBacklog:\n{backlog}\n"
            f"{memory}"
        )
        try:
            raw = await steps.ask(f"plan-{n}", self.planner, prompt)
        except TaskFailed as exc:
            if exc.status in ("skipped", "cancelled"):
                return None  # the budget stopped new work
            raise
        tasks = [t for t in (parse_json(raw) or {}).get("tasks") or [] if isinstance(t, dict)]
        self.memory.record_decision(self.planner, "plan", {"round": n, "tasks": tasks})
        self.memory.remember(GLOBAL, "last_plan", tasks)
        return tasks

    async def _execute(self, run: Any, steps: Steps, item: dict[str, Any], n: int,
                       by_ref: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        role = str(item.get("role") or "developer")
        title = str(item.get("title") or "task")
        ref = item.get("ref")
        sid = f"task-{n:03d}"
        target = by_ref.get(str(ref)) if ref is not None else None
        record: dict[str, Any] = {"id": sid, "role": role, "title": title, "ref": ref}

        async def work(task: Any, ctx: Any) -> str:
            if isinstance(target, CodingTask) and self.workspace is not None:
                from .tdd import TDDTeam

                team = TDDTeam(registry=self.team, workspace=self.workspace,
                               memory=self.memory, seed=self.seed)  # fmt: skip
                built = await team.build(target)
                steps.cost_usd += built.cost_usd
                ctx.record_usage(cost_usd=built.cost_usd, steps=1)
                if not built.ok:
                    raise RuntimeError(f"build of {target.id} failed: {built.error}")
                return f"merged {built.branch}"
            prompt = target.requirement if isinstance(target, CodingTask) else title
            res = await self.team.submit(role, f"{step_header('code', str(ref))}\n{prompt}")
            ctx.record_usage(tokens_in=res.tokens_in, tokens_out=res.tokens_out,
                             cost_usd=res.cost_usd, steps=1)  # fmt: skip
            steps.cost_usd += res.cost_usd
            if not res.ok:
                raise RuntimeError(f"{role} failed: {res.error}")
            return res.output or ""

        run.submit(title, id=sid, deps=[steps.last] if steps.last else [], role=role,
                   work=work, timeout=self.task_timeout, max_retries=0)  # fmt: skip
        try:
            output = await run.result(sid)
            record["status"] = "completed"
            needs = (parse_json(output) or {}).get("needs") if isinstance(output, str) else None
            follow = [n for n in needs or [] if isinstance(n, dict) and n.get("role")]
            if follow:
                record["follow_ups"] = [{**n, "from": sid} for n in follow]
        except TaskFailed as exc:
            timed_out = "Timeout" in exc.reason or "timed out" in exc.reason
            record["status"] = "timed out" if timed_out else exc.status
            record["reason"] = exc.reason
            if timed_out:
                note = {"task": sid, "title": title, "reason": exc.reason}
                self.memory.record_decision(self.escalate_to, "escalation", note)
        self.memory.log(role, title, task=sid, status=record["status"])
        return record
