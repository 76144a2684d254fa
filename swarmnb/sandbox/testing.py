"""Run a workspace's tests in the sandbox and read the results back as data.

A :class:`TestRunner` knows two things: the command that runs a framework's tests with a
machine-readable report, and how to parse that report. :class:`PytestRunner` (JUnit XML) and
:class:`JestRunner` (``--json``) are built in; another framework plugs in by configuration —
``{"framework": "jest", "command": ["npx", "jest"]}`` — or by passing any object with the same
two methods. Every run goes through :func:`swarmnb.sandbox.run`.

Example::

    report = await sn.sandbox.run_tests("ws/", framework="pytest", timeout=60)
    report.passed, report.failed, report.count          # 4, 1, 5
    report.failures[0].name, report.failures[0].message
    print(report.feedback())                            # what a developer model is shown
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from ._result import SandboxResult
from ._run import _workspace, run

__all__ = [
    "JestRunner",
    "PytestRunner",
    "TestFailure",
    "TestReport",
    "TestRunner",
    "get_runner",
    "run_tests",
]

_REPORT_DIR = ".swarmnb-reports"
_PYTEST_CONFIGS = ("pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg", ".pytest.ini")


@dataclass(frozen=True)
class TestFailure:
    """One failed or erroring test: its id, the one-line message and the traceback."""

    __test__ = False  # not a pytest test class
    name: str
    message: str
    traceback: str = ""
    kind: str = "failure"  # "failure" | "error"


@dataclass(frozen=True)
class TestReport:
    """Counts and failures of one test run; ``sandbox`` is the raw :class:`SandboxResult`."""

    __test__ = False
    framework: str
    passed: int
    failed: int
    errors: int = 0
    skipped: int = 0
    failures: tuple[TestFailure, ...] = ()
    sandbox: SandboxResult | None = None
    names: tuple[str, ...] = field(default=(), repr=False)

    @property
    def count(self) -> int:
        """Tests that ran (passed + failed + errors)."""
        return self.passed + self.failed + self.errors

    @property
    def ok(self) -> bool:
        """At least one test ran and none failed or errored."""
        return self.count > 0 and self.failed == 0 and self.errors == 0

    def feedback(self, max_chars: int = 2000) -> str:
        """The failures as a model reads them: name, message, the end of each traceback."""
        if self.ok:
            return f"All {self.count} tests passed."
        lines = [f"{self.failed + self.errors} of {self.count} tests failed."]
        for f in self.failures:
            lines.append(f"- {f.name}: {f.message}")
            if f.traceback:
                lines.append("  " + f.traceback.strip()[-400:].replace("\n", "\n  "))
        return "\n".join(lines)[:max_chars]

    def __repr__(self) -> str:
        how = (
            f", limit_hit={self.sandbox.limit_hit!r}"
            if self.sandbox and self.sandbox.limit_hit
            else ""
        )
        return (
            f"TestReport({self.framework}: {self.passed} passed, {self.failed} failed, "
            f"{self.errors} errors{how})"
        )


@runtime_checkable
class TestRunner(Protocol):
    """How to run one framework's tests and read its report."""

    name: str

    def command(self, report_path: Path, targets: Sequence[str]) -> list[str]:
        """The argv that runs the tests and writes a report to ``report_path``."""
        ...

    def parse(self, report: str | None, result: SandboxResult) -> TestReport:
        """Turn the report text (None if none was written) into a :class:`TestReport`."""
        ...


def _crashed(framework: str, result: SandboxResult) -> TestReport:
    """No report: the run itself failed (a limit, a crash, a missing tool)."""
    why = f"the test run hit the {result.limit_hit} limit" if result.limit_hit else (
        f"the test run exited with status {result.returncode} and wrote no report"
    )  # fmt: skip
    tail = (result.stdout + "\n" + result.stderr).strip()[-1500:]
    failure = TestFailure(name="<test run>", message=why, traceback=tail, kind="error")
    return TestReport(framework, 0, 0, errors=1, failures=(failure,), sandbox=result)


@dataclass
class PytestRunner:
    """pytest with a JUnit XML report; plugins are not autoloaded unless listed."""

    __test__ = False
    name: str = "pytest"
    args: Sequence[str] = ("-q", "-p", "no:cacheprovider")
    plugins: Sequence[str] = ()

    def command(self, report_path: Path, targets: Sequence[str]) -> list[str]:
        plugins = [arg for p in self.plugins for arg in ("-p", p)]
        return [sys.executable, "-m", "pytest", *self.args, *plugins,
                f"--junitxml={report_path}", *targets]  # fmt: skip

    def parse(self, report: str | None, result: SandboxResult) -> TestReport:
        if not report:
            return _crashed(self.name, result)
        try:
            root = ET.fromstring(report)
        except ET.ParseError:
            return _crashed(self.name, result)
        passed = failed = errors = skipped = 0
        failures: list[TestFailure] = []
        names: list[str] = []
        for case in root.iter("testcase"):
            cls, test = case.get("classname", ""), case.get("name", "")
            name = f"{cls}::{test}" if cls else test
            names.append(name)
            bad = case.find("failure")
            err = case.find("error")
            if bad is not None:
                failed += 1
                failures.append(_failure(name, bad, "failure"))
            elif err is not None:
                errors += 1
                failures.append(_failure(name, err, "error"))
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
        if not names and result.returncode not in (0, 5):  # 5: no tests collected
            return _crashed(self.name, result)
        return TestReport(self.name, passed, failed, errors, skipped, tuple(failures), result,
                          tuple(names))  # fmt: skip


