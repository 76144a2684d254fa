"""The coding-team benchmark: pass@1 along the fix rounds, tests-first vs code-first, team vs one.

For each task of a set (the in-repo tasks, or HumanEval) and each seed, in a fresh git
workspace with every test run in the sandbox:

- ``team, tests-first`` — :class:`~swarmnb.workflows.TDDTeam` as designed;
- ``team, code-first`` — the same team, but the developer writes before the tests exist;
- ``single developer`` — one developer call from the requirement, no self-check, no fixes,
  graded by the task's tests.

Per task it records whether some attempt passed within 0, 1, 2, 3 fixes of the first
approach, after the change of approach, and whether the change was merged after review, with
the dollars spent. With ``sim/`` models these are SIMULATIONS (the sim coders consult the
reference solution at their profile's accuracy; see :mod:`swarmnb.scenarios.team_oracle`);
any litellm model plays the same tasks for real.

Example::

    rows = await run_unit(tasks, config="team, tests-first", seed=0, model="sim/medium")
    table = summarise(rows)        # mean and 95 % CI over seeds per config and column
    fix_curve(tasks, seeds=range(3))   # both, on the virtual clock, from sync or async code
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .. import sandbox
from ..scenarios.codetasks import CodingTask, extract_code
from ..scenarios.team_oracle import register_task_oracles, step_header
from ..workflows import ModelTeam, TDDTeam
from ._stats import mean_ci

__all__ = ["COLUMNS", "CONFIGS", "fix_curve", "run_unit", "summarise"]

CONFIGS = ("team, tests-first", "team, code-first", "single developer")
#: Figures per task: passed within k fixes, after the new approach, merged; dollars.
COLUMNS = ("fix0", "fix1", "fix2", "fix3", "new_approach", "merged", "cost_usd")


async def _single(task: CodingTask, team: ModelTeam, root: Path) -> dict[str, Any]:
    head = step_header("code", task.key, attempt=0, approach=0, mode="code-first")
    reply = await team.submit("developer", f"{head}\nRequirement:\n{task.requirement}\n\n"
                              f"Write the complete module {task.solution_path}.")  # fmt: skip
    task.write(root)
    try:
        (root / task.solution_path).write_text(extract_code(reply.output), encoding="utf-8")
        ok = (await sandbox.run_tests(root, targets=[task.test_path])).ok
    except ValueError:  # not code
        ok = False
    return {"fix0": ok, "fix1": None, "fix2": None, "fix3": None, "new_approach": None,
            "merged": None, "cost_usd": reply.cost_usd}  # fmt: skip


async def run_unit(
    tasks: Sequence[CodingTask], *, config: str, seed: int, model: str = "sim/medium",
    max_fixes: int = 3,
) -> list[dict[str, Any]]:  # fmt: skip
    """One config over ``tasks`` for one seed (call it on a virtual-clock loop)."""
    if config not in CONFIGS:
        raise ValueError(f"config must be one of {CONFIGS}, not {config!r}")
    register_task_oracles(tasks)
    team = ModelTeam(default=model, seed=seed)
    rows = []
    for task in tasks:
        with tempfile.TemporaryDirectory(prefix="swarmnb-bench-") as tmp:
            root = Path(tmp)
            if config == "single developer":
                row = await _single(task, team, root)
            else:
                builder = TDDTeam(registry=team, workspace=root / "ws", max_fixes=max_fixes,
                                  max_approaches=2, tests_first=config.endswith("tests-first"),
                                  seed=seed)  # fmt: skip
                out = await builder.build(task)
                row = {f"fix{k}": out.passed_within(k) for k in range(4)}
                row |= {"new_approach": out.passed_within(max_fixes, 2), "merged": out.ok,
                        "cost_usd": out.cost_usd}  # fmt: skip
        rows.append({"task": task.id, "source": task.source, "config": config, "seed": seed,
                     **row})  # fmt: skip
    return rows


def summarise(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Per source and config: each column's mean over tasks, then mean ± 95 % CI over seeds."""
    frame = pd.DataFrame(list(rows))
    frame[list(COLUMNS)] = frame[list(COLUMNS)].astype(float)  # True → 1.0, None → NaN
    out = []
    for (source, config), group in frame.groupby(["source", "config"], sort=False):
        per_seed = group.groupby("seed")[list(COLUMNS)].mean()
        rec: dict[str, Any] = {"source": source, "config": config,
                               "seeds": len(per_seed), "tasks": group.task.nunique()}  # fmt: skip
        for col in COLUMNS:
            values = [float(v) for v in per_seed[col] if v == v]  # NaN: not measured
            mean, half = mean_ci(values) if values else (float("nan"), float("nan"))
            rec[col], rec[f"{col}_ci"] = mean, half
        out.append(rec)
    return pd.DataFrame(out)


def fix_curve(
    tasks: Sequence[CodingTask], *, seeds: Sequence[int] = (0, 1, 2),
    configs: Sequence[str] = CONFIGS, model: str = "sim/medium",
) -> pd.DataFrame:  # fmt: skip
    """Every config over ``tasks`` and ``seeds`` on a virtual-clock loop, summarised."""
    from ..runtime.clock import run_blocking

    async def all_units() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for config in configs:
            for seed in seeds:
                rows += await run_unit(tasks, config=config, seed=seed, model=model)
        return rows

    return summarise(run_blocking(all_units, "virtual"))
