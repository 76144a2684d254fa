"""complete() inside a run: budget reserve, usage, model.call events, the Completion shape."""

from __future__ import annotations

import pytest

import swarmnb as sn
from swarmnb.models import SIM_PROFILES, Completion, FaultPlan, ToolCall, complete
from swarmnb.models.pricing import price_per_token
from tests.models_support import TOOLS, ask, run_graph, run_virtual


def _run(work, **options):
    g = sn.TaskGraph()
    g.add("ask", id="a", max_retries=0)
    return run_graph(g, work, **options)


def test_usage_and_model_call_events_reach_the_run():
    seen: list[Completion] = []

    async def work(task: sn.Task, ctx: sn.Context) -> str:
        first = await complete("sim/small", ask(), tools=TOOLS, ctx=ctx, seed=ctx.seed)
        messages = [
            *ask(),
            first.message,
            {
                "role": "tool",
                "tool_call_id": first.tool_calls[0].id,
                "content": "Paris is the capital of France.",
            },
        ]
        second = await complete("sim/small", messages, tools=TOOLS, ctx=ctx, seed=ctx.seed)
        seen.extend([first, second])
        return second.content or ""

    run = _run(work)
    assert run.status == "completed"
    calls = [e for e in run.events if e["kind"] == "model.call"]
    assert len(calls) == 2
    for event, c in zip(calls, seen, strict=True):
        assert event["task"] == "a" and event["model"] == "sim/small"
        assert event["tokens_in"] == c.tokens_in and event["tokens_out"] == c.tokens_out
        assert event["cost_usd"] == pytest.approx(c.cost_usd)
        assert event["cached"] is False and event["latency_s"] > 0
    row = run.tasks.set_index("id").loc["a"]
    assert row["tokens_in"] == sum(c.tokens_in for c in seen)
    assert row["cost_usd"] == pytest.approx(sum(c.cost_usd for c in seen))
    assert row["steps"] == 2
    assert "Paris" in row["result"] or "capital" in row["result"]


def test_budget_is_checked_before_the_call():
    async def work(task: sn.Task, ctx: sn.Context) -> str:
        c = await complete("sim/large", ask(), ctx=ctx, max_tokens=4000)
        return c.content or ""

    # A large-model call reserving 4,000 output tokens (~$0.06) cannot fit in $0.01.
    run = _run(work, budget=sn.Budget(usd=0.01))
    assert run.status == "budget_exhausted"
    assert not [e for e in run.events if e["kind"] == "model.call"]
    [exceeded] = [e for e in run.events if e["kind"] == "budget.exceeded"]
    assert exceeded["resource"] == "usd" and exceeded["spent_usd"] == 0.0
    assert "estimate $0.06" in exceeded["detail"]


def test_the_same_work_fits_a_budget_that_covers_the_estimate():
    async def work(task: sn.Task, ctx: sn.Context) -> str:
        return (await complete("sim/large", ask(), ctx=ctx, max_tokens=4000)).content or ""

    run = _run(work, budget=sn.Budget(usd=1.0))
    assert run.status == "completed"
    assert 0 < run.metrics["cost_usd"] < 0.01


def test_completion_message_round_trips_into_the_history():
    async def call():
        return await complete("sim/small", ask("Kenya"), tools=TOOLS)

    c, elapsed = run_virtual(call)
    assert isinstance(c.tool_calls[0], ToolCall)
    assert c.tool_calls[0].arguments == {"query": "capital of Kenya", "k": 3}
    msg = c.message
    assert msg["role"] == "assistant" and msg["tool_calls"][0]["function"]["name"] == "search"
    assert c.calls == 1 and c.repairs == 0 and not c.cached
    assert c.latency_s == pytest.approx(elapsed)
    assert "sim/small" in repr(c) and "search" in repr(c)


def test_context_without_reserve_still_gets_events():
    class Recorder:
        def __init__(self) -> None:
            self.events: list[tuple[str, dict]] = []

        def emit(self, kind: str, **fields: object) -> None:
            self.events.append((kind, fields))

    rec = Recorder()

    async def call():
        return await complete("sim/orchestrator", ask(), ctx=rec)

    c, _ = run_virtual(call)
    [(kind, fields)] = rec.events
    assert kind == "model.call" and fields["model"] == "sim/orchestrator"
    price = SIM_PROFILES["orchestrator"]
    assert fields["cost_usd"] == pytest.approx(
        c.tokens_in * price.input_cost_per_token + c.tokens_out * price.output_cost_per_token
    )


def test_bad_arguments_fail_loudly():
    async def empty():
        return await complete("sim/small", [])

    with pytest.raises(ValueError, match="messages"):
        run_virtual(empty)

    async def bad_tools():
        return await complete("sim/small", ask(), tools=[{"type": "function", "function": {}}])

    with pytest.raises(ValueError, match="tool"):
        run_virtual(bad_tools)


def test_the_run_seed_is_the_default_seed():
    async def work(task: sn.Task, ctx: sn.Context) -> str:
        c = await complete("sim/small", ask("Peru"), tools=TOOLS, ctx=ctx)
        explicit = await complete("sim/small", ask("Peru"), tools=TOOLS, seed=ctx.seed)
        assert c.tool_calls == explicit.tool_calls
        return c.tool_calls[0].id  # the call id is drawn from the request, seed included

    ids = []
    for seed in range(3):
        g = sn.TaskGraph()
        g.add("ask", id="a")
        run = run_graph(g, work, seed=seed)
        assert run.status == "completed"
        ids.append(run.tasks.set_index("id").loc["a", "result"])
    assert len(set(ids)) == 3


def test_real_model_strings_use_litellm_prices_and_drop_sim_arguments():
    plan = FaultPlan(rate_limit=5)

    async def call():
        # litellm's offline mock: the real openai/ code path, 10 prompt + 20 reply tokens.
        return await complete(
            "openai/gpt-4o-mini", ask(), mock_response="Paris.", sim_faults=plan, api_key="sk-x"
        )

    c, _ = run_virtual(call)
    p_in, p_out = price_per_token("openai/gpt-4o-mini")
    assert p_in > 0 and p_out > p_in
    assert c.content == "Paris." and plan.injected == []
    assert (c.tokens_in, c.tokens_out) == (10, 20)
    assert c.cost_usd == pytest.approx(10 * p_in + 20 * p_out)