def _failure(name: str, node: ET.Element, kind: str) -> TestFailure:
    message = (node.get("message") or "").strip().splitlines()
    return TestFailure(name, message[0] if message else kind, (node.text or "").strip(), kind)


@dataclass
class JestRunner:
    """jest with ``--json --outputFile``; ``command`` is how jest is started (``npx jest``)."""

    __test__ = False
    name: str = "jest"
    launcher: Sequence[str] = ("npx", "--no-install", "jest")
    args: Sequence[str] = ("--ci",)

    def command(self, report_path: Path, targets: Sequence[str]) -> list[str]:
        return [*self.launcher, *self.args, "--json", f"--outputFile={report_path}", *targets]

    def parse(self, report: str | None, result: SandboxResult) -> TestReport:
        try:
            data = json.loads(report or "")
        except ValueError:
            return _crashed(self.name, result)
        passed = failed = skipped = 0
        failures: list[TestFailure] = []
        names: list[str] = []
        errors = 0
        for suite in data.get("testResults", []):
            if suite.get("status") == "failed" and not suite.get("assertionResults"):
                errors += 1  # the file did not load
                text = suite.get("message", "")
                failures.append(TestFailure(suite.get("name", "?"), text.strip()[:200], text,
                                            "error"))  # fmt: skip
            for case in suite.get("assertionResults", []):
                name = case.get("fullName") or case.get("title", "?")
                names.append(name)
                status = case.get("status")
                if status == "passed":
                    passed += 1
                elif status == "failed":
                    failed += 1
                    text = "\n".join(case.get("failureMessages") or [])
                    first = text.strip().splitlines()[0] if text.strip() else "failed"
                    failures.append(TestFailure(name, first, text))
                else:
                    skipped += 1
        return TestReport(self.name, passed, failed, errors, skipped, tuple(failures), result,
                          tuple(names))  # fmt: skip


_BUILTIN: dict[str, type[PytestRunner] | type[JestRunner]] = {
    "pytest": PytestRunner,
    "jest": JestRunner,
}


def get_runner(spec: str | Mapping[str, object] | TestRunner = "pytest") -> TestRunner:
    """A runner from a framework name, a configuration mapping, or a runner object.

    A mapping names the ``framework`` and may set ``command`` (how to start it) and ``args``.
    """
    if isinstance(spec, str):
        if spec not in _BUILTIN:
            raise ValueError(f"unknown test framework {spec!r}; known: {sorted(_BUILTIN)}")
        return _BUILTIN[spec]()
    if isinstance(spec, Mapping):
        framework = str(spec.get("framework", "pytest"))
        runner = get_runner(framework)
        if "args" in spec:
            runner.args = tuple(spec["args"])  # type: ignore[arg-type,union-attr]
        if "command" in spec:
            if not isinstance(runner, JestRunner):
                raise ValueError("'command' is configurable for jest only")
            runner.launcher = tuple(spec["command"])  # type: ignore[arg-type]
        return runner
    if isinstance(spec, TestRunner):
        return spec
    raise TypeError(f"a test runner is a name, a mapping or a TestRunner, not {spec!r}")


async def run_tests(
    workspace: str | os.PathLike[str],
    *,
    framework: str | Mapping[str, object] | TestRunner = "pytest",
    targets: Sequence[str] = (),
    timeout: float = 60.0,
    memory_mb: int | None = 1024,
    env: Mapping[str, str] | None = None,
    **sandbox: object,
) -> TestReport:
    """Run the tests of ``workspace`` in the sandbox; return a :class:`TestReport`.

    The report file lives in a scratch folder of the workspace that is removed afterwards;
    nothing else in the workspace is touched by the runner itself.
    """
    ws = _workspace(workspace)
    runner = get_runner(framework)
    scratch = ws / _REPORT_DIR
    scratch.mkdir(exist_ok=True)
    report_path = scratch / f"{runner.name}-{uuid.uuid4().hex[:8]}"
    run_env = {"PYTHONPATH": str(ws), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **(env or {})}
    cmd = runner.command(report_path, targets)
    if isinstance(runner, PytestRunner) and not any((ws / f).exists() for f in _PYTEST_CONFIGS):
        # no configuration of its own: do not let pytest adopt one from a parent folder
        cmd[3:3] = ["-c", os.devnull, f"--rootdir={ws}"]
    try:
        result = await run(cmd, workspace=ws, timeout=timeout,
                           memory_mb=memory_mb, env=run_env, **sandbox)  # type: ignore[arg-type]  # fmt: skip
        text = report_path.read_text(errors="replace") if report_path.exists() else None
    finally:
        with contextlib.suppress(OSError):
            report_path.unlink()
        with contextlib.suppress(OSError):
            scratch.rmdir()
    return runner.parse(text, result)
