"""The dashboard in headless Chromium: renders 1,000 tasks, and its buttons steer the run."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import swarmnb as sn
from swarmnb.metrics import fold_tasks
from swarmnb.ui import Dashboard

from .harness import Hub, WidgetPage

pytestmark = pytest.mark.browser

DISPLAY = {"completed": "done"}
DOM_STATUSES = (
    "() => Array.from(document.querySelectorAll('rect.sn-node'),"
    " r => [r.dataset.task, r.dataset.status])"
)


def research_graph(n: int = 1000, seed: int = 1) -> sn.TaskGraph:
    """A planner, 20 topics of parallel look-ups, one merge per topic, one answer."""
    rng = random.Random(seed)
    g = sn.TaskGraph()
    g.add("plan the search", id="plan", role="orchestrator")
    topics = 20
    per = (n - 2 - topics) // topics
    merges = []
    for k in range(topics):
        ids = []
        for j in range(per):
            tid = f"s{k}.{j}"
            g.add(
                f"look up entity {j} of topic {k}",
                id=tid,
                deps=["plan"],
                profile=rng.choice(["small", "large"]),
            )
            ids.append(tid)
        g.add(f"merge topic {k}", id=f"merge{k}", deps=ids)
        merges.append(f"merge{k}")
    while len(g) < n - 1:
        g.add("cross-check", id=f"x{len(g)}", deps=["plan"])
    g.add("write the answer", id="answer", deps=merges)
    return g


async def research_work(task: sn.Task, ctx: sn.Context) -> str:
    await asyncio.sleep(ctx.rng.uniform(0.5, 3.0))
    if ctx.attempt == 1 and ctx.rng.random() < 0.05:
        raise sn.RetryableError("429 rate limited")
    if task.id == "s3.7":
        raise ValueError("page not found")
    ctx.record_usage(tokens_in=400, tokens_out=120, cost_usd=0.0004, steps=1)
    return f"value for {task.id}"


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> sn.Run:
    return sn.run_graph_sync(
        research_graph(), research_work, clock="virtual", trace=tmp_path_factory.mktemp("runs"),
        max_concurrency=32, budget=sn.Budget(usd=1.0), name="research",
    )  # fmt: skip


def rendered(wp: WidgetPage, dash: Dashboard) -> None:
    wp.render(dash)
    wp.wait_until(
        lambda: wp.js("!!document.querySelector('.sn-dashboard[data-ready=true]')"),
        what="dashboard ready",
    )


def dom_statuses(wp: WidgetPage) -> dict[str, str]:
    return dict(wp.js(DOM_STATUSES))


def overlapping(boxes: list[list[float]]) -> list[tuple[int, int]]:
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
    active: list[int] = []
    found = []
    for i in order:
        x0, y0, _, y1 = boxes[i]
        active = [j for j in active if boxes[j][2] > x0 + 0.01]
        found += [(j, i) for j in active if boxes[j][1] < y1 - 0.01 and y0 < boxes[j][3] - 0.01]
        active.append(i)
    return found


def test_dashboard_renders_a_1000_task_run(
    finished: sn.Run, hub: Hub, widget_page: WidgetPage, artifacts: Path
) -> None:
    wp = widget_page
    dash = finished.dashboard()
    rendered(wp, dash)
    statuses = dom_statuses(wp)
    trace = {
        tid: DISPLAY.get(row["status"], row["status"])
        for tid, row in fold_tasks(finished.events).items()
    }
    assert len(statuses) == 1000 == wp.js("document.querySelectorAll('rect.sn-node').length")
    assert statuses == trace
    assert {"done", "failed", "skipped"} <= set(statuses.values())
    # legend: every status plus the critical path, with counts that match the DOM
    legend = wp.js(
        "() => Array.from(document.querySelectorAll('.sn-graph [data-legend]'),"
        " e => [e.dataset.legend, e.textContent])"
    )
    assert [name for name, _ in legend] == [
        *["queued", "running", "retrying", "done", "failed", "skipped", "cancelled"],
        "critical",
    ]
    done_label = dict(legend)["done"]
    assert done_label.endswith(str(sum(1 for s in statuses.values() if s == "done")))
    assert wp.js("document.querySelectorAll('rect.sn-node.sn-crit').length") >= 3
    # no two task boxes overlap on screen, and labels stay inside their boxes
    boxes = wp.js(
        "() => Array.from(document.querySelectorAll('rect.sn-node'), r => {"
        " const b = r.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; })"
    )
    assert overlapping(boxes) == []
    label_fit = wp.js(
        """() => { const rects = document.querySelectorAll('rect.sn-node'); let bad = 0, n = 0;
        for (const t of document.querySelectorAll('text.sn-label')) { n++;
          const tb = t.getBBox(); const x = +t.getAttribute('x'), y = +t.getAttribute('y');
          const cx = r => +r.getAttribute('x') + +r.getAttribute('width') / 2;
          const cy = r => +r.getAttribute('y') + +r.getAttribute('height') / 2;
          const r = Array.from(rects).find(
            r => Math.abs(cx(r) - x) < 0.01 && Math.abs(cy(r) - y) < 0.01);
          if (!r || tb.width > +r.getAttribute('width')) bad++; }
        return [n, bad]; }"""
    )
    assert label_fit[0] >= 20 and label_fit[1] == 0
    # the other views drew something real
    assert wp.js("+document.querySelector('.sn-timeline').dataset.bars") == len(dash.state.bars)
    assert wp.js("+document.querySelector('.sn-pool').dataset.agents") == len(dash.state.agents)
    cost = wp.js("+document.querySelector('.sn-cost').dataset.costUsd")
    assert cost == pytest.approx(finished.metrics["cost_usd"])
    wp.page.screenshot(path=str(artifacts / "dashboard_1000.png"), full_page=True)
    assert wp.errors() == []


@pytest.fixture
def background_loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def test_buttons_pause_resume_and_set_concurrency(
    hub: Hub, widget_page: WidgetPage, background_loop: asyncio.AbstractEventLoop, artifacts: Path
) -> None:
    wp = widget_page
    gate = threading.Event()  # work waits here, so the run is surely live when we click

    async def work(task: sn.Task, ctx: sn.Context) -> str:
        while not gate.is_set():
            await asyncio.sleep(0.005)
        ctx.record_usage(tokens_in=10, tokens_out=5, cost_usd=0.00001, steps=1)
        return task.id

    graph = sn.TaskGraph()
    for i in range(1000):
        graph.add(f"task number {i}", id=f"t{i}")

    async def start() -> sn.Run:
        return sn.run_graph(graph, work, clock="real", trace=None, max_concurrency=8, name="live")

    run = asyncio.run_coroutine_threadsafe(start(), background_loop).result(timeout=30)
    dash = run.dashboard(interval=0.05)
    rendered(wp, dash)
    wp.wait_until(
        lambda: sum(s == "running" for s in dom_statuses(wp).values()) == 8, what="8 running"
    )
    assert not run.paused

    wp.page.click("button[data-action=pause]")
    wp.wait_until(lambda: run.paused, what="run.paused after clicking Pause")
    wp.wait_until(
        lambda: wp.js("document.querySelector('.sn-dashboard').dataset.paused") == "true",
        what="paused shown",
    )
    assert wp.js("document.querySelector('button[data-action=resume]').textContent") == "Resume"

    gate.set()  # the 8 in-flight tasks finish; a paused run starts nothing after them
    wp.wait_until(
        lambda: sum(1 for e in run.events if e["kind"] == "task.completed") == 8,
        what="in-flight done",
    )
    wp.wait_until(
        lambda: sum(s == "done" for s in dom_statuses(wp).values()) == 8, what="8 done in the page"
    )
    assert sum(1 for e in run.events if e["kind"] == "task.started") == 8
    assert run.status == "running"
    assert sum(s == "queued" for s in dom_statuses(wp).values()) == 992

    # the concurrency slider changes the live limit
    wp.js(
        "() => { const s = document.querySelector('input[data-action=concurrency]'); s.value = '3';"
        " s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')); }"
    )
    wp.wait_until(lambda: run.max_concurrency == 3, what="max_concurrency == 3")

    # clicking a task opens its details (prompt, status) from Python
    wp.page.click("rect.sn-node[data-task='t500']")
    wp.wait_until(
        lambda: wp.js("document.querySelector('.sn-detail.sn-open')?.textContent || ''"),
        what="detail panel",
    )
    assert "task number 500" in wp.js("document.querySelector('.sn-detail').textContent")
    wp.page.screenshot(path=str(artifacts / "dashboard_paused.png"), full_page=True)

    mark = len(run.events)
    wp.page.click("button[data-action=resume]")
    wp.wait_until(lambda: run.done(), timeout=60, what="run finished")
    live = peak = 0
    for event in run.events[mark:]:
        if event["kind"] == "task.started":
            live += 1
            peak = max(peak, live)
        elif event["kind"] == "task.completed":
            live -= 1
    assert peak == 3
    wp.wait_until(lambda: set(dom_statuses(wp).values()) == {"done"}, what="all done in the page")
    wp.wait_until(
        lambda: wp.js("document.querySelector('.sn-dashboard').dataset.mode") == "replay",
        what="replay mode",
    )
    assert run.status == "completed"
    assert wp.errors() == []


def test_replay_scrubber_and_play(finished: sn.Run, hub: Hub, widget_page: WidgetPage) -> None:
    wp = widget_page
    dash = sn.replay(finished.trace_path).dashboard()
    rendered(wp, dash)
    end = dash.replay["end"]
    wp.js(
        "(t) => { const s = document.querySelector('input[data-action=seek]'); s.value = String(t);"
        " s.dispatchEvent(new Event('input')); }",
        end * 0.4,
    )
    wp.wait_until(lambda: abs(dash.replay["t"] - end * 0.4) < 1e-6, what="seek reached Python")
    expected = dash.graph.statuses()
    assert "queued" in expected.values() and "done" in expected.values()
    wp.wait_until(lambda: dom_statuses(wp) == expected, what="page shows the state at 40%")

    wp.js(
        "() => { const s = document.querySelector('select[data-action=speed]'); s.value = '1000'; }"
    )
    wp.page.click("button[data-action=play]")
    wp.wait_until(
        lambda: dash.replay["t"] >= end and not dash.replay["playing"],
        timeout=30,
        what="played to the end",
    )
    final = {
        tid: DISPLAY.get(row["status"], row["status"])
        for tid, row in fold_tasks(finished.events).items()
    }
    wp.wait_until(lambda: dom_statuses(wp) == final, what="page back at the final state")
    assert wp.errors() == []


def test_large_graphs_switch_to_canvas(hub: Hub, widget_page: WidgetPage) -> None:
    events: list[dict[str, Any]] = [{"v": 1, "run": "r", "seq": 0, "t": 0.0, "kind": "run.started"}]
    for i in range(4000):
        events.append({"v": 1, "run": "r", "seq": len(events), "t": 0.0, "kind": "task.queued",
                       "task": f"t{i}", "deps": [f"t{i // 2}"] if i else []})  # fmt: skip
    dash = Dashboard.from_events(events)
    wp = widget_page
    rendered(wp, dash)
    assert wp.js("document.querySelector('.sn-graph').dataset.renderer") == "canvas"
    assert wp.js("document.querySelectorAll('rect.sn-node').length") == 0
    assert wp.js("+document.querySelector('.sn-graph').dataset.tasks") == 4000
    assert wp.errors() == []
