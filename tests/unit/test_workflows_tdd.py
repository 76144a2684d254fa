"""TDDTeam: tests first, sandboxed runs, bounded fixes, review, git history, typed errors."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

import swarmnb as sn
from swarmnb.workflows import ModelTeam, TDDTeam, TeamReply


def _git(ws: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(ws), *args], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip


def test_a_build_commits_tests_before_code_and_merges(tmp_path: Path) -> None:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    ws = tmp_path / "ws"
    task = sn.scenarios.coding_tasks(["roman"])[0]
    team = TDDTeam(registry=ModelTeam(default="sim/large"), workspace=ws, remote=str(bare), seed=1)
    out = team.build_sync(task)
    assert out.ok, out.error
    assert out.attempts[-1].ok and out.attempts[-1].failed == 0
    log = _git(ws, "log", "--format=%s", "--first-parent", "feature/roman").splitlines()
    assert log[-1] == "Start the workspace"
    assert log[-2].startswith("Add tests for roman")  # the tests, before …
    assert log[-3].startswith("Add to_roman")  # … the code
    merge = _git(ws, "log", "-1", "--format=%s%n%P", "main").splitlines()
    assert merge[0].startswith("Merge feature/roman") and len(merge[1].split()) == 2
    assert _git(ws, "show", "main:roman.py") == (ws / "roman.py").read_text().strip()
    assert out.pushed and _git(bare, "log", "-1", "--format=%s", "main").startswith("Merge")
    ids = set(out.run.tasks["id"])
    assert {"tests", "commit-tests", "run-a0-f0", "review-1", "merge", "push"} <= ids
    assert out.run.metrics["critical_steps"] >= len(ids)  # one chain: every step is critical


def test_only_passing_code_is_committed_across_the_task_set(tmp_path: Path) -> None:
    team = ModelTeam(default="sim/small")
    for task in sn.scenarios.coding_tasks()[:4]:
        ws = tmp_path / task.id
        out = TDDTeam(registry=team, workspace=ws, seed=3).build_sync(task)
        if out.ok:
            assert out.attempts[-1].ok
            report = sn.sandbox.run_sync(["git", "status", "--porcelain"], workspace=ws)
            assert report.stdout.strip() == ""
        else:
            assert _git(ws, "rev-parse", "--abbrev-ref", "HEAD") == "main"
            assert not (ws / task.solution_path).exists()  # main never got failing code


def test_an_unsolvable_task_fails_after_fixes_and_a_new_approach(tmp_path: Path) -> None:
    task = sn.scenarios.coding_tasks(["median"])[0]
    impossible = replace(
        task, id="median-impossible", module="median_impossible",
        tests=task.tests.replace("from median import", "from median_impossible import")
        + "\n\ndef test_contradiction():\n    assert median([1]) == 2\n",
    )  # fmt: skip
    ws = tmp_path / "ws"
    out = TDDTeam(registry=ModelTeam(default="sim/large"), workspace=ws, max_fixes=3,
                  max_approaches=2).build_sync(impossible)  # fmt: skip
    assert out.status == "failed"
    assert [(a.approach, a.fix) for a in out.attempts] == [(a, f) for a in (0, 1) for f in range(4)]
    assert all(not a.ok and a.failures for a in out.attempts)
    assert any("test_contradiction" in f["name"] for f in out.attempts[-1].failures)
    # the work is kept on its branch, main is untouched
    assert _git(ws, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert "median_impossible.py" in _git(ws, "ls-tree", "--name-only", out.branch)
    assert _git(ws, "log", "-1", "--format=%s", out.branch).startswith("WIP (tests failing)")


class _Prose:
    """A team whose developer answers in prose."""

    def __init__(self) -> None:
        self.inner = ModelTeam(default="sim/large")

    async def submit(self, role: str, prompt: str) -> TeamReply:
        if role == "developer" and "STEP=code" in prompt.splitlines()[0]:
            return TeamReply(role, "fake", "I would write a nice function here.")
        return await self.inner.submit(role, prompt)


def test_bad_input_gets_typed_errors_and_loses_nothing(tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(sn.sandbox.WorkspaceError, match="not a directory"):
        TDDTeam(registry=ModelTeam(), workspace=a_file)
    team = TDDTeam(registry=ModelTeam(), workspace=tmp_path / "ws", self_check=False)
    with pytest.raises(sn.workflows.RequirementError, match="empty"):
        team.build_sync("   ")
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "notes.txt").write_text("mine, uncommitted")
    _git(tmp_path / "ws", "init", "-q", "-b", "main")
    with pytest.raises(sn.sandbox.WorkspaceError, match="uncommitted"):
        team.build_sync(sn.scenarios.coding_tasks(["dedupe"])[0])
    assert (tmp_path / "ws" / "notes.txt").read_text() == "mine, uncommitted"
    with pytest.raises(sn.workflows.NotCodeError):
        sn.scenarios.extract_code("Sure! Here is how I would do it.")
    missing = {"framework": "jest", "command": ["no-such-jest"]}
    with pytest.raises(sn.sandbox.CommandNotFound, match="no-such-jest"):
        TDDTeam(registry=ModelTeam(), workspace=tmp_path / "ws3", test_framework=missing
                ).build_sync("Write add(a, b).")  # fmt: skip
    assert not (tmp_path / "ws3").exists()
    ws = tmp_path / "ws2"
    prose = TDDTeam(registry=_Prose(), workspace=ws, max_fixes=1, max_approaches=1)
    out = prose.build_sync(sn.scenarios.coding_tasks(["dedupe"])[0])
    assert out.status == "failed"
    assert isinstance(out.error, sn.workflows.NotCodeError)
    assert len(out.attempts) == 2 and all("not valid Python" in a.error for a in out.attempts)
    with pytest.raises(sn.workflows.NotCodeError):
        out.raise_for_status()
    assert "tests/test_dedupe.py" in _git(ws, "ls-tree", "-r", "--name-only", out.branch)


def test_files_already_in_a_plain_folder_become_the_first_commit(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "README.txt").write_text("kept")
    out = TDDTeam(registry=ModelTeam(default="sim/large"), workspace=ws, seed=2).build_sync(
        sn.scenarios.coding_tasks(["slugify"])[0]
    )
    assert _git(ws, "show", "main:README.txt") == "kept"
    root = _git(ws, "rev-list", "--max-parents=0", "main")
    assert _git(ws, "log", "-1", "--format=%s", root) == "Start the workspace"
    assert _git(ws, "show", f"{root}:README.txt") == "kept"  # in the very first commit
    assert out.attempts


def test_a_plain_requirement_from_the_task_set_is_played_by_the_sim(tmp_path: Path) -> None:
    task = sn.scenarios.coding_tasks(["dedupe"])[0]
    out = TDDTeam(registry=ModelTeam(default="sim/large"), workspace=tmp_path / "ws").build_sync(
        task.requirement  # a string: the sim finds the task by its exact requirement
    )
    assert out.attempts and out.attempts[0].count > 0
    assert (tmp_path / "ws" / "tests" / "test_dedupe.py").exists()
