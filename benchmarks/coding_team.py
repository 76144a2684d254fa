"""The coding team's fix-round curve, tests-first vs code-first, team vs a single developer.

Every figure comes from the offline sim/ models on the virtual clock: it is a SIMULATION. The
sim coders consult each task's reference solution at their profile's accuracy and improve with
test feedback (swarmnb.scenarios.team_oracle); every test run is real, in the sandbox.

    python benchmarks/coding_team.py                    # 5 seeds, 24 in-repo + 40 HumanEval tasks
    python benchmarks/coding_team.py --quick            # 2 seeds, 8 + 8 tasks (smoke run)
    python benchmarks/coding_team.py --humaneval 164    # all of HumanEval
    python benchmarks/coding_team.py --model sim/small --jobs 2

Columns: pass@1 with at most 0, 1, 2, 3 fixes of the first approach, after the change of
approach, the share merged after review, and dollars per task (simulated prices); each a mean
over tasks, then mean ± 95 % CI over seeds.
"""

from __future__ import annotations

import argparse
import math
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from swarmnb.bench.coding_team import COLUMNS, CONFIGS, run_unit, summarise
from swarmnb.runtime.clock import run_in_new_loop
from swarmnb.scenarios import coding_tasks, humaneval_tasks

SIM = "(simulation: sim/ models, virtual clock; test runs are real, in the sandbox)"


def _tasks(source: str, n: int | None) -> list[Any]:
    every = coding_tasks() if source == "swarmnb" else humaneval_tasks()
    return every[:n] if n else every


def _unit(args: tuple[str, int | None, str, int, str]) -> list[dict[str, Any]]:
    source, n, config, seed, model = args
    tasks = _tasks(source, n)
    return run_in_new_loop(lambda: run_unit(tasks, config=config, seed=seed, model=model),
                           "virtual")  # fmt: skip


def _cell(mean: float, half: float, money: bool = False) -> str:
    if math.isnan(mean):
        return "—"
    text = f"{mean * 1000:.3f}m" if money else f"{mean:.2f}"
    return text if math.isnan(half) else text + f" ±{half * 1000:.3f}m" if money else (
        f"{text} ±{half:.2f}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--repo-tasks", type=int, default=None, help="first N in-repo tasks")
    ap.add_argument("--humaneval", type=int, default=40, help="first N HumanEval (0: none)")
    ap.add_argument("--model", default="sim/medium")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    seeds, repo_n, he_n = a.seeds, a.repo_tasks, a.humaneval
    if a.quick:
        seeds, repo_n, he_n = 2, 8, 8
    units = [("swarmnb", repo_n, c, s, a.model) for c in CONFIGS for s in range(seeds)]
    if he_n:
        units += [("humaneval", he_n, c, s, a.model) for c in CONFIGS for s in range(seeds)]
    rows: list[dict[str, Any]] = []
    if a.jobs > 1:
        with ProcessPoolExecutor(a.jobs) as pool:
            for part in pool.map(_unit, units):
                rows += part
    else:
        for unit in units:
            rows += _unit(unit)
    table = summarise(rows)
    print(f"Coding team, developer model {a.model}, {seeds} seeds {SIM}")
    head = ["set", "config", "tasks", "0 fixes", "≤1", "≤2", "≤3", "new appr.", "merged"]
    head.append("$/task")
    print(" | ".join(head))
    for r in table.itertuples():
        cells = [_cell(getattr(r, c), getattr(r, f"{c}_ci"), c == "cost_usd") for c in COLUMNS]
        print(" | ".join([r.source, r.config, str(r.tasks), *cells]))
    print("$/task in thousandths of a dollar (m$), simulated prices.")


if __name__ == "__main__":
    main()
