"""Resuming from a trace: what is restored, what runs again, and what is refused."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest

import swarmnb as sn
from swarmnb.trace.results import ResultStore, read_results, results_path


def _graph(prompt_b: str = "b") -> sn.TaskGraph:
    g = sn.TaskGraph()
    g.add("a", id="a")
    g.add(prompt_b, id="b", deps=["a"])
    g.add("c", id="c", deps=["b"])
    g.add("d", id="d", deps=["a"])
    return g


class Counting:
    """Work that logs each execution and returns something built from its inputs."""

    def __init__(self, fail: dict[str, int] | None = None) -> None:
        self.calls: list[tuple[str, int]] = []
        self.fail = fail or {}

    def __call__(self, task: sn.Task, ctx: sn.Context) -> Any:
        self.calls.append((task.id, ctx.attempt))
        ctx.record_usage(tokens_in=10, cost_usd=0.01, steps=1)
        if ctx.attempt < self.fail.get(task.id, 0):
            raise sn.RetryableError("flaky")
        return (task.prompt, tuple(sorted(ctx.inputs.items())), ctx.rng.random())


def _run(tmp_path: Path, work: Counting, graph: sn.TaskGraph | None = None, **kw: Any) -> sn.Run:
    return sn.run_graph_sync(
        graph or _graph(), work, trace=tmp_path, clock="virtual", backoff_base=0.1, **kw
    )


def _crash_at(run: sn.Run, seq: int) -> Path:
    """Cut a finished run's trace and store back to what a crash after event ``seq`` leaves."""
    trace = run.trace_path
    lines = trace.read_text().splitlines(keepends=True)
    kept = lines[:seq]
    trace.write_text("".join(kept))
    durable = sum(
        orjson.loads(line)["kind"] in ("task.completed", "task.restored", "task.retrying")
        for line in kept
    )
    store = results_path(trace)
    records = store.read_text().splitlines(keepends=True)
    store.write_text("".join(records[: 1 + durable]))
    return trace


def test_unchanged_tasks_are_restored_and_an_edited_prompt_runs_again(tmp_path: Path) -> None:
    first = _run(tmp_path, Counting())
    work = Counting()
    again = _run(tmp_path, work, _graph(prompt_b="b, edited"), resume=first.trace_path)
    # b changed; c depends on it, so its stored result is stale too; a and d are restored
    assert sorted(t for t, _ in work.calls) == ["b", "c"]
    kinds = {e["task"]: e["kind"] for e in again.events if e["kind"].startswith("task.") and
             e["kind"] in sn.events.TERMINAL_KINDS}  # fmt: skip
    assert kinds == {"a": "task.restored", "d": "task.restored", "b": "task.completed",
                     "c": "task.completed"}  # fmt: skip
    resumed = next(e for e in again.events if e["kind"] == "run.resumed")
    assert resumed["changed"] == ["b", "c"] and resumed["from_run"] == first.id
    queued = {e["task"]: e for e in again.events if e["kind"] == "task.queued"}
    assert queued["b"].get("changed") is True and "changed" not in queued["a"]
    assert again.result_of("a") == first.result_of("a")  # the full value, a tuple
    assert again.result_of("b")[0] == "b, edited"
    assert again.metrics["n_completed"] == 4 and again.metrics["n_tasks"] == 4


def test_a_resumed_run_counts_each_task_once(tmp_path: Path) -> None:
    first = _run(tmp_path, Counting(fail={"b": 2}))
    again = _run(tmp_path, Counting(), resume=first.id)  # a run id, found in the trace folder
    same = ("n_tasks", "n_completed", "tokens_in", "cost_usd", "retry_count", "critical_steps")
    for name in same:
        assert again.metrics[name] == pytest.approx(first.metrics[name]), name
    assert again.tasks.set_index("id")["attempts"].to_dict() == {"a": 1, "b": 2, "c": 1, "d": 1}
    third = _run(tmp_path, Counting(), resume=again.trace_path)  # its own store is complete
    assert third.metrics["n_completed"] == 4 and third.results == first.results


