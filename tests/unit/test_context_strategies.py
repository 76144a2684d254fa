"""Context strategies — keep-all, discard-all, summarize — as the WideSearch oracle sees them."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

import swarmnb as sn
from swarmnb.orchestrator import Agent
from swarmnb.orchestrator.context_window import (
    DISCARD_NOTE,
    DiscardAll,
    KeepAll,
    Summarize,
    context_window,
    make_strategy,
)
from swarmnb.scenarios import WideSearch
from swarmnb.scenarios._conversation import SUMMARY_TAG, Conversation
from swarmnb.scenarios._grading import parse_rows

AGENT = Agent(id="agent-001", name="researcher-1", profile="small", model="sim/small",
              system_prompt="You are a careful research agent.")  # fmt: skip


class FakeCtx:
    """Enough of sn.Context for models.complete: usage, events and a seed."""

    seed = 0

    def __init__(self) -> None:
        self.usage: list[dict[str, Any]] = []
        self.events: list[tuple[str, dict[str, Any]]] = []

    def record_usage(self, **usage: Any) -> None:
        self.usage.append(usage)

    def emit(self, kind: str, **fields: Any) -> None:
        self.events.append((kind, fields))


async def played(sc: WideSearch, n_lookups: int) -> list[dict[str, Any]]:
    """A worker conversation in which the ideal agent made ``n_lookups`` tool calls."""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": AGENT.system_prompt},
        {"role": "user", "content": sc.goal},
    ]
    for turn in range(n_lookups):
        reply = sc.oracle.respond(messages, sc.tools(), accuracy=1.0, rng=random.Random(turn))
        call = reply["tool_calls"][0]
        cid = f"c{turn}"
        function = {"name": call["name"], "arguments": json.dumps(call["arguments"])}
        calls = [{"id": cid, "type": "function", "function": function}]
        messages.append({"role": "assistant", "content": None, "tool_calls": calls})
        result = await sc.call_tool(call["name"], call["arguments"])
        messages.append({"role": "tool", "tool_call_id": cid, "content": result})
    return messages


def final_rows(sc: WideSearch, messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    reply = sc.oracle.respond(messages, None, accuracy=1.0, rng=random.Random(0))
    assert not reply["tool_calls"]
    return parse_rows(reply["content"])


def test_context_window_comes_from_the_sim_profile_or_litellm() -> None:
    assert context_window("sim/small") == sn.models.SIM_PROFILES["small"].context_window
    assert context_window("sim/large") == sn.models.SIM_PROFILES["large"].context_window
    assert context_window("gpt-4o-mini") > 10_000  # from litellm's local price map
    with pytest.raises(sn.ModelError, match="window="):
        context_window("nosuchprovider/nosuchmodel")


def test_make_strategy_and_validation() -> None:
    assert isinstance(make_strategy("keep-all"), KeepAll)
    assert make_strategy("summarize", threshold=0.5).threshold == 0.5
    with pytest.raises(ValueError, match="unknown context strategy"):
        make_strategy("keep-some")
    with pytest.raises(ValueError, match="threshold"):
        DiscardAll(threshold=0.0)
    with pytest.raises(ValueError, match="keep_last"):
        Summarize(keep_last=-1)
    assert repr(Summarize(window=9000)) == "Summarize(threshold=0.8, keep_last=1, window=9000)"


async def test_keep_all_and_under_threshold_leave_the_conversation_alone() -> None:
    sc = WideSearch(n_items=5, seed=1)
    messages = await played(sc, 4)
    for strategy in (KeepAll(), DiscardAll(), Summarize()):
        out = await strategy.fit(messages, agent=AGENT, scenario=sc, ctx=FakeCtx())
        assert out is messages
        assert strategy.triggered == 0


async def test_discard_all_resets_to_the_task_and_the_oracle_starts_over() -> None:
    sc = WideSearch(n_items=5, seed=1)
    messages = await played(sc, 6)  # three companies looked up
    tokens = DiscardAll.tokens(messages, sc)
    strategy = DiscardAll(threshold=0.5, window=tokens)
    out = await strategy.fit(messages, agent=AGENT, scenario=sc, ctx=FakeCtx())
    assert out[:2] == messages[:2]
    note = DISCARD_NOTE.format(n=len(messages) - 2, last=messages[-1]["tool_call_id"])
    assert len(out) == 3 and out[2]["content"] == note
    assert strategy.triggered == 1
    # The facts went with the turns: the ideal agent searches the first company again …
    reply = sc.oracle.respond(out, sc.tools(), accuracy=1.0, rng=random.Random(0))
    assert reply["tool_calls"][0] == {"name": "search", "arguments": {"query": sc.names[0]}}
    # … and a reset conversation that only holds the note is not reset again.
    assert await strategy.fit(out, agent=AGENT, scenario=sc, ctx=FakeCtx()) is out


async def test_summarize_condenses_older_turns_with_a_counted_model_call() -> None:
    sc = WideSearch(n_items=5, seed=2)
    messages = await played(sc, 6)  # companies 0, 1, 2 opened
    strategy = Summarize(threshold=0.5, window=DiscardAll.tokens(messages, sc), keep_last=1)
    ctx = FakeCtx()
    out = await strategy.fit(messages, agent=AGENT, scenario=sc, ctx=ctx)
    assert strategy.triggered == 1
    assert [k for k, _ in ctx.events] == ["model.call"] and ctx.usage[0]["steps"] == 1
    assert out[:2] == messages[:2] and out[-2:] == messages[-2:]  # the last turn kept verbatim
    summary = out[2]["content"]
    assert summary.startswith(SUMMARY_TAG) and sc.marker not in summary
    # The summary lists the companies opened in the condensed turns (0 and 1; 2 is kept raw).
    assert [r["name"] for r in parse_rows(summary)] == sc.names[:2]
    assert DiscardAll.tokens(out, sc) < DiscardAll.tokens(messages, sc)


async def test_the_oracle_counts_summarized_facts_as_found_with_their_values() -> None:
    sc = WideSearch(n_items=4, n_attributes=2, seed=3)
    truth = sc.ground_truth
    wrong = dict(truth[1], founded="1066")  # a summary may carry a mistake; it is kept
    summary = f"{SUMMARY_TAG} found so far:\n```json\n{json.dumps([truth[0], wrong])}\n```"
    messages = [
        {"role": "system", "content": AGENT.system_prompt},
        {"role": "user", "content": sc.goal},
        {"role": "user", "content": summary},
    ]
    conv = Conversation.read(messages, marker=sc.marker)
    assert conv.summaries == [summary] and conv.task == sc.goal
    reply = sc.oracle.respond(messages, sc.tools(), accuracy=1.0, rng=random.Random(0))
    assert reply["tool_calls"][0]["arguments"] == {"query": sc.names[2]}  # skips 0 and 1
    rows = {r["name"]: r for r in final_rows(sc, messages)}
    assert set(rows) == {sc.names[0], sc.names[1]}
    assert rows[sc.names[1]]["founded"] == "1066"


@pytest.mark.parametrize(
    ("strategy", "status"),
    [(Summarize(window=1800), "completed"), (DiscardAll(window=2500), "failed")],
)
def test_a_single_agent_under_pressure(strategy: Any, status: str) -> None:
    """Summarize finishes a table wider than its window; discard-all forgets and runs out.

    The summarizing agent condenses several times in a row; each summary must carry every fact
    found so far (each request names what it covers, so no stale parse is reused).
    """
    swarm = sn.Swarm(policy=sn.policies.Single(), context_strategy=strategy, trace=None,
                     max_single_agent_steps=120)  # fmt: skip
    ep = swarm.solve_sync(WideSearch(n_items=16, seed=0), seed=0)
    assert strategy.triggered >= 1
    assert ep.status == status
    if status == "completed":
        assert strategy.triggered >= 3
        assert ep.metrics["item_f1"] > 0.3
    else:
        assert "StepLimitReached" in ep.tasks["error"].iloc[0]
        assert ep.metrics["item_f1"] == 0.0
