"""Confidence intervals and parallelism timelines used by the benchmark harness."""

from __future__ import annotations

import math
import statistics

import pytest

import swarmnb as sn
from swarmnb.bench import mean_ci, parallelism_timeline
from swarmnb.bench._stats import t_quantile_975

# Student's t, two-sided 95 %, from standard tables.
T_TABLE = {1: 12.7062, 2: 4.3027, 9: 2.2622, 19: 2.0930, 31: 2.0395, 40: 2.0211, 60: 2.0003,
           120: 1.9799, 1000: 1.9623}  # fmt: skip


@pytest.mark.parametrize(("df", "expected"), sorted(T_TABLE.items()))
def test_t_quantile_matches_tables(df: int, expected: float) -> None:
    assert t_quantile_975(df) == pytest.approx(expected, abs=2e-4)


def test_t_quantile_rejects_zero_degrees_of_freedom() -> None:
    with pytest.raises(ValueError):
        t_quantile_975(0)


def test_mean_ci_is_the_t_interval() -> None:
    xs = [0.61, 0.72, 0.55, 0.70, 0.64]
    mean, half = mean_ci(xs)
    assert mean == pytest.approx(statistics.fmean(xs))
    assert half == pytest.approx(2.7764 * statistics.stdev(xs) / math.sqrt(5), rel=1e-4)


def test_mean_ci_skips_missing_values_and_handles_tiny_samples() -> None:
    assert mean_ci([1.0, None, float("nan"), 3.0]) == pytest.approx((2.0, 12.7062 * 1.0))
    mean, half = mean_ci([4.0])
    assert mean == 4.0 and math.isnan(half)
    assert all(math.isnan(v) for v in mean_ci([]))
    assert mean_ci([2.0, 2.0, 2.0]) == (2.0, 0.0)


def _ev(kind: str, t: float, task: str | None = None) -> dict[str, object]:
    return {"kind": kind, "t": t, **({"task": task} if task else {})}


def test_timeline_integrates_the_step_function_per_bin() -> None:
    events = [
        _ev("run.started", 0.0),
        _ev("task.started", 0.0, "a"),
        _ev("task.started", 1.0, "b"),
        _ev("task.retrying", 2.0, "b"),  # an attempt ends, then b runs again
        _ev("task.started", 2.0, "b"),
        _ev("task.completed", 3.0, "a"),
        _ev("task.skipped", 3.0, "c"),  # never started: no change
        _ev("task.completed", 4.0, "b"),
        _ev("run.finished", 4.0),
    ]
    assert parallelism_timeline(events, points=4) == [(0.0, 1.0), (1.0, 2.0), (2.0, 2.0),
                                                      (3.0, 1.0)]  # fmt: skip
    half = parallelism_timeline(events, points=8)
    assert [round(v, 9) for _, v in half] == [1, 1, 2, 2, 2, 2, 1, 1]
    coarse = parallelism_timeline(events, points=3)  # bins that split steps average them
    assert sum(v for _, v in coarse) / 3 == pytest.approx((1 + 2 + 2 + 1) / 4)
    with pytest.raises(ValueError):
        parallelism_timeline(events, points=0)


def test_timeline_mean_equals_the_runs_avg_parallelism() -> None:
    graph = sn.TaskGraph.random(60, max_deps=2, window=10, seed=4)

    async def work(task: sn.Task, ctx: sn.Context) -> None:
        import asyncio

        await asyncio.sleep(ctx.rng.uniform(0.5, 3.0))

    run = sn.run_graph_sync(graph, work, max_concurrency=8, clock="virtual", trace=None)
    line = parallelism_timeline(run.events, points=37)
    mean = sum(v for _, v in line) / len(line)
    assert mean == pytest.approx(run.metrics["avg_parallelism"], rel=1e-9)
    assert max(v for _, v in line) <= run.metrics["max_parallelism"] + 1e-9
