"""A test-driven coding team: tests first, code, sandboxed runs, fixes, review, git.

``await TDDTeam(registry=reg, workspace="ws/").build("requirement")`` runs, as tasks of one
run graph (so the trace, the dashboard and critical steps cover every step):

1. **constraints** — the product owner states what the tests must check;
2. **tests** — QA writes the pytest file first; it is committed on a new branch;
3. **code** — the developer writes the module against the tests;
4. **run** — the tests run in :mod:`swarmnb.sandbox` (JUnit results: passed, failed, failures);
5. **fix** — on failure the developer gets the failures and fixes, at most ``max_fixes`` times;
6. **new approach** — then starts over from the tests, told what failed (``max_approaches``);
7. **review** — the reviewer approves or sends the code back (``max_reviews`` rounds);
8. **commit + merge** — a generated commit message, the branch merged with ``--no-ff``, and
   pushed to ``remote`` when one is configured ("deploy"; Docker/SSH deploys are out of scope).

Each agent output passes a self-check (a JSON verdict with a score; below ``min_score`` it
is revised before it is handed on). A build that cannot pass ends ``failed`` with the failures
recorded; its work stays committed on its branch, never merged and never lost.

Example::

    team = sn.workflows.TDDTeam(registry=reg, workspace="ws/", max_fixes=3)
    out = await team.build("Write slugify(title) …")     # or a CodingTask
    out.status, out.attempts, out.commits, out.run.metrics["critical_steps"]
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import sandbox
from .._api import start_run
from .._exceptions import (
    CommandNotFound,
    NotCodeError,
    RequirementError,
    TaskFailed,
    WorkspaceError,
)
from ..memory import MemoryStore
from ..runtime.clock import run_blocking, running_clock
from ..scenarios.codetasks import CodingTask, extract_code
from ..scenarios.team_oracle import register_task_oracles, step_header
from ._git import Git
from ._steps import Steps, parse_json
from ._team import Team

__all__ = ["Attempt", "BuildResult", "TDDTeam"]

ROLES = {"product": "product", "qa": "qa", "developer": "developer", "reviewer": "code-reviewer"}


@dataclass
class Attempt:
    """One code attempt: which approach, which fix round, and what its test run said."""

    approach: int
    fix: int
    passed: int = 0
    failed: int = 0
    count: int = 0
    ok: bool = False
    failures: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None


@dataclass
class BuildResult:
    """What a build did: status, attempts, reviews, commits, the run and its cost."""

    requirement: str
    status: str = "failed"  # "merged" | "failed"
    branch: str = ""
    base: str = ""
    attempts: list[Attempt] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    self_checks: list[dict[str, Any]] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)
    pushed: bool = False
    error: BaseException | None = None
    cost_usd: float = 0.0
    tokens: int = 0
    run: Any = None

    @property
    def ok(self) -> bool:
        return self.status == "merged"

    def passed_within(self, fixes: int, approaches: int = 1) -> bool:
        """Whether some attempt passed using at most ``fixes`` fixes in the first approaches."""
        return any(a.ok and a.fix <= fixes and a.approach < approaches for a in self.attempts)

    def raise_for_status(self) -> None:
        if not self.ok:
            raise self.error or RuntimeError(f"build failed: {self.requirement[:60]!r}")

    def __repr__(self) -> str:
        return (f"BuildResult({self.status}, {len(self.attempts)} attempts, branch={self.branch!r},"
                f" ${self.cost_usd:.4f} simulated)")  # fmt: skip


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())[:5]) or "change"


class TDDTeam:
    """Tests-first coding by a team of roles (see module docs)."""

    def __init__(
        self,
        *,
        registry: Team,
        workspace: str | Path,
        max_fixes: int = 3,
        max_approaches: int = 2,
        max_reviews: int = 2,
        tests_first: bool = True,
        self_check: bool = True,
        min_score: float = 7.0,
        roles: dict[str, str] | None = None,
        test_timeout: float = 60.0,
        test_framework: str | Mapping[str, object] = "pytest",
        memory: MemoryStore | None = None,
        remote: str | None = None,
        clock: str | None = None,
        trace: str | Path | None = None,
        seed: int = 0,
    ) -> None:
        if max_fixes < 0 or max_approaches < 1 or max_reviews < 1:
            raise ValueError("max_fixes must be ≥ 0, max_approaches and max_reviews ≥ 1")
        self.team = registry
        self.workspace = Path(workspace)
        if self.workspace.exists() and not self.workspace.is_dir():
            raise WorkspaceError(f"workspace {str(self.workspace)!r} is not a directory")
        self.max_fixes, self.max_approaches, self.max_reviews = (
            max_fixes,
            max_approaches,
            max_reviews,
        )
        self.tests_first, self.self_check, self.min_score = tests_first, self_check, min_score
        self.roles = {**ROLES, **(roles or {})}
        self.test_timeout = test_timeout
        self.test_framework = test_framework
        self._runner = sandbox.get_runner(test_framework)  # an unknown framework fails here
        self.memory, self.remote = memory, remote
        self.clock, self.trace, self.seed = clock, trace, seed

    async def build(self, requirement: str | CodingTask) -> BuildResult:
        """Turn one requirement into merged, tested code (or a failed, recorded attempt)."""
        task = requirement if isinstance(requirement, CodingTask) else _known(requirement)
        text = task.requirement if task else requirement
        if not isinstance(text, str) or not text.strip():
            raise RequirementError("the requirement is empty: say what the code must do")
        if self.workspace.exists() and not self.workspace.is_dir():
            raise WorkspaceError(f"workspace {str(self.workspace)!r} is not a directory")
        exe = self._runner.command(Path("report"), [])[0]
        if not (shutil.which(exe) or (os.path.isabs(exe) and os.access(exe, os.X_OK))):
            raise CommandNotFound(f"the test command {exe!r} of {self._runner.name} does not "
                                  "exist; nothing was changed")  # fmt: skip
        self.workspace.mkdir(parents=True, exist_ok=True)
        git = Git(self.workspace)
        if (self.workspace / ".git").exists() and (dirty := git.dirty()):
            raise WorkspaceError(f"the workspace has uncommitted changes {dirty[:5]}: commit "
                                 "or stash them first; nothing was changed")  # fmt: skip
        base = git.ensure_repo()
        if task is not None:
            register_task_oracles([task])
        out = BuildResult(requirement=text, base=base)
        clock = self.clock or running_clock()
        run = start_run(driver=lambda r: self._drive(r, task, text, git, out), clock=clock,
                        trace=self.trace, seed=self.seed, name=f"tdd:{_slug(text)}",
                        max_concurrency=8)  # fmt: skip
        out.run = run
        await run
        if run.status != "completed" and out.error is None:
            out.error = getattr(run, "_error", None) or RuntimeError(f"run {run.status}")
        return out

    def build_sync(self, requirement: str | CodingTask) -> BuildResult:
        """:meth:`build` from plain code (a fresh loop; virtual unless ``clock`` says)."""
        return run_blocking(lambda: self.build(requirement), self.clock or "virtual")

    # -- the driver --------------------------------------------------------------------------
    async def _drive(self, run: Any, task: CodingTask | None, text: str, git: Git,
                     out: BuildResult) -> str:  # fmt: skip
        key = task.key if task else "team-free"
        module = task.module if task else "solution"
        src, test_path = f"{module}.py", f"tests/test_{module}.py"
        steps = Steps(run, self.team, memory=self.memory, min_score=self.min_score,
                      self_check=self.self_check,
                      header=lambda step, **f: step_header(step, key, **f))  # fmt: skip
        out.branch = f"feature/{_slug(task.id if task else text)}"
        r = self.roles
        try:
            await steps.do("branch", "git", _async(git, "checkout", "-q", "-B", out.branch))
            cons = await steps.checked("constraints", r["product"], (
                f"{step_header('constraints', key)}\nRequirement:\n{text}\n\nList the constraints "
                "and acceptance criteria the tests must check, as short bullet points."
            ), kind="constraints")  # fmt: skip
            tests_prompt = (
                f"{step_header('tests', key)}\nRequirement:\n{text}\n\nConstraints:\n{cons}\n\n"
                f"Write the pytest file {test_path}. The code will live in {src}; import what "
                f"you test from module `{module}`. Reply with one ```python block."
            )
            first = None
            if not self.tests_first:  # code-first: code from the requirement alone, then tests
                first = await self._first_code(steps, key, text, src)
            tests = await self._write_tests(steps, tests_prompt, test_path, git, out)
            code, report = await self._code_loop(steps, key, text, src, test_path, tests, out,
                                                  first)  # fmt: skip
            if report is None or not report.ok:
                return await self._keep(steps, git, src, out, "the tests never passed")
            for round_ in range(1, self.max_reviews + 1):
                verdict = await self._review(steps, key, code, tests, report, round_)
                out.reviews.append(verdict)
                if self.memory is not None:
                    self.memory.record_decision(r["reviewer"], "code-review", verdict)
                if verdict["approved"]:
                    break
                if round_ == self.max_reviews:
                    return await self._keep(steps, git, src, out, "the review did not approve")
                code, report = await self._revise(steps, key, text, src, tests, verdict, out,
                                                  round_, test_path)  # fmt: skip
                if not report.ok:
                    return await self._keep(steps, git, src, out, "a review fix broke the tests")
            message = await steps.ask("commit-message", r["developer"], (
                f"{step_header('commit', key)}\nWrite a git commit message (a summary line under "
                f"72 characters, a blank line, a short body) for adding {src}, which satisfies:"
                f"\n{text}"
            ))  # fmt: skip
            message = message.strip().strip("`").strip() or f"Add {src}"
            out.commits.append(await steps.do("commit-code", "git", _commit(git, [src], message)))
            title = message.splitlines()[0][:60]
            merge = ("merge", "-q", "--no-ff", out.branch, "-m", f"Merge {out.branch}: {title}")
            await steps.do("checkout-base", "git", _async(git, "checkout", "-q", out.base))
            await steps.do("merge", "git", _async(git, *merge))
            out.status = "merged"
            if self.remote:
                await steps.do("push", "git", _async(git, "push", "-q", self.remote, out.base))
                out.pushed = True
            return "merged"
        except (TaskFailed, NotCodeError) as exc:
            out.error = out.error or exc
            return await self._keep(steps, git, src, out, str(exc), failed_step=True)
        finally:
            out.cost_usd, out.tokens = steps.cost_usd, steps.tokens
            out.self_checks = [vars(c) for c in steps.checks]

    async def _write_tests(self, steps: Steps, prompt: str, path: str, git: Git,
                           out: BuildResult) -> str:  # fmt: skip
        tests = await steps.checked("tests", self.roles["qa"], prompt, kind="tests",
                                    accept=extract_code)  # fmt: skip
        _write(self.workspace / path, tests)
        msg = f"Add tests for {out.branch.removeprefix('feature/')}"
        out.commits.append(await steps.do("commit-tests", "git", _commit(git, [path], msg)))
        return tests

    async def _first_code(self, steps: Steps, key: str, text: str, src: str) -> str:
        head = step_header("code", key, attempt=0, approach=0, mode="code-first")
        prompt = (f"{head}\nRequirement:\n{text}\n\nWrite the complete module {src}. Reply "
                  "with one ```python block.")  # fmt: skip
        code = await steps.checked("code-a0-f0", self.roles["developer"], prompt, kind="code",
                                   accept=extract_code)  # fmt: skip
        _write(self.workspace / src, code)
        return code

    async def _code_loop(self, steps: Steps, key: str, text: str, src: str, test_path: str,
                         tests: str, out: BuildResult, first: str | None = None,
                         ) -> tuple[str, sandbox.TestReport | None]:  # fmt: skip
        mode = "tests-first" if self.tests_first else "code-first"
        code, report, history = "", None, ""
        for a in range(self.max_approaches):
            feedback = ""
            if a:
                feedback = ("\n\nA previous approach failed; take a different one. What "
                            f"failed before:\n{history[-1500:]}")  # fmt: skip
            for k in range(self.max_fixes + 1):
                head = step_header("code", key, attempt=k, approach=a, mode=mode)
                shown = f"\n\nTests ({test_path}):\n```python\n{tests}```" if tests else ""
                prompt = (f"{head}\nRequirement:\n{text}{shown}{feedback}\n\nWrite the complete "
                          f"module {src}. Reply with one ```python block.")  # fmt: skip
                attempt = Attempt(approach=a, fix=k)
                out.attempts.append(attempt)
                reuse = first is not None and a == 0 and k == 0  # written before the tests
                try:
                    code = first if reuse and first else await steps.checked(
                        f"code-a{a}-f{k}", self.roles["developer"], prompt, kind="code",
                        accept=extract_code)  # fmt: skip
                except NotCodeError as exc:
                    attempt.error = str(exc)
                    out.error = exc
                    feedback = f"\n\nYour last reply held no code ({exc}). Reply with code."
                    continue
                _write(self.workspace / src, code)
                report = await self._run_tests(steps, f"run-a{a}-f{k}", test_path, out, a, k,
                                               attempt)  # fmt: skip
                if report.ok:
                    return code, report
                feedback = f"\n\nYour code failed the tests:\n{report.feedback()}"
                history += f"\nApproach {a + 1}, fix {k}: {report.feedback(600)}"
        return code, report

    async def _run_tests(
        self, steps: Steps, sid: str, test_path: str, out: BuildResult, a: int, k: int,
        attempt: Attempt | None = None,
    ) -> sandbox.TestReport:  # fmt: skip
        async def run() -> sandbox.TestReport:
            return await sandbox.run_tests(self.workspace, targets=[test_path],
                                           timeout=self.test_timeout, framework=self._runner,
                                           hide=[str(self.workspace / ".git")])  # fmt: skip

        report = await steps.do(sid, "test-runner", run)
        if attempt is None:
            attempt = Attempt(approach=a, fix=k)
            out.attempts.append(attempt)
        attempt.passed, attempt.failed, attempt.count = report.passed, report.failed, report.count
        attempt.ok = report.ok
        attempt.failures = [{"name": f.name, "message": f.message, "traceback": f.traceback}
                            for f in report.failures]  # fmt: skip
        if self.memory is not None:
            self.memory.log("test-runner", sid, passed=report.passed, failed=report.failed,
                            errors=report.errors)  # fmt: skip
        return report

    async def _review(self, steps: Steps, key: str, code: str, tests: str,
                      report: sandbox.TestReport, round_: int) -> dict[str, Any]:  # fmt: skip
        prompt = (
            f"{step_header('review', key, tests='pass', round=round_)}\nReview this change.\n"
            f"Code:\n```python\n{code}```\nTests:\n```python\n{tests}```\n"
            f"Test run: RESULT=pass, {report.passed} passed.\n"
            'Reply with JSON only: {"approved": true|false, "comments": ["…"]}'
        )
        raw = await steps.ask(f"review-{round_}", self.roles["reviewer"], prompt)
        data = parse_json(raw) or {}
        return {"round": round_, "approved": bool(data.get("approved")),
                "comments": [str(c) for c in data.get("comments") or []]}  # fmt: skip

    async def _revise(self, steps: Steps, key: str, text: str, src: str, tests: str,
                      verdict: dict[str, Any], out: BuildResult, round_: int,
                      test_path: str) -> tuple[str, sandbox.TestReport]:  # fmt: skip
        notes = "\n".join(f"- {c}" for c in verdict["comments"]) or "- (none given)"
        head = step_header("code", key, attempt=1, approach=0, feedback="review")
        prompt = (f"{head}\nRequirement:\n{text}\n\nTests:\n```python\n{tests}```\n\nThe "
                  f"reviewer sent your code back:\n{notes}\nReply with the complete module "
                  f"{src} in one ```python block.")  # fmt: skip
        code = extract_code(await steps.ask(f"review-fix-{round_}", self.roles["developer"],
                                            prompt))  # fmt: skip
        _write(self.workspace / src, code)
        report = await self._run_tests(steps, f"run-review-{round_}", test_path, out, -1, round_)
        return code, report

    async def _keep(self, steps: Steps, git: Git, src: str, out: BuildResult, why: str, *,
                    failed_step: bool = False) -> str:  # fmt: skip
        """A failed build: commit what exists on its branch (nothing lost), back to base."""
        out.status = "failed"
        if self.memory is not None:
            self.memory.log("team", "build failed", branch=out.branch, reason=why[:300])
        if git.dirty():
            git("add", "-A")
            git("commit", "-q", "-m", f"WIP (tests failing): {why[:60]}")
            out.commits.append(git("rev-parse", "HEAD"))
        if git("rev-parse", "--abbrev-ref", "HEAD") != out.base:
            git("checkout", "-q", out.base)
        if out.error is None:
            out.error = RuntimeError(why)
        return "failed"


def _known(text: object) -> CodingTask | None:
    """The in-repo task with exactly this requirement, so sim models can play it too."""
    if not isinstance(text, str):
        return None
    from ..scenarios.codetasks import coding_tasks

    return next((t for t in coding_tasks() if t.requirement == text.strip()), None)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _async(git: Git, *args: str) -> Any:
    async def call() -> str:
        return git(*args)

    return call


def _commit(git: Git, paths: list[str], message: str) -> Any:
    async def call() -> str:
        return git.commit(paths, message)

    return call
