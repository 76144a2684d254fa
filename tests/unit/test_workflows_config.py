"""TeamConfig: a team's settings from YAML, validated, applied to the workflows."""

from __future__ import annotations

from pathlib import Path

import pytest

import swarmnb as sn
from swarmnb.runtime.clock import run_in_new_loop
from swarmnb.workflows import TeamConfig

YAML = """
model: sim/small
temperature: 0.2
max_attempts: 2
approaches: 1
task_timeout_s: 120
min_score: 6
test_framework: pytest
deploy: {type: git-push, remote: origin}
roles:
  developer: {model: sim/large, temperature: 0.1}
"""


def test_yaml_settings_reach_the_team_and_the_workflows(tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(YAML)
    cfg = TeamConfig.from_yaml(path)
    team = cfg.model_team(seed=3)
    assert team.model_for("developer") == "sim/large" and team.model_for("qa") == "sim/small"
    assert team.role_options["developer"] == {"temperature": 0.1}
    assert team.model_options == {"temperature": 0.2}
    tdd = cfg.tdd(registry=team, workspace=tmp_path / "ws")
    assert (tdd.max_fixes, tdd.max_approaches, tdd.min_score, tdd.remote) == (2, 1, 6, "origin")
    cont = cfg.continuous(registry=team, goals=["g"], max_tasks=1)
    assert cont.task_timeout == 120
    reply = run_in_new_loop(lambda: team.submit("developer", "hello"), "virtual")
    assert reply.ok and reply.model == "sim/large"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("deploy: {type: docker}", "out of scope"),
        ("deploy: {type: git-push}", "needs a remote"),
        ("max_attempts: -1", "max_attempts"),
        ("modle: sim/small", "modle"),
        ("roles: [1, 2", "team.yaml"),
    ],
)
def test_bad_configs_name_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(text)
    with pytest.raises(sn.workflows.RequirementError, match=problem):
        TeamConfig.from_yaml(path)
