"""Budgets stop new work cleanly; nothing recorded is lost."""

import asyncio

import pytest

import swarmnb as sn
from tests.helpers import of_kind, terminal_counts


def costly(cost: float, seconds: float = 1.0):
    async def work(task, ctx):
        await asyncio.sleep(seconds)
        ctx.record_usage(tokens_in=100, tokens_out=10, cost_usd=cost, steps=1)
        return task.id

    return work


def chain_free(n: int, estimate: float | None = None) -> sn.TaskGraph:
    g = sn.TaskGraph()
    for i in range(n):
        g.add(id=f"t{i}", estimate_usd=estimate)
    return g


@pytest.mark.parametrize("concurrency", [1, 4])
def test_usd_budget_stops_starting_work_before_the_cap(tmp_path, concurrency):
    g = chain_free(10, estimate=0.3)
    run = sn.run_graph_sync(
        g, costly(0.3), budget=sn.Budget(usd=1.0), max_concurrency=concurrency,
        clock="virtual", trace=tmp_path,
    )  # fmt: skip
    assert run.status == "budget_exhausted"
    assert run.metrics["cost_usd"] == pytest.approx(0.9)
    assert len(of_kind(run, "task.started")) == 3
    exceeded = of_kind(run, "budget.exceeded")
    assert len(exceeded) == 1 and exceeded[0]["resource"] == "usd"
    cancelled = of_kind(run, "task.cancelled")
    assert len(cancelled) == 7
    assert all(e["reason"] == "budget exhausted (usd)" for e in cancelled)
    assert set(terminal_counts(run).values()) == {1} and len(terminal_counts(run)) == 10
    # nothing recorded is lost: the trace holds every event and gives the same metrics
    replayed = sn.replay(run.trace_path)
    assert len(replayed.events) == len(run.events)
    assert replayed.metrics == run.metrics


def test_learned_estimate_keeps_spend_under_cap():
    run = sn.run_graph_sync(
        chain_free(20), costly(0.25), budget=sn.Budget(usd=1.0), max_concurrency=1,
        clock="virtual", trace=None,
    )  # fmt: skip
    assert run.status == "budget_exhausted"
    assert run.metrics["cost_usd"] <= 1.0
    assert run.metrics["n_completed"] == 4


def test_token_and_step_budgets():
    tokens = sn.run_graph_sync(
        chain_free(10), costly(0.0), budget=sn.Budget(tokens=330), max_concurrency=1,
        clock="virtual", trace=None,
    )  # fmt: skip
    assert tokens.status == "budget_exhausted"
    assert tokens.metrics["n_completed"] == 3  # 110 tokens each; the third reaches 330
    steps = sn.run_graph_sync(
        chain_free(10), costly(0.0), budget=sn.Budget(steps=4), max_concurrency=2,
        clock="virtual", trace=None,
    )  # fmt: skip
    assert steps.status == "budget_exhausted" and steps.metrics["n_completed"] == 4


def test_time_budget_cancels_running_work():
    run = sn.run_graph_sync(
        chain_free(6), costly(0.0, seconds=4.0), budget=sn.Budget(seconds=10.0),
        max_concurrency=2, clock="virtual", trace=None,
    )  # fmt: skip
    assert run.status == "budget_exhausted"
    assert run.metrics["n_completed"] == 4  # two waves of 4 s; the third wave is cut at 10 s
    cut = [e for e in of_kind(run, "task.cancelled") if e["t"] == 10.0]
    assert len(cut) == 2
    assert run.metrics["wall_clock_ms"] == 10_000.0


def test_reserve_inside_work_refuses_what_does_not_fit():
    g = sn.TaskGraph()
    g.add(id="small")
    g.add(id="huge", deps=["small"])

    async def work(task, ctx):
        estimate = 5.0 if task.id == "huge" else 0.1
        with ctx.reserve(usd=estimate):
            ctx.record_usage(cost_usd=estimate)
        return task.id

    run = sn.run_graph_sync(g, work, budget=sn.Budget(usd=1.0), clock="virtual", trace=None)
    assert run.status == "budget_exhausted"
    assert run.metrics["cost_usd"] == pytest.approx(0.1)
    assert of_kind(run, "task.cancelled", "huge")[0]["reason"].startswith("budget exhausted")


def test_budget_rejects_nonsense():
    with pytest.raises(ValueError, match="usd"):
        sn.Budget(usd=-1)
    with pytest.raises(ValueError, match="tokens"):
        sn.Budget(tokens="many")
