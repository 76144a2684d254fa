"""MixedCoding: the module DAG, real test subprocesses, workspace safety, grading, the agent."""

from __future__ import annotations

import json
import os
import random
import statistics
from collections.abc import AsyncIterator

import networkx as nx
import pytest

from swarmnb.scenarios import MixedCoding, ToolError, play


@pytest.fixture
async def sc() -> AsyncIterator[MixedCoding]:
    async with MixedCoding(n_modules=6, seed=11) as scenario:
        yield scenario


def _dag(sc: MixedCoding) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(m.name for m in sc.modules)
    g.add_edges_from((d, m.name) for m in sc.modules for d in m.deps)
    return g


def test_same_seed_same_modules_and_tests() -> None:
    a, b = MixedCoding(n_modules=10, seed=2), MixedCoding(n_modules=10, seed=2)
    assert a.modules == b.modules and a.ground_truth == b.ground_truth
    assert a.workspace.tests == b.workspace.tests
    assert MixedCoding(n_modules=10, seed=3).modules != a.modules


@pytest.mark.parametrize("n", [1, 2, 8, 30])
def test_modules_form_a_layered_dag_matching_the_features(n: int) -> None:
    sc = MixedCoding(n_modules=n, seed=n)
    g = _dag(sc)
    assert nx.is_directed_acyclic_graph(g)
    order = [m.name for m in sc.modules]
    assert all(order.index(d) < order.index(m.name) for m in sc.modules for d in m.deps)
    f = sc.features()
    assert f["depth"] == nx.dag_longest_path_length(g) + 1
    assert f["width_max"] == max(sum(m.level == k for m in sc.modules) for k in range(n))
    assert f["n_edges"] == g.number_of_edges()


async def test_correct_module_passes_in_a_separate_process(sc: MixedCoding) -> None:
    base = next(m for m in sc.modules if not m.deps)
    source = (
        sc.ground_truth[base.path] + "\nimport os\nopen('pid.txt', 'w').write(str(os.getpid()))\n"
    )
    assert (await sc.call_tool("write_file", {"path": base.path, "content": source})).startswith(
        "Wrote"
    )
    result = await sc.call_tool("run_tests", {"module": base.name})
    assert result.startswith(f"PASS {base.name}")
    pid = int((sc.workspace.path / "pid.txt").read_text())
    assert pid != os.getpid()  # the test really ran in a subprocess


async def test_every_buggy_variant_fails_its_tests(sc: MixedCoding) -> None:
    for m in sc.modules:  # dependencies correct first, in order
        await sc.call_tool("write_file", {"path": m.path, "content": m.source()})
    for m in sc.modules:
        assert sc._bugs[m.name]
        for bug in sc._bugs[m.name]:
            await sc.call_tool("write_file", {"path": m.path, "content": m.source(bug)})
            result = await sc.call_tool("run_tests", {"module": f"{m.name}.py"})
            assert result.startswith(f"FAIL {m.name}") and "expected" in result
        await sc.call_tool("write_file", {"path": m.path, "content": m.source()})
        assert (await sc.call_tool("run_tests", {"module": m.name})).startswith("PASS")


async def test_missing_dependency_and_syntax_errors_fail_with_details(sc: MixedCoding) -> None:
    child = next(m for m in sc.modules if m.deps)
    await sc.call_tool("write_file", {"path": child.path, "content": child.source()})
    result = await sc.call_tool("run_tests", {"module": child.name})
    assert result.startswith(f"FAIL {child.name}") and "ModuleNotFoundError" in result
    await sc.call_tool("write_file", {"path": child.path, "content": "def oops(:\n"})
    assert "SyntaxError" in await sc.call_tool("run_tests", {"module": child.name})


async def test_a_hanging_test_is_killed_after_the_timeout() -> None:
    async with MixedCoding(n_modules=1, seed=0, test_timeout=0.5) as sc:
        m = sc.modules[0]
        hang = f"def {m.func}(x):\n    while True:\n        pass\n"
        await sc.call_tool("write_file", {"path": m.path, "content": hang})
        result = await sc.call_tool("run_tests", {"module": m.name})
        assert result.startswith(f"FAIL {m.name}") and "timed out" in result
        assert sc.grade(None)["pass_at_1"] == 0.0


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("write_file", {"path": "../escape.py", "content": "x"}),
        ("write_file", {"path": "/etc/escape.py", "content": "x"}),
        ("write_file", {"path": "tests/test_m01.py", "content": "print('PASS')"}),
        ("write_file", {"path": "", "content": "x"}),
        ("read_file", {"path": "../../etc/passwd"}),
        ("run_tests", {"module": "nope"}),
    ],
)
async def test_workspace_rejects_bad_paths_and_modules(
    sc: MixedCoding, tool: str, args: dict[str, str]
) -> None:
    with pytest.raises(ToolError):
        await sc.call_tool(tool, args)


async def test_read_file_shows_tests_and_reports_missing_files(sc: MixedCoding) -> None:
    m = sc.modules[0]
    assert f"from {m.name} import {m.func}" in await sc.call_tool(
        "read_file", {"path": f"tests/test_{m.name}.py"}
    )
    assert (await sc.call_tool("read_file", {"path": "m99.py"})).startswith("Error: no file")


