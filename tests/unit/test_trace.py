"""JSONL traces, the SQLite index, and replay that reproduces metrics exactly."""

import asyncio
import json

import pytest

import swarmnb as sn


async def faulty(task, ctx):
    """Deterministic mix: retries, hard failures (with skipped descendants), usage."""
    await asyncio.sleep(1 + ctx.rng.random() * 5)
    n = int(task.id[1:])
    if n % 7 == 3 and ctx.attempt == 1:
        raise sn.RetryableError("transient")
    if n % 23 == 5:
        raise ValueError("hard fault")
    ctx.record_usage(tokens_in=50 + n, tokens_out=10, cost_usd=0.001 * n, steps=1 + n % 3)
    return {"n": n}


@pytest.fixture
def recorded(tmp_path):
    g = sn.TaskGraph.random(300, max_deps=2, window=30, seed=1)
    run = sn.run_graph_sync(g, faulty, max_concurrency=16, clock="virtual", trace=tmp_path)
    return run


def test_replay_reproduces_metrics_with_failures_and_retries(recorded):
    run = recorded
    assert run.metrics["retry_count"] > 0 and run.metrics["n_failed"] > 0
    assert run.metrics["n_skipped"] > 0
    again = sn.replay(run.trace_path)
    assert again.metrics == run.metrics
    assert again.status == run.status == "failed"
    assert again.tasks.equals(run.tasks)


def test_trace_is_one_json_event_per_line_in_sequence(recorded):
    lines = recorded.trace_path.read_text().splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert {e["v"] for e in events} == {1} and {e["run"] for e in events} == {recorded.id}
    assert events[0]["kind"] == "run.started" and events[-1]["kind"] == "run.finished"
    assert set(e["kind"] for e in events) <= sn.EVENT_KINDS


def test_sqlite_index_lists_runs_and_tasks(recorded, tmp_path):
    listed = sn.runs(tmp_path)
    row = listed.iloc[0]
    assert row["run_id"] == recorded.id and row["status"] == "failed"
    assert row["n_tasks"] == 300
    assert row["critical_steps"] == recorded.metrics["critical_steps"]
    tasks = sn.runs(tmp_path, tasks=True)
    assert len(tasks) == 300
    counts = recorded.tasks["status"].value_counts().to_dict()
    assert tasks["status"].value_counts().to_dict() == counts


def test_torn_last_line_is_tolerated(recorded, tmp_path):
    text = recorded.trace_path.read_text()
    cut = tmp_path / "cut.jsonl"
    cut.write_text(text[: len(text) - 25])
    replayed = sn.replay(cut)
    assert replayed.status == "incomplete"
    assert len(replayed.events) == len(recorded.events) - 1


def test_replay_errors_are_clear(tmp_path):
    with pytest.raises(FileNotFoundError):
        sn.replay(tmp_path / "missing.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(ValueError, match="no events"):
        sn.replay(empty)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"kind": "run.started"}\nnot json\n{"kind": "x"}\n')
    with pytest.raises(ValueError, match=r"broken\.jsonl:2"):
        sn.replay(broken)
    with pytest.raises(FileNotFoundError, match="no run index"):
        sn.runs(tmp_path / "nothing")


def test_subscribers_see_every_event_in_order_and_a_bad_one_is_detached():
    g = sn.TaskGraph.random(50, seed=2)
    seen, calls = [], []

    def bad(event):
        calls.append(event["seq"])
        raise RuntimeError("subscriber bug")

    async def main():
        run = sn.run_graph(g, faulty, clock="virtual", trace=None)
        run.subscribe(seen.append)
        run.subscribe(bad)
        return await run

    from swarmnb.runtime.clock import run_in_new_loop

    run = run_in_new_loop(main, "virtual")
    assert [e["seq"] for e in seen] == list(range(len(run.events)))
    assert calls == [0]
    late = []
    run.subscribe(late.append)
    assert len(late) == len(run.events)


def test_events_since_reads_the_log_from_a_sequence_number(recorded):
    run = recorded
    assert run.n_events == len(run.events)
    tail = run.events_since(run.n_events - 5)
    assert [e["seq"] for e in tail] == list(range(run.n_events - 5, run.n_events))
    assert tail == run.events[-5:]
    replayed = sn.replay(run.trace_path)
    assert replayed.events_since(10) == run.events_since(10)
