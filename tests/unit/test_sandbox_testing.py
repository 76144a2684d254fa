"""The test runner: pytest in the sandbox → counts and failures; jest by configuration."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import swarmnb as sn
from swarmnb.sandbox import SandboxResult


def _ws(tmp_path: Path, files: dict[str, str]) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    for rel, text in files.items():
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text(textwrap.dedent(text))
    return ws


async def test_pytest_results_come_back_as_data(tmp_path: Path) -> None:
    ws = _ws(
        tmp_path,
        {
            "calc.py": "def add(a, b):\n    return a - b\n",
            "tests/test_calc.py": """
                from calc import add
                def test_zero():
                    assert add(0, 0) == 0
                def test_add():
                    assert add(2, 3) == 5, "2 + 3"
                def test_boom():
                    raise KeyError("missing")
            """,
        },
    )
    report = await sn.sandbox.run_tests(ws, timeout=60)
    assert (report.passed, report.failed, report.errors, report.count) == (1, 2, 0, 3)
    assert not report.ok
    names = {f.name for f in report.failures}
    assert names == {"tests.test_calc::test_add", "tests.test_calc::test_boom"}
    add = next(f for f in report.failures if f.name.endswith("test_add"))
    assert "2 + 3" in add.message
    assert "assert -1 == 5" in add.traceback
    assert "test_add" in report.feedback()
    assert sorted(p.name for p in ws.iterdir()) == ["calc.py", "tests"]  # no report left behind
    assert report.sandbox is not None and report.sandbox.confinement == sn.sandbox.available()[0]


async def test_an_import_error_is_an_error_not_a_pass(tmp_path: Path) -> None:
    ws = _ws(tmp_path, {"test_x.py": "import no_such_module\ndef test_a():\n    pass\n"})
    report = await sn.sandbox.run_tests(ws)
    assert report.errors == 1 and report.passed == 0
    assert not report.ok
    assert "no_such_module" in report.failures[0].traceback + report.failures[0].message


async def test_no_tests_is_not_ok(tmp_path: Path) -> None:
    ws = _ws(tmp_path, {"empty.py": "x = 1\n"})
    report = await sn.sandbox.run_tests(ws)
    assert report.count == 0 and not report.ok


async def test_a_hanging_suite_reports_the_limit(tmp_path: Path) -> None:
    ws = _ws(tmp_path, {"test_hang.py": "def test_h():\n    while True:\n        pass\n"})
    report = await sn.sandbox.run_tests(ws, timeout=2)
    assert report.errors == 1 and not report.ok
    assert report.sandbox is not None and report.sandbox.limit_hit == "timeout"
    assert "timeout" in report.failures[0].message


def test_jest_plugs_in_by_configuration(tmp_path: Path) -> None:
    runner = sn.sandbox.get_runner({"framework": "jest", "command": ["node_modules/.bin/jest"]})
    cmd = runner.command(tmp_path / "r.json", ["sum.test.js"])
    assert cmd[0] == "node_modules/.bin/jest" and "--json" in cmd and cmd[-1] == "sum.test.js"
    report_json = {
        "testResults": [
            {
                "name": "/ws/sum.test.js",
                "status": "failed",
                "assertionResults": [
                    {"fullName": "sum adds", "status": "passed", "failureMessages": []},
                    {
                        "fullName": "sum subtracts",
                        "status": "failed",
                        "failureMessages": ["Error: expect(received).toBe(expected)\n  at x"],
                    },
                    {"fullName": "sum later", "status": "pending", "failureMessages": []},
                ],
            }
        ]
    }
    raw = SandboxResult(1, "", "", False, None, "bwrap")
    report = runner.parse(json.dumps(report_json), raw)
    assert (report.passed, report.failed, report.skipped, report.count) == (1, 1, 1, 2)
    assert report.failures[0].name == "sum subtracts"
    assert report.failures[0].message.startswith("Error: expect")
    assert runner.parse(None, raw).errors == 1  # no report: the run itself failed


async def test_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mocha"):
        sn.sandbox.get_runner("mocha")
    with pytest.raises(sn.sandbox.WorkspaceError):
        await sn.sandbox.run_tests(tmp_path / "nope")
    ws = _ws(tmp_path, {"a.js": "1"})
    with pytest.raises(sn.sandbox.CommandNotFound):
        await sn.sandbox.run_tests(ws, framework={"framework": "jest", "command": ["no-jest-here"]})