async def test_grading_runs_the_tests_on_sources_or_the_workspace(sc: MixedCoding) -> None:
    n = sc.n_modules
    assert sc.grade(sc.ground_truth) == {"pass_at_1": 1.0, "success_rate": 1.0}
    assert sc.grade(None) == {"pass_at_1": 0.0, "success_rate": 0.0}  # nothing written yet
    bases = [m for m in sc.modules if not m.deps]
    for m in bases:
        await sc.call_tool("write_file", {"path": m.path, "content": m.source()})
    assert sc.grade("all done, everything passes") == {
        "pass_at_1": len(bases) / n,
        "success_rate": 0.0,
    }
    # a bug in a base module also fails every module that imports it, directly or not
    bad = bases[0]
    sources = dict(sc.ground_truth, **{bad.path: bad.source(sc._bugs[bad.name][0])})
    broken = 1 + len(nx.descendants(_dag(sc), bad.name))
    assert sc.grade(sources)["pass_at_1"] == pytest.approx((n - broken) / n)
    assert sc.grade({"m01.py": 42, "junk": "x"}) == {"pass_at_1": 0.0, "success_rate": 0.0}


async def test_reset_and_close_clean_the_workspace() -> None:
    sc = MixedCoding(n_modules=3, seed=1)
    await sc.call_tool("write_file", {"path": "m01.py", "content": sc.ground_truth["m01.py"]})
    root = sc.workspace.path
    assert sc.snapshot() == {"m01.py": sc.ground_truth["m01.py"]}
    sc.reset()
    assert sc.snapshot() == {} and (root / "tests" / "test_m01.py").is_file()
    await sc.close()
    assert not root.exists()
    await sc.close()  # twice is fine


@pytest.mark.parametrize("width", [1, 2, 3, 100])
def test_split_follows_the_dag(width: int) -> None:
    sc = MixedCoding(n_modules=12, seed=4)
    parts = sc.split(width)
    flat = [item for p in parts for item in p.items]
    assert sorted(flat) == sorted(m.name for m in sc.modules) and len(flat) == 12
    owner = {item: p.id for p in parts for item in p.items}
    by_id = {p.id: p for p in parts}
    for p in parts:
        for item in p.items:
            for dep in sc._by_name[item].deps:
                assert owner[dep] == p.id or owner[dep] in p.deps
        assert all(d in by_id for d in p.deps)
        assert all(f"- {item}.py:" in p.prompt for item in p.items)
    per_level = [sum(1 for p in parts if sc._by_name[p.items[0]].level == k) for k in range(12)]
    assert max(per_level) <= width
    if width >= sc.default_width:
        assert len(parts) == 12


async def test_ideal_agent_at_full_and_lower_accuracy() -> None:
    async with MixedCoding(n_modules=5, seed=8) as sc:
        perfect = await play(sc, accuracy=1.0)
        assert perfect.scores == {"pass_at_1": 1.0, "success_rate": 1.0}
        assert perfect.steps == 2 * 5 + 1
        assert perfect.answer.splitlines() == [f"{m.name}: PASS" for m in sc.modules]
        sc.reset()
        hopeless = await play(sc, accuracy=0.0)
        assert hopeless.scores["pass_at_1"] == 0.0
        assert hopeless.steps == 2 * sc.MAX_WRITES * 5 + 1  # every module rewritten, then given up
    scores = []
    for seed in range(3):
        async with MixedCoding(n_modules=5, seed=seed) as sc:
            scores.append((await play(sc, accuracy=0.5, seed=seed)).scores["success_rate"])
    assert statistics.mean(scores) < 1.0


async def test_orchestrator_assigns_dag_levels_in_order() -> None:
    async with MixedCoding(n_modules=8, seed=0) as sc:
        p = await play(sc, accuracy=1.0, orchestrate=True)
        assert p.scores["success_rate"] == 1.0
        parts = {s.prompt: s for s in sc.split(sc.default_width)}
        turn_of: dict[str, int] = {}
        turn = 0
        for message in p.messages:
            if message["role"] != "assistant":
                continue
            turn += 1
            for call in message.get("tool_calls") or ():
                if call["function"]["name"] == "assign_task":
                    prompt = json.loads(call["function"]["arguments"])["prompt"]
                    sub = next(s for text, s in parts.items() if prompt.startswith(text))
                    turn_of[sub.id] = turn
        assert len(turn_of) == len(parts)
        for sub in parts.values():
            assert all(turn_of[d] < turn_of[sub.id] for d in sub.deps)
        assert p.steps == 1 + len(set(turn_of.values())) + 1


def test_oracle_rewrites_after_a_failed_test_run() -> None:
    sc = MixedCoding(n_modules=2, seed=0)
    m = sc.modules[0]
    prompt = sc.split(sc.default_width)[0].prompt
    messages = [
        {"role": "user", "content": prompt},
        {"role": "assistant", "tool_calls": [{"id": "w", "function": {"name": "write_file",
                                              "arguments": {"path": m.path, "content": "x"}}}]},
        {"role": "tool", "tool_call_id": "w", "content": "Wrote m01.py"},
        {"role": "assistant", "tool_calls": [{"id": "r", "function": {"name": "run_tests",
                                              "arguments": {"module": m.name}}}]},
        {"role": "tool", "tool_call_id": "r", "content": "FAIL m01: f01(0) returned 1"},
    ]  # fmt: skip
    reply = sc.oracle.respond(messages, sc.tools(), accuracy=1.0, rng=random.Random(0))
    assert reply["tool_calls"] == [
        {"name": "write_file", "arguments": {"path": m.path, "content": m.source()}}
    ]
