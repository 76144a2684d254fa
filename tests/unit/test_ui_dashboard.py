"""Dashboards on real runs: the state they hold equals what the trace says."""

from __future__ import annotations

import asyncio
import bisect
import itertools
import re
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

import swarmnb as sn
from swarmnb._api import start_run
from swarmnb.metrics import compute_metrics, fold_tasks
from swarmnb.trace.recorder import read_events
from swarmnb.ui import AgentPoolView, CostView, Dashboard, TaskGraphView, TimelineView
from swarmnb.ui._assets import widgets_dir
from swarmnb.ui._state import SwarmState

# live runs involve threads and timers: a hang should fail fast, with every thread's stack
pytestmark = pytest.mark.timeout(120, method="thread")

DISPLAY = {"completed": "done"}


def build_graph(n_groups: int = 6, width: int = 12) -> sn.TaskGraph:
    g = sn.TaskGraph()
    g.add("plan", id="plan", role="orchestrator")
    merges = []
    for k in range(n_groups):
        ids = []
        for j in range(width):
            tid = f"g{k}.{j}"
            agent = f"agent-{(k * width + j) % 5}" if k % 2 == 0 else None  # half on agents
            g.add(f"look up {j} of {k}", id=tid, deps=["plan"], agent=agent, profile="small")
            ids.append(tid)
        g.add(f"merge {k}", id=f"m{k}", deps=ids)
        merges.append(f"m{k}")
    g.add("answer", id="answer", deps=merges)
    return g


async def flaky_work(task: sn.Task, ctx: sn.Context) -> str:
    await asyncio.sleep(ctx.rng.uniform(0.5, 2.0))
    if task.id == "g1.3":
        ctx.record_usage(tokens_in=7, cost_usd=0.0001, steps=1)
        raise ValueError("broken page")  # fails, skips m1 and answer
    if ctx.attempt == 1 and ctx.rng.random() < 0.15:
        ctx.record_usage(tokens_in=11, tokens_out=0, cost_usd=0.0002, steps=1)
        raise sn.RetryableError("429")
    ctx.record_usage(tokens_in=100 + len(task.id), tokens_out=30, cost_usd=0.001, steps=2)
    return f"value of {task.id}"


async def _wait(run: sn.Run) -> sn.Run:
    return await run


def trace_statuses(events: list[dict[str, Any]]) -> dict[str, str]:
    return {
        tid: DISPLAY.get(row["status"], row["status"]) for tid, row in fold_tasks(events).items()
    }


