"""The workflows on the agents registry: roles as installed agents, one loop, sim models."""

from __future__ import annotations

import subprocess
from pathlib import Path

import swarmnb as sn
from swarmnb.runtime.clock import run_in_new_loop

ROLES = ("product", "qa", "developer", "code-reviewer", "cfo", "risk", "legal", "tech-lead", "ceo")


def test_tdd_and_vteam_run_on_registry_agents(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    mem = sn.memory.MemoryStore(tmp_path / "memory.sqlite")

    async def main() -> tuple[object, object, object]:
        async with sn.agents.Registry(seed=0) as reg:
            for role in ROLES:
                await reg.install(role)
            team = sn.workflows.TDDTeam(registry=reg, workspace=ws, memory=mem)
            built = await team.build(sn.scenarios.coding_tasks(["roman"])[0])
            judges = ["cfo", "risk", "legal", "tech-lead"]
            decision = await sn.workflows.vteam(reg, "Adopt a monorepo", roles=judges, memory=mem)
            return built, decision, reg.agents()

    built, decision, agents = run_in_new_loop(main, "virtual")
    assert built.ok, built.error  # type: ignore[attr-defined]
    subjects = subprocess.run(["git", "-C", str(ws), "log", "--format=%s", "--first-parent",
                               "feature/roman"], capture_output=True, text=True, check=True
                              ).stdout.splitlines()  # fmt: skip
    assert subjects[-2].startswith("Add tests for roman") and subjects[-3].startswith("Add")
    worked = dict(zip(agents["role"], agents["tasks"], strict=False))  # type: ignore[index]
    assert all(worked[r] > 0 for r in ROLES)  # every step went to an installed agent
    kinds = set(mem.decisions().decision_type)
    assert {"code-review", "vteam.criteria", "vteam.verdict", "vteam.decision"} <= kinds
    assert len(decision.verdicts) == 4  # type: ignore[attr-defined]
