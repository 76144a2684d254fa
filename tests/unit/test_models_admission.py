"""AdmissionController: callers queue within concurrency, RPM and TPM limits; none fail."""

from __future__ import annotations

import asyncio

import pytest

from swarmnb.models import AdmissionController, ModelLimits, complete
from swarmnb.runtime.errors import ModelError
from tests.models_support import ask, count_calls, run_virtual


def _prompts(n: int) -> list[list[dict]]:
    return [[{"role": "user", "content": f"question number {i}"}] for i in range(n)]


def test_concurrency_limit_bounds_calls_in_flight(monkeypatch):
    limiter = AdmissionController(limits={"sim/small": ModelLimits(concurrency=3)})

    async def many():
        return await asyncio.gather(
            *[complete("sim/small", p, limiter=limiter) for p in _prompts(12)]
        )

    with count_calls(monkeypatch) as log:
        results, _ = run_virtual(many)
    assert len(results) == 12 and all(r.content for r in results)
    assert log.peak == 3
    stats = limiter.stats("sim/small")
    assert stats["admitted"] == 12 and stats["peak_in_flight"] == 3
    assert stats["in_flight"] == 0 and stats["waiting"] == 0


def test_rpm_limit_spreads_requests_over_minutes(monkeypatch):
    limiter = AdmissionController(limits={"sim/small": ModelLimits(rpm=2)})

    async def many():
        return await asyncio.gather(
            *[complete("sim/small", p, limiter=limiter) for p in _prompts(5)]
        )

    with count_calls(monkeypatch) as log:
        results, elapsed = run_virtual(many)
    assert len(results) == 5
    starts = sorted(log.starts)
    for t in starts:  # no 60-second window holds more than 2 starts
        assert sum(1 for s in starts if t <= s < t + 60.0) <= 2
    assert elapsed >= 120.0


def test_tpm_limit_keeps_every_minute_under_the_token_cap(monkeypatch):
    # Each call is ~10 tokens in and ≤ 20 out; 100 tokens a minute lets a few through at once.
    limiter = AdmissionController(limits={"sim/medium": ModelLimits(tpm=100)})

    async def many():
        return await asyncio.gather(
            *[complete("sim/medium", p, limiter=limiter, max_tokens=20) for p in _prompts(8)]
        )

    with count_calls(monkeypatch) as log:
        results, _ = run_virtual(many)
    assert len(results) == 8
    starts = sorted(t for t, _ in log.tokens)
    assert starts[-1] - starts[0] >= 60.0  # some calls waited for the window to move on
    for t0, _ in log.tokens:
        in_window = sum(n for t, n in log.tokens if t0 <= t < t0 + 60.0)
        assert in_window <= 100


def test_models_without_limits_pass_freely(monkeypatch):
    limiter = AdmissionController(limits={"sim/large": ModelLimits(concurrency=1)})

    async def many():
        return await asyncio.gather(
            *[complete("sim/small", p, limiter=limiter) for p in _prompts(5)]
        )

    with count_calls(monkeypatch) as log:
        run_virtual(many)
    assert log.peak == 5


def test_default_limits_apply_to_unnamed_models(monkeypatch):
    limiter = AdmissionController(default=ModelLimits(concurrency=2))

    async def many():
        return await asyncio.gather(
            *[complete("sim/medium", p, limiter=limiter) for p in _prompts(6)]
        )

    with count_calls(monkeypatch) as log:
        run_virtual(many)
    assert log.peak == 2


def test_cancelled_waiters_do_not_hold_slots():
    limiter = AdmissionController(limits={"sim/small": ModelLimits(concurrency=1)})

    async def scenario():
        first = asyncio.ensure_future(complete("sim/small", ask(), limiter=limiter))
        waiting = asyncio.ensure_future(complete("sim/small", ask(), limiter=limiter))
        await asyncio.sleep(0.01)
        waiting.cancel()
        await first
        third = await complete("sim/small", ask(), limiter=limiter)
        return waiting.cancelled(), third

    (was_cancelled, third), _ = run_virtual(scenario)
    assert was_cancelled and third.content
    assert limiter.stats("sim/small")["in_flight"] == 0


def test_a_request_larger_than_the_tpm_limit_is_refused():
    limiter = AdmissionController(limits={"sim/small": ModelLimits(tpm=50)})

    async def call():
        return await complete("sim/small", ask(), limiter=limiter, max_tokens=500)

    with pytest.raises(ModelError, match="tokens per minute"):
        run_virtual(call)


def test_limits_are_validated():
    with pytest.raises(ValueError):
        ModelLimits(concurrency=0)
    with pytest.raises(ValueError):
        ModelLimits(rpm=1.5)  # type: ignore[arg-type]


def test_a_controller_starts_afresh_on_the_next_loop(monkeypatch):
    limiter = AdmissionController(limits={"sim/small": ModelLimits(rpm=1)})

    async def call():
        return await complete("sim/small", ask(), limiter=limiter)

    _, first = run_virtual(call)
    _, second = run_virtual(call)  # a new run's loop: its clock starts again at 0
    assert second < 60.0 and first < 60.0
    assert limiter.stats("sim/small")["admitted"] == 2