def test_an_interrupted_attempt_runs_again_under_its_number(tmp_path: Path) -> None:
    first = _run(tmp_path, Counting(fail={"b": 3}))
    # cut right after b's second attempt started (after one retry)
    seq = next(
        e["seq"] for e in first.events
        if e["kind"] == "task.started" and e["task"] == "b" and e["attempt"] == 2
    )  # fmt: skip
    trace = _crash_at(first, seq + 1)
    work = Counting(fail={"b": 3})
    again = _run(tmp_path, work, resume=trace)
    assert work.calls[0] == ("b", 2)  # attempt 2 again: same ctx.rng draws, same outcome
    assert again.results == first.results
    assert next(e for e in again.events if e["kind"] == "run.resumed")["in_flight"] == ["b"]
    row = again.tasks.set_index("id").loc["b"]
    assert row["attempts"] == 4 and row["retries"] == 2  # the interrupted attempt is counted
    assert again.metrics["retry_count"] == first.metrics["retry_count"]


def test_a_torn_last_record_is_a_partial_restore(tmp_path: Path) -> None:
    first = _run(tmp_path, Counting())
    store = results_path(first.trace_path)
    data = store.read_bytes()
    store.write_bytes(data[: len(data) - 7])  # the last record cut mid-line
    _, records, _ = read_results(store)
    assert len(records) == 3
    work = Counting()
    again = _run(tmp_path, work, resume=first.trace_path)
    last = [e["task"] for e in first.events if e["kind"] == "task.completed"][-1]
    assert [t for t, _ in work.calls] == [last]
    assert again.results == first.results


def test_a_trace_cut_mid_line_still_resumes(tmp_path: Path) -> None:
    first = _run(tmp_path, Counting())
    data = first.trace_path.read_bytes()
    first.trace_path.write_bytes(data[: len(data) // 2])
    work = Counting()
    again = _run(tmp_path, work, resume=first.trace_path)
    assert work.calls == [] and again.results == first.results


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        ("no trace", sn.ResumeNotFound),
        ("no store", sn.ResumeNotFound),
        ("store middle line", sn.ResumeCorrupt),
        ("trace middle line", sn.ResumeCorrupt),
        ("store version", sn.ResumeVersionError),
        ("event version", sn.ResumeVersionError),
        ("other graph", sn.ResumeMismatch),
        ("other store", sn.ResumeMismatch),
    ],
)
def test_bad_input_is_refused_with_a_typed_error(
    tmp_path: Path, damage: str, error: type[Exception]
) -> None:
    first = _run(tmp_path, Counting())
    trace, store = first.trace_path, results_path(first.trace_path)
    graph = _graph()
    if damage == "no trace":
        trace = tmp_path / "r-missing.jsonl"
    elif damage == "no store":
        store.unlink()
    elif damage == "store middle line":
        lines = store.read_text().splitlines(keepends=True)
        store.write_text("".join([lines[0], "{not json\n", *lines[1:]]))
    elif damage == "trace middle line":
        lines = trace.read_text().splitlines(keepends=True)
        trace.write_text("".join([lines[0], "garbage\n", *lines[1:]]))
    elif damage == "store version":
        lines = store.read_text().splitlines(keepends=True)
        header = orjson.loads(lines[0]) | {"version": 99}
        store.write_text("".join([orjson.dumps(header).decode() + "\n", *lines[1:]]))
    elif damage == "event version":
        lines = trace.read_text().splitlines(keepends=True)
        event = orjson.loads(lines[-1]) | {"v": 99}
        trace.write_text("".join([*lines[:-1], orjson.dumps(event).decode() + "\n"]))
    elif damage == "other graph":
        graph = sn.TaskGraph.random(6, seed=1)
    elif damage == "other store":
        other = _run(tmp_path / "other", Counting())
        store.write_bytes(results_path(other.trace_path).read_bytes())
    work = Counting()
    with pytest.raises(error) as caught:
        _run(tmp_path, work, graph, resume=trace)
    assert isinstance(caught.value, sn.ResumeError) and str(caught.value)
    assert work.calls == []  # nothing ran


def test_resume_refuses_an_episode_of_another_scenario(tmp_path: Path) -> None:
    first = _run(tmp_path, Counting(), name="Heuristic:wide-10-0")
    with pytest.raises(sn.ResumeMismatch, match="wide-10-0"):
        _run(tmp_path, Counting(), name="Heuristic:wide-20-0", resume=first.trace_path)


