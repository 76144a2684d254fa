"""V-team decisions and continuous mode, on sim models (a simulation)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import swarmnb as sn
from swarmnb.runtime.clock import run_in_new_loop
from swarmnb.workflows import Continuous, ModelTeam, TeamReply


def test_vteam_records_criteria_verdicts_and_the_decision() -> None:
    mem = sn.memory.MemoryStore()
    roles = ["cfo", "risk", "legal", "tech-lead"]

    async def main() -> sn.workflows.Decision:
        return await sn.workflows.vteam(ModelTeam(default="sim/large"),
                                        "Move CI to self-hosted runners", roles=roles,
                                        memory=mem)  # fmt: skip

    d = run_in_new_loop(main, "virtual")
    assert [v.role for v in d.verdicts] == roles
    for v in d.verdicts:
        assert v.criteria and all({"name", "threshold", "weight", "reasoning"} <= set(c)
                                  for c in v.criteria)  # fmt: skip
        assert set(v.scores) == {c["name"] for c in v.criteria}
    history = mem.decisions()
    kinds = history.decision_type.tolist()
    assert kinds.count("vteam.criteria") == 4 and kinds.count("vteam.verdict") == 4
    final = mem.decisions(decision_type="vteam.decision")
    assert len(final) == 1 and final.agent_name[0] == "ceo"
    assert final.decision_data[0]["approved"] == d.approved
    yes = sum(v.weight * v.confidence for v in d.verdicts if v.approve)
    total = sum(v.weight * v.confidence for v in d.verdicts)
    assert d.approved == (yes / total >= 0.5)  # the CEO weighed the verdicts
    tasks = d.run.tasks
    assert {f"verdict-{r}" for r in roles} <= set(tasks["id"]) and (
        tasks.status == "completed"
    ).all()
    # the four roles judged in parallel: the critical path is shorter than the step count
    assert d.run.metrics["critical_steps"] < len(tasks)


def test_vteam_bad_input() -> None:
    async def main(proposal: str, roles: list[str]) -> object:
        return await sn.workflows.vteam(ModelTeam(), proposal, roles=roles)

    with pytest.raises(sn.workflows.RequirementError, match="empty"):
        run_in_new_loop(lambda: main("", ["cfo"]), "virtual")
    with pytest.raises(sn.workflows.RequirementError, match="roles"):
        run_in_new_loop(lambda: main("x", ["cfo", "cfo"]), "virtual")


def test_continuous_run_stops_at_its_budget_with_every_task_terminal(tmp_path: Path) -> None:
    backlog = sn.scenarios.coding_tasks()[:12]
    cont = Continuous(registry=ModelTeam(default="sim/medium"), goals=["ship the utilities"],
                      backlog=backlog, budget_usd=0.0012, max_tasks=None)  # fmt: skip
    out = run_in_new_loop(cont.run, "virtual")
    assert out.stopped_by == "budget"
    assert 0 < len(out.tasks) < len(backlog)
    statuses = set(out.run.tasks.status)
    assert statuses <= {"completed", "failed", "skipped", "cancelled"}
    assert cont.memory.decisions(decision_type="plan").shape[0] >= 1


def test_continuous_stops_on_count_on_stop_and_when_done() -> None:
    backlog = sn.scenarios.coding_tasks()[:3]
    team = ModelTeam(default="sim/small")
    counted = Continuous(registry=team, goals=["g"], backlog=backlog, max_tasks=2)
    out = run_in_new_loop(counted.run, "virtual")
    assert out.stopped_by == "max_tasks" and len(out.tasks) == 2
    finished = Continuous(registry=team, goals=["g"], backlog=backlog, max_tasks=10)
    out = run_in_new_loop(finished.run, "virtual")
    assert out.stopped_by == "done" and {t["ref"] for t in out.tasks} == {b.id for b in backlog}
    stopped = Continuous(registry=team, goals=["g"], backlog=backlog, max_tasks=10)
    stopped.stop()
    assert run_in_new_loop(stopped.run, "virtual").stopped_by == "stop"
    with pytest.raises(sn.workflows.RequirementError, match="bounded"):
        Continuous(registry=team, goals=["g"], max_tasks=None)


class _Stuck:
    """A team whose developer never answers."""

    def __init__(self) -> None:
        self.inner = ModelTeam(default="sim/small")

    async def submit(self, role: str, prompt: str) -> TeamReply:
        if role == "developer":
            await asyncio.sleep(10_000)
        return await self.inner.submit(role, prompt)


def test_stuck_tasks_time_out_and_escalate() -> None:
    cont = Continuous(registry=_Stuck(), goals=["g"], backlog=sn.scenarios.coding_tasks()[:1],
                      max_tasks=1, task_timeout=60.0)  # fmt: skip
    out = run_in_new_loop(cont.run, "virtual")
    assert out.tasks[0]["status"] == "timed out" and out.escalations == ["task-001"]
    esc = cont.memory.decisions(decision_type="escalation")
    assert esc.agent_name.tolist() == ["ceo"] and esc.decision_data[0]["task"] == "task-001"


def test_approved_proposals_create_their_work_and_rejected_ones_do_not() -> None:
    proposals = ["Adopt a monorepo", "Move CI to self-hosted runners", "Add a status page"]
    created: list[str] = []

    async def main(p: str) -> sn.workflows.Decision:
        async def work(d: sn.workflows.Decision) -> str:
            created.append(d.proposal)
            return f"work for {d.proposal}"

        return await sn.workflows.vteam(ModelTeam(default="sim/large"), p, on_approved=work)

    decisions = [run_in_new_loop(lambda p=p: main(p), "virtual") for p in proposals]
    assert {d.approved for d in decisions} == {True, False}  # both outcomes occur here
    assert created == [d.proposal for d in decisions if d.approved]
    for d in decisions:
        assert (d.work is not None) == d.approved
        assert ("create-work" in set(d.run.tasks["id"])) == d.approved


class _Delegating:
    """A team whose developer asks QA to follow up on every task."""

    def __init__(self) -> None:
        self.inner = ModelTeam(default="sim/small")
        self.qa_prompts: list[str] = []

    async def submit(self, role: str, prompt: str) -> TeamReply:
        if role == "developer":
            return TeamReply(role, "fake", '{"done": true, "needs": [{"role": "qa", '
                             '"title": "write regression tests"}]}')  # fmt: skip
        if role == "qa":
            self.qa_prompts.append(prompt)
            return TeamReply(role, "fake", "tests written")
        return await self.inner.submit(role, prompt)


def test_a_result_that_needs_other_roles_creates_their_tasks() -> None:
    team = _Delegating()
    cont = Continuous(registry=team, goals=["g"], backlog=sn.scenarios.coding_tasks()[:1],
                      max_tasks=10)  # fmt: skip
    out = run_in_new_loop(cont.run, "virtual")
    assert [(t["role"], t["status"]) for t in out.tasks] == [
        ("developer", "completed"), ("qa", "completed")
    ]  # fmt: skip
    assert out.tasks[0]["follow_ups"][0]["title"] == "write regression tests"
    assert len(team.qa_prompts) == 1 and "write regression tests" in team.qa_prompts[0]
