"""Team workflows on agents: tests-first coding, V-team decisions and continuous work.

Each workflow talks to a team through one call, ``await team.submit(role, prompt)`` — an
:class:`swarmnb.agents.Registry`, or a :class:`ModelTeam` (one model per role, no agent
processes) — and runs each of its steps as a task of one run graph, so the trace, the
dashboard and ``critical_steps`` cover the whole workflow.

- :class:`TDDTeam` — requirement → tests first → code → sandboxed test runs → up to
  ``max_fixes`` fixes → a new approach → review → commit, merge and push (git);
- :func:`vteam` — roles state criteria and verdicts in parallel; the CEO decides;
- :class:`Continuous` — the CEO plans work whenever the queues are empty, within a budget.

Example::

    team = sn.workflows.ModelTeam(default="sim/medium")
    out = await sn.workflows.TDDTeam(registry=team, workspace="ws/").build(
        sn.scenarios.coding_tasks(["slugify"])[0])
    out.status, [a.ok for a in out.attempts]
"""

from __future__ import annotations

from .._exceptions import GitError, NotCodeError, RequirementError
from ._steps import SelfCheck, parse_json
from ._team import ModelTeam, Team, TeamReply, TeamResult
from .config import DeployConfig, RoleConfig, TeamConfig
from .continuous import Continuous, ContinuousResult
from .tdd import Attempt, BuildResult, TDDTeam
from .vteam import Decision, Verdict, vteam

__all__ = [
    "Attempt",
    "BuildResult",
    "Continuous",
    "ContinuousResult",
    "Decision",
    "DeployConfig",
    "GitError",
    "ModelTeam",
    "NotCodeError",
    "RequirementError",
    "RoleConfig",
    "SelfCheck",
    "TDDTeam",
    "Team",
    "TeamConfig",
    "TeamReply",
    "TeamResult",
    "Verdict",
    "parse_json",
    "vteam",
]