def test_results_past_the_cap_or_unpicklable_fail_the_task_clearly(tmp_path: Path) -> None:
    g = sn.TaskGraph()
    g.add("big", id="big")
    g.add("lambda", id="fn")
    g.add("after", id="after", deps=["big"])

    def work(task: sn.Task, ctx: sn.Context) -> Any:
        return "x" * (17 * 1024 * 1024) if task.id == "big" else (lambda: None)

    run = sn.run_graph_sync(g, work, trace=tmp_path, clock="virtual")
    rows = run.tasks.set_index("id")
    assert rows.loc["big", "status"] == "failed" and "cap" in rows.loc["big", "error"]
    assert "ResultStoreError" in rows.loc["big", "error"]
    assert rows.loc["fn", "status"] == "failed" and "picklable" in rows.loc["fn", "error"]
    assert rows.loc["after", "status"] == "skipped"
    assert sn.run_graph_sync(g, work, trace=None, clock="virtual").status == "completed"


def test_the_store_writes_each_result_before_its_event(tmp_path: Path) -> None:
    seen: list[int] = []
    g = sn.TaskGraph()
    for i in range(5):
        g.add(id=f"t{i}", deps=[f"t{i - 1}"] if i else [])

    async def main() -> sn.Run:
        run = sn.run_graph(g, lambda t, c: t.id, trace=tmp_path, clock="virtual")

        def check(event: dict[str, Any]) -> None:
            if event["kind"] == "task.completed":  # the record is already in the file
                _, records, _ = read_results(results_path(run.trace_path))
                seen.append(len(records))
                assert event["task"] in records

        run.subscribe(check)
        return await run

    from swarmnb.runtime.clock import run_in_new_loop

    run_in_new_loop(main, "virtual")
    assert seen == [1, 2, 3, 4, 5]


def test_json_values_stay_json_and_the_rest_is_pickled(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "s.results", run_id="r", name="run", fsync="always")
    values = {"j": {"a": [1, 2.5, None, True, "x"]}, "t": (1, 2), "k": {1: "int key"}, "n": None}
    for tid, value in values.items():
        store(sn.Task(id=tid), value, {"attempt": 1})
    store.close()
    header, records, _ = read_results(tmp_path / "s.results")
    assert header["run"] == "r"
    assert {t: r.enc for t, r in records.items()} == {
        "j": "json",
        "t": "pickle",
        "k": "pickle",
        "n": "json",
    }
    assert {t: r.value() for t, r in records.items()} == values
    assert "fsync=always" in repr(store)


def test_the_cli_resumes_a_graph_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from swarmnb.cli import _graph_demo_work, main

    graph = sn.TaskGraph.random(30, seed=4)
    first = sn.run_graph_sync(graph, _graph_demo_work, trace=tmp_path, clock="virtual", seed=4)
    halfway = len(first.events) // 2
    trace = _crash_at(first, halfway)
    _, stored, _ = read_results(results_path(trace))
    assert 0 < len(stored) < 30

    code = main(["resume", trace.stem, "--trace", str(tmp_path)])

    out = capsys.readouterr().out
    assert code == (0 if first.status == "completed" else 1)
    assert f"{len(stored)} tasks restored" in out
    resumed = sn.replay(out.split("trace: ")[-1].strip())
    assert resumed.metrics["n_completed"] == first.metrics["n_completed"]
    assert resumed.metrics["tokens_in"] == first.metrics["tokens_in"]


class Sleepy(Counting):
    """Work that takes simulated time (a seeded draw per attempt), so the timeline matters."""

    async def __call__(self, task: sn.Task, ctx: sn.Context) -> Any:  # type: ignore[override]
        await asyncio.sleep(ctx.rng.uniform(0.5, 3.0))
        return super().__call__(task, ctx)


def _timeline(run: sn.Run) -> list[Any]:
    """Each task's first start, end and retries (attempts count an interrupted one twice)."""
    rows = run.tasks.sort_values("id").itertuples()
    return [value for row in rows for value in (row.started, row.finished, row.retries)]