def trace_agent_totals(events: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in fold_tasks(events).values():
        if row["agent"] is not None:
            for name in ("tokens_in", "tokens_out", "cost_usd", "steps"):
                totals[row["agent"]][name] += row[name]
    return totals


class Client:
    """Rebuilds statuses from a TaskGraphView's traits the way task_graph.js does."""

    def __init__(self, view: TaskGraphView) -> None:
        self.view = view
        self.base_v = None
        self.codes: dict[int, str] = {}

    def read(self) -> dict[str, str]:
        base, delta = self.view.status_base, self.view.status_delta
        if base.get("v") != self.base_v:
            self.base_v = base["v"]
            self.codes = dict(enumerate(base["items"]))
        if delta.get("base") == self.base_v:
            self.codes.update({int(k): v for k, v in delta["items"].items()})
        names = {"q": "queued", "r": "running", "b": "retrying", "d": "done", "f": "failed",
                 "s": "skipped", "c": "cancelled"}  # fmt: skip
        return {tid: names[self.codes[i]] for i, tid in enumerate(self.view.graph["ids"])}


def check_against_trace(dash: Dashboard, events: list[dict[str, Any]]) -> None:
    state = dash.state
    statuses = trace_statuses(events)
    assert {t.id: t.status for t in state.order} == statuses
    assert Client(dash.graph).read() == statuses  # what a browser rebuilds from the traits
    metrics = compute_metrics(events)
    assert state.totals.cost_usd == pytest.approx(metrics["cost_usd"])
    assert state.totals.tokens_in == metrics["tokens_in"]
    assert state.totals.tokens_out == metrics["tokens_out"]
    assert dash.cost.cost["cost_usd"] == pytest.approx(metrics["cost_usd"])
    shown = dash.agents.totals()
    for agent, totals in trace_agent_totals(events).items():
        for name, value in totals.items():
            assert shown[agent][name] == pytest.approx(value), (agent, name)
    assert sum(a["cost_usd"] for a in shown.values()) == pytest.approx(metrics["cost_usd"])
    assert len(state.bars) == sum(1 for e in events if e["kind"] == "task.started")
    assert dash.status == metrics["status"]
    assert dash.counts["done"] == metrics["n_completed"]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> sn.Run:
    trace = tmp_path_factory.mktemp("runs")
    return sn.run_graph_sync(
        build_graph(), flaky_work, clock="virtual", trace=trace, max_concurrency=6, seed=3
    )


def test_finished_run_dashboard_matches_trace(finished_run: sn.Run) -> None:
    events = read_events(finished_run.trace_path)
    assert {"failed", "skipped", "done"} <= set(trace_statuses(events).values())
    assert any(e["kind"] == "task.retrying" for e in events)
    dash = finished_run.dashboard()
    assert isinstance(dash, Dashboard)
    check_against_trace(dash, events)
    assert dash.mode == "replay" and not dash.controllable


def test_replay_dashboard_matches_trace(finished_run: sn.Run) -> None:
    replayed = sn.replay(finished_run.trace_path)
    dash = replayed.dashboard()
    check_against_trace(dash, read_events(finished_run.trace_path))
    assert dash.replay["end"] == pytest.approx(replayed.events[-1]["t"])
    assert dash.graph.critical["nodes"]  # a critical path is highlighted
    with pytest.raises(RuntimeError, match="replay"):
        dash.pause()


def test_seek_folds_events_up_to_that_time(finished_run: sn.Run) -> None:
    dash = sn.replay(finished_run.trace_path).dashboard()
    events = list(finished_run.events)
    times = [e["t"] for e in events]
    end = dash.replay["end"]
    for t in (end * 0.6, end * 0.2, end * 0.9, 0.0, end):  # forwards and backwards
        dash.seek(t)
        expected = SwarmState()
        expected.apply_many(events[: bisect.bisect_right(times, t)])
        assert {x.id: x.status for x in dash.state.order} == {
            x.id: x.status for x in expected.order
        }
        assert Client(dash.graph).read() == {x.id: x.status for x in expected.order}
        assert dash.state.totals.cost_usd == pytest.approx(expected.totals.cost_usd)
        assert dash.replay["t"] == pytest.approx(t)


def test_views_stand_alone(finished_run: sn.Run) -> None:
    events = list(finished_run.events)
    graph = TaskGraphView.for_run(finished_run)
    assert graph.statuses() == trace_statuses(events)
    graph.selected = "g1.3"
    assert graph.detail["status"] == "failed" and "broken page" in graph.detail["error"]
    assert graph.detail["prompt"] == "look up 3 of 1"
    pool = AgentPoolView.from_events(events)
    assert "agent-0" in pool.agents_base["items"]
    timeline = TimelineView.for_run(finished_run)
    assert timeline.clock == "virtual" and len(timeline.bars_base["items"]) == 5 * len(
        [e for e in events if e["kind"] == "task.started"]
    )
    assert timeline.limits[0][1] == 6
    cost = CostView.for_run(finished_run)
    assert cost.cost["cost_usd"] == pytest.approx(finished_run.metrics["cost_usd"])


def test_reprs_are_stable(finished_run: sn.Run) -> None:
    dash = finished_run.dashboard()
    text = repr(dash)
    assert re.fullmatch(r"<Dashboard run=r\d{8}-\d{6}-[0-9a-f]{8} tasks=80 status=failed>", text)
    for view in dash.views:
        assert "0x" not in repr(view) and repr(view).startswith(f"<{type(view).__name__} ")
    assert dash._repr_mimebundle_()[0]["text/plain"] == text


def test_assets_are_files_next_to_the_package() -> None:
    folder = widgets_dir()
    assert folder.name in ("widgets", "_widgets")
    for cls in (Dashboard, TaskGraphView, AgentPoolView, TimelineView, CostView):
        assert "export default" in str(cls._esm)  # the class attribute holds the file contents
    assert (folder / "swarmnb.css").is_file()


async def test_live_dashboard_follows_a_run_and_ends_at_the_trace(tmp_path: Path) -> None:
    run = sn.run_graph(
        build_graph(n_groups=10, width=40), flaky_work, clock="virtual", trace=tmp_path,
        max_concurrency=16, seed=5,
    )  # fmt: skip
    dash = run.dashboard(interval=0.05)
    client = Client(dash.graph)
    seen: list[dict[str, str]] = []
    dash.graph.observe(lambda change: seen.append(client.read()), names="status_delta")
    await asyncio.wait_for(_wait(run), 60)
    deadline = time.monotonic() + 10
    while dash.mode != "replay":  # the final flush runs on this loop within one interval
        assert time.monotonic() < deadline, "no final flush"
        await asyncio.sleep(0.01)
    check_against_trace(dash, read_events(run.trace_path))
    assert seen and seen[-1] == trace_statuses(list(run.events))
    starts = [began for began, _, _ in dash.feed.flush_log]  # what the rate limit governs
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(gap >= 0.05 * 0.9 for gap in gaps)  # coalesced: at most one flush per interval
    assert dash.feed.flushes < len(run.events) / 20


def test_dashboard_without_a_running_loop_flushes_from_timers(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:

        async def start() -> sn.Run:
            return sn.run_graph(build_graph(), flaky_work, clock="virtual", trace=tmp_path, seed=9)

        run = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
        dash = Dashboard.for_run(run, interval=0.02)  # no running loop in this thread
        run.wait(timeout=60)
        deadline = time.monotonic() + 10
        while dash.mode != "replay":
            assert time.monotonic() < deadline, "no final flush"
            time.sleep(0.01)
        check_against_trace(dash, read_events(run.trace_path))
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


async def test_controls_drive_the_run_through_its_public_api() -> None:
    g = sn.TaskGraph()
    for i in range(200):
        g.add(f"task {i}", id=f"t{i}")

    async def work(task: sn.Task, ctx: sn.Context) -> None:
        await asyncio.sleep(0.005)

    run = sn.run_graph(g, work, clock="real", trace=None, max_concurrency=8)
    dash = run.dashboard()
    assert dash.mode == "live"
    send = lambda action, value=None: dash._on_msg(  # noqa: E731 — what the buttons send
        dash, {"type": "control", "action": action, "value": value}, []
    )

    def completed() -> int:
        return sum(1 for e in run.events if e["kind"] == "task.completed")

    def running() -> int:
        started = sum(1 for e in run.events if e["kind"] == "task.started")
        ended = sum(1 for e in run.events if e["kind"] in ("task.completed", "task.failed"))
        return started - ended

    deadline = time.monotonic() + 10
    while completed() < 20:  # let the run get going
        assert time.monotonic() < deadline
        await asyncio.sleep(0.005)
    send("pause")
    assert run.paused and dash.paused
    while running() > 0:  # in-flight work ends; a paused run starts nothing new
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)
    assert run.status == "running"
    assert completed() < 200

    send("concurrency", 2)
    assert run.max_concurrency == 2 and dash.max_concurrency == 2
    mark = len(run.events)
    send("resume")
    assert not run.paused
    while completed() < 100:
        assert time.monotonic() < deadline + 10
        await asyncio.sleep(0.01)
    live = peak = 0
    for event in run.events[mark:]:
        if event["kind"] == "task.started":
            live += 1
            peak = max(peak, live)
        elif event["kind"] == "task.completed":
            live -= 1
    assert peak <= 2

    send("cancel")
    await asyncio.wait_for(_wait(run), 60)
    assert run.status == "cancelled"
    deadline = time.monotonic() + 10
    while dash.state.status == "running":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)
    assert dash.status == "cancelled" and dash.counts["cancelled"] > 0
    assert dash.state.limits[-1][1] == 2  # the limit change is on the timeline


async def test_tasks_added_while_running_extend_the_graph() -> None:
    async def work(task: sn.Task, ctx: sn.Context) -> str:
        await asyncio.sleep(1.0)
        return task.id

    async def driver(run: sn.Run) -> None:
        run.submit("plan", id="plan")
        await run.result("plan")
        for i in range(5):
            run.submit(f"sub {i}", id=f"s{i}", deps=["plan"])
        for i in range(5):
            await run.result(f"s{i}")
        run.submit("merge", id="merge", deps=[f"s{i}" for i in range(5)])
        await run.result("merge")

    run = start_run(work=work, driver=driver, clock="virtual", trace=None)
    dash = run.dashboard(interval=0.02)
    await asyncio.wait_for(_wait(run), 60)
    deadline = time.monotonic() + 10
    while dash.mode != "replay":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)
    assert dash.graph.graph["ids"] == ["plan", *[f"s{i}" for i in range(5)], "merge"]
    assert dash.graph.graph["layers"] == 3
    assert set(dash.graph.statuses().values()) == {"done"}


def test_dashboard_needs_a_run() -> None:
    with pytest.raises(TypeError, match="needs a run"):
        Dashboard.for_run(object())
