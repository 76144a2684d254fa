"""Retries: transient faults are retried with backoff that honours Retry-After."""

from __future__ import annotations

import itertools
import random

import httpx
import pytest

import swarmnb as sn
from swarmnb.models import Backoff, FaultPlan, TransientModelError, complete, inject_faults
from swarmnb.models._litellm import litellm
from swarmnb.models.retry import is_transient, retry_after_of
from swarmnb.runtime.errors import ModelError, RetryableError
from tests.models_support import TOOLS, ask, count_calls, run_graph, run_virtual


def test_rate_limits_are_retried_and_retry_after_is_honoured(monkeypatch):
    plan = FaultPlan(rate_limit=2, retry_after=7.5)

    async def call():
        return await complete("sim/small", ask(), tools=TOOLS, sim_faults=plan)

    with count_calls(monkeypatch) as log:
        c, elapsed = run_virtual(call)
    assert plan.injected == ["rate_limit", "rate_limit"]
    assert c.retries == 2 and c.tool_calls[0].name == "search"
    assert log.calls == 3
    gaps = [b - a for a, b in itertools.pairwise(log.starts)]
    assert all(gap >= 7.5 for gap in gaps)
    assert elapsed >= 2 * 7.5


def test_server_errors_and_timeouts_are_retried():
    plan = FaultPlan(server_error=1, timeout=1, hang_s=3600.0)

    async def call():
        return await complete(
            "sim/medium", ask("Japan"), tools=TOOLS, sim_faults=plan, timeout=20.0
        )

    c, elapsed = run_virtual(call)
    assert plan.injected == ["server_error", "timeout"]
    assert c.retries == 2
    assert 20.0 <= elapsed < 3600.0  # our own timeout cut the hanging call short


def test_transient_faults_past_max_retries_raise_a_retryable_model_error(monkeypatch):
    plan = FaultPlan(rate_limit=10, retry_after=2.0)

    async def call():
        return await complete("sim/small", ask(), sim_faults=plan, max_retries=2)

    with count_calls(monkeypatch) as log, pytest.raises(TransientModelError) as info:
        run_virtual(call)
    assert log.calls == 3
    err = info.value
    assert isinstance(err, RetryableError) and isinstance(err, ModelError)
    assert err.retry_after == pytest.approx(2.0)
    assert "rate limit" in str(err)


def test_non_transient_errors_fail_at_once(monkeypatch):
    async def call():
        return await complete("sim/nonexistent", ask(), max_retries=4)

    with count_calls(monkeypatch) as log, pytest.raises(ModelError) as info:
        run_virtual(call)
    assert log.calls == 1
    assert not isinstance(info.value, RetryableError)


def test_inject_faults_applies_to_every_sim_call_in_the_block():
    async def call():
        return await complete("sim/small", ask(), backoff=Backoff(base=1.0))

    with inject_faults(rate_limit=1, retry_after=0.0) as plan:
        c, elapsed = run_virtual(call)
    assert plan.injected == ["rate_limit"] and c.retries == 1
    assert elapsed >= 0.5  # the exponential backoff (base 1 s, jitter 50 %) applied

    c, _ = run_virtual(call)  # outside the block: clean
    assert c.retries == 0


def test_backoff_grows_caps_and_never_undercuts_retry_after():
    b = Backoff(base=0.5, factor=2.0, cap=4.0, jitter=0.5)
    rng = random.Random(0)
    for n in range(8):
        full = min(4.0, 0.5 * 2.0**n)
        d = b.delay(n, rng)
        assert full / 2 <= d <= full
    assert all(b.delay(0, rng, retry_after=10.0) >= 10.0 for _ in range(50))
    with pytest.raises(ValueError):
        Backoff(factor=0.5)


def _rate_limit(headers: dict[str, str]) -> litellm.RateLimitError:
    request = httpx.Request("POST", "http://x/v1/chat/completions")
    return litellm.RateLimitError(
        message="slow down",
        llm_provider="openai",
        model="m",
        response=httpx.Response(429, headers=headers, request=request),
    )


def test_retry_after_is_read_from_either_header_form():
    assert retry_after_of(_rate_limit({"retry-after": "3"})) == 3.0
    assert retry_after_of(_rate_limit({"retry-after-ms": "250"})) == 0.25
    assert retry_after_of(_rate_limit({})) is None
    assert retry_after_of(ValueError("x")) is None
    assert is_transient(_rate_limit({}))
    assert not is_transient(ValueError("x"))
    bad = litellm.BadRequestError(message="no", model="m", llm_provider="openai")
    assert not is_transient(bad)


def test_a_task_retries_after_the_model_call_gives_up():
    """Inside a run, exhausted transient faults become a task retry (RetryableError)."""
    plan = FaultPlan(rate_limit=3, retry_after=1.0)

    async def work(task: sn.Task, ctx: sn.Context) -> str:
        c = await complete("sim/small", ask(), ctx=ctx, sim_faults=plan, max_retries=1)
        return c.content or ""

    g = sn.TaskGraph()
    g.add("ask", id="a", max_retries=2)
    run = run_graph(g, work)
    kinds = [e["kind"] for e in run.events if e.get("task") == "a"]
    assert run.status == "completed"
    assert kinds.count("task.retrying") == 1  # 429, 429 → give up; then 429, ok
    assert plan.injected == ["rate_limit"] * 3