@pytest.mark.parametrize("cut", [0.25, 0.5, 0.75, 1.0])
def test_a_resumed_simulation_keeps_the_uninterrupted_timeline(tmp_path: Path, cut: float) -> None:
    graph = sn.TaskGraph.random(16, seed=2)
    fail = {"t3": 2, "t5": 3, "t9": 2}  # retried attempts, some restored, some in flight
    first = _run(tmp_path, Sleepy(fail), graph, max_concurrency=3, seed=5)
    trace = _crash_at(first, int(len(first.events) * cut))
    work = Sleepy(fail)
    again = _run(tmp_path / "again", work, graph, max_concurrency=3, seed=5, resume=trace)

    _, stored, _ = read_results(results_path(trace))
    assert not {t for t, _ in work.calls} & set(stored)  # restored work is never called
    assert again.results == first.results
    for name, value in first.metrics.items():  # the timeline metrics too
        assert again.metrics[name] == (pytest.approx(value) if isinstance(value, float) else value)
    assert _timeline(again) == pytest.approx(_timeline(first))
    replayed = [e for e in again.events if e["kind"] == "task.started" and e.get("restored")]
    assert {e["task"] for e in replayed} >= set(stored)


def test_under_the_real_clock_restored_work_takes_no_time(tmp_path: Path) -> None:
    first = sn.run_graph_sync(_graph(), Counting(), trace=tmp_path, clock="real")
    again = sn.run_graph_sync(_graph(), Counting(), trace=tmp_path, clock="real", resume=first.id)
    kinds = [e["kind"] for e in again.events if e["kind"].startswith("task.")]
    assert kinds.count("task.restored") == 4 and "task.started" not in kinds


def test_an_episode_records_the_recipe_swarmnb_resume_rebuilds_it_from(tmp_path: Path) -> None:
    from swarmnb.orchestrator.rebuild import start_from_recipe

    swarm = sn.Swarm(policy=sn.policies.FixedWidth(2), clock="virtual", trace=tmp_path, seed=4)
    first = swarm.solve_sync(sn.scenarios.WideSearch(n_items=6, seed=2))
    header, _, _ = read_results(results_path(first.run.trace_path))
    recipe = orjson.loads(orjson.dumps(header["episode"]))  # plain JSON
    assert recipe["scenario"] == {
        "factory": "swarmnb.scenarios.wide:WideSearch",
        "params": {"n_items": 6, "n_attributes": 4, "n_distractors": 2, "seed": 2},
    }
    assert recipe["decision"]["width"] == 2 and recipe["run"]["seed"] == 4

    async def main() -> Any:
        trace = first.run.trace_path
        return await start_from_recipe(recipe, trace=tmp_path, resume=trace)

    from swarmnb.runtime.clock import run_in_new_loop

    again = run_in_new_loop(main, "virtual")
    assert again.run.name == first.run.name and again.answer == first.answer
    assert again.metrics == first.metrics  # all restored, on the same timeline


class _LocalWide(sn.scenarios.WideSearch):
    """A scenario class the command line can import (it lives in a test module)."""


def test_swarmnb_resume_refuses_what_only_python_can_rebuild(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from swarmnb.cli import main
    from swarmnb.orchestrator.goal import Goal
    from swarmnb.orchestrator.recipe import check_recipe, episode_recipe
    from swarmnb.policies import Decision

    class Notebook(sn.scenarios.WideSearch):  # defined in a function: not importable
        pass

    swarm = sn.Swarm(clock="virtual", trace=tmp_path / "ep")
    episode = swarm.solve_sync(Notebook(n_items=4, seed=0))
    header, _, _ = read_results(results_path(episode.run.trace_path))
    assert "cannot be imported" in header["episode"]["why"]
    with pytest.raises(sn.ResumeNotRebuildable, match=r"swarm\.solve\(scenario, resume="):
        check_recipe(header["episode"], resume=episode.run.trace_path)
    assert main(["resume", str(episode.run.trace_path)]) == 2
    assert "resume it from Python" in capsys.readouterr().err

    graph = sn.run_graph_sync(_graph(), lambda t, ctx: t.id, trace=tmp_path / "g", clock="virtual")
    assert main(["resume", str(graph.trace_path)]) == 2
    assert "sn.run_graph(graph, work, resume=" in capsys.readouterr().err

    def search(query: str) -> str:
        """Your own tool: a Python function, which a trace cannot hold."""
        return query

    goal = Goal("find it", tools=[search])
    assert "goal in words" in episode_recipe(swarm, goal, Decision(mode="llm"), seed=0)["why"]

    local = sn.Swarm(clock="virtual", trace=tmp_path / "ok").solve_sync(_LocalWide(n_items=4))
    header, _, _ = read_results(results_path(local.run.trace_path))
    assert header["episode"]["scenario"]["factory"].endswith(":_LocalWide")  # importable
