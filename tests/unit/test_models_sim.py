"""The sim/ provider inside litellm: OpenAI-format replies, tokens, prices, determinism."""

from __future__ import annotations

import asyncio
import json

import pydantic
import pytest

from swarmnb.models import SIM_PROFILES, complete, estimate_tokens, simulate
from swarmnb.models._litellm import litellm
from swarmnb.models.provider import SimProvider, register_sim_provider
from swarmnb.models.sim import resolve_profile, strip_repairs
from swarmnb.models.structured import REPAIR_PREFIX
from swarmnb.runtime.errors import ModelError, RetryableError
from tests.models_support import ORACLE, TOOLS, ask, run_virtual


async def test_acompletion_on_sim_returns_openai_tool_calls_and_usage():
    messages = [{"role": "user", "content": "please search for the tallest building"}]
    r = await litellm.acompletion(
        model="sim/small", messages=messages, tools=TOOLS, seed=1, sim_latency_scale=0
    )
    choice = r.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls
    assert call.type == "function" and call.function.name == "search"
    assert call.id.startswith("call_")
    args = json.loads(call.function.arguments)
    assert isinstance(args["query"], str) and args["query"]
    assert r.usage.prompt_tokens == estimate_tokens(messages, TOOLS)
    assert r.usage.completion_tokens > 0
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens


async def test_text_reply_when_the_prompt_asks_nothing_tool_related():
    messages = [{"role": "user", "content": "Summarise why the sky is blue"}]
    r = await litellm.acompletion(
        model="sim/medium", messages=messages, tools=TOOLS, seed=0, sim_latency_scale=0
    )
    assert r.choices[0].finish_reason == "stop"
    assert not r.choices[0].message.tool_calls
    assert "sky is blue" in r.choices[0].message.content


async def test_after_a_tool_result_the_generic_sim_answers_in_text():
    messages = [
        {"role": "user", "content": "search for pandas"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "search", "arguments": '{"query": "pandas"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "Pandas eat bamboo."},
    ]
    c = await complete("sim/small", messages, tools=TOOLS, sim_latency_scale=0)
    assert c.tool_calls == [] and "bamboo" in c.content


def test_same_request_same_reply_and_seeds_vary_it():
    replies = {seed: simulate("sim/small", ask("Peru"), seed=seed).content for seed in range(12)}
    again = {seed: simulate("sim/small", ask("Peru"), seed=seed).content for seed in range(12)}
    assert replies == again
    assert len(set(replies.values())) > 1  # the oracle's rng draws depend on the seed


async def test_in_process_provider_is_deterministic_per_seed():
    async def reply(seed: int) -> tuple[str, str]:
        r = await litellm.acompletion(
            model="sim/large", messages=ask("Kenya"), tools=TOOLS, seed=seed, sim_latency_scale=0
        )
        call = r.choices[0].message.tool_calls[0]
        return call.id, call.function.arguments

    assert await reply(3) == await reply(3)
    assert (await reply(3))[0] != (await reply(4))[0]


def test_oracle_gets_the_profile_accuracy_for_the_context_fill():
    ORACLE.seen.clear()
    short = simulate("sim/small", ask(), seed=0)
    padding = {"role": "user", "content": "filler " * 12_000}  # 84k chars ≈ 21k tokens
    long = simulate("sim/small", [padding, *ask()], seed=0)
    first, second = ORACLE.seen
    small = SIM_PROFILES["small"]
    assert first["accuracy"] == pytest.approx(small.accuracy(short.tokens_in))
    assert second["accuracy"] == pytest.approx(small.accuracy(long.tokens_in))
    assert second["accuracy"] < first["accuracy"]
    assert simulate("sim/large", ask(), seed=0).accuracy > short.accuracy


@pytest.mark.parametrize("name", sorted(SIM_PROFILES))
def test_accuracy_formula_falls_from_base_to_the_floor(name):
    p = SIM_PROFILES[name]
    fills = [0, p.context_window // 4, p.context_window // 2, p.context_window]
    accs = [p.accuracy(t) for t in fills]
    assert accs[0] == pytest.approx(p.base_accuracy)
    assert accs == sorted(accs, reverse=True) and accs[1] > accs[-1]
    assert accs[-1] == pytest.approx(p.base_accuracy * (1 - p.context_drop))
    assert p.accuracy(10 * p.context_window) == pytest.approx(accs[-1])  # clamped


def test_prompt_past_the_context_window_is_refused_for_good():
    too_long = [{"role": "user", "content": "x" * (4 * SIM_PROFILES["small"].context_window)}]

    async def call():
        return await complete("sim/small", too_long, max_retries=3)

    with pytest.raises(ModelError, match="context window") as info:
        run_virtual(call)
    assert not isinstance(info.value, RetryableError)
    assert isinstance(info.value.__cause__, litellm.ContextWindowExceededError)


def test_latency_is_slept_on_the_loop_clock():
    expected = simulate("sim/large", ask(), tools=TOOLS, seed=7).latency_s

    async def call():
        return await litellm.acompletion(model="sim/large", messages=ask(), tools=TOOLS, seed=7)

    _, elapsed = run_virtual(call)
    assert elapsed >= expected > 0


def test_bigger_profiles_are_slower_and_dearer_for_the_same_request():
    msgs = [{"role": "user", "content": "Tell me about rivers " * 50}]
    outs = {n: simulate(f"sim/{n}", msgs, seed=0) for n in ("small", "medium", "large")}
    mean = {n: SIM_PROFILES[n].mean_latency(o.tokens_in, o.tokens_out) for n, o in outs.items()}
    assert mean["small"] < mean["medium"] < mean["large"]
    price = {n: SIM_PROFILES[n].output_cost_per_token for n in outs}
    assert price["small"] < price["medium"] < price["large"]


async def test_cost_follows_the_sim_price_table():
    c = await complete("sim/medium", ask("Japan"), tools=TOOLS, sim_latency_scale=0)
    p = SIM_PROFILES["medium"]
    expected = c.tokens_in * p.input_cost_per_token + c.tokens_out * p.output_cost_per_token
    assert c.cost_usd == pytest.approx(expected) and c.cost_usd > 0


def test_model_names_resolve_and_unknown_ones_are_rejected():
    assert resolve_profile("sim/orchestrator").name == "orchestrator"
    assert resolve_profile("openai/sim-medium").name == "medium"

    async def call():
        return await complete("sim/huge", ask())

    with pytest.raises(ModelError, match="unknown sim model"):
        run_virtual(call)


def test_registration_appends_to_other_custom_providers():
    other = {"provider": "elsewhere", "custom_handler": SimProvider()}
    saved = litellm.custom_provider_map
    try:
        litellm.custom_provider_map = [other]
        register_sim_provider()
        register_sim_provider()
        providers = [item["provider"] for item in litellm.custom_provider_map]
        assert providers == ["elsewhere", "sim"]
    finally:
        litellm.custom_provider_map = saved


def test_structured_request_without_oracle_gets_schema_shaped_json():
    class Plan(pydantic.BaseModel):
        steps: list[str]
        width: int

    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "Plan", "schema": Plan.model_json_schema()},
    }
    out = simulate(
        "sim/small", [{"role": "user", "content": "plan a trip"}], response_format=fmt, seed=0
    )
    plan = Plan.model_validate_json(out.content)
    assert plan.width >= 1 and plan.steps


def test_repair_turns_are_stripped_before_the_sim_answers_again():
    base = ask()
    bad = {"role": "assistant", "content": "{oops"}
    note = {"role": "user", "content": REPAIR_PREFIX + "that was not JSON"}
    stripped, n = strip_repairs([*base, bad, note, bad, note])
    assert stripped == base and n == 2
    assert strip_repairs(base) == (base, 0)


def test_tool_choice_none_suppresses_tool_calls():
    out = simulate(
        "sim/small",
        [{"role": "user", "content": "search for owls"}],
        tools=TOOLS,
        tool_choice="none",
        seed=0,
    )
    assert out.tool_calls == () and out.content and out.finish_reason == "stop"


def test_many_concurrent_calls_take_simulated_time_only():
    # Many concurrent large-model calls complete at CPU speed on a virtual loop.
    async def many():
        return await asyncio.gather(
            *[complete("sim/large", [{"role": "user", "content": f"q{i}"}]) for i in range(20)]
        )

    results, elapsed = run_virtual(many)
    assert len(results) == 20
    assert elapsed >= max(r.latency_s for r in results)


def test_max_tokens_cuts_a_long_text_reply():
    msgs = [{"role": "user", "content": "word " * 200}]
    full = simulate("sim/small", msgs, seed=0)
    cut = simulate("sim/small", msgs, seed=0, max_tokens=5)
    assert full.finish_reason == "stop" and cut.finish_reason == "length"
    assert cut.tokens_out <= 5 < full.tokens_out
    assert full.content.startswith(cut.content)


def test_request_hash_assembled_per_message_equals_hashing_the_whole_request():
    from swarmnb.models.sim import _digest, _request_digest

    call = {"id": "call_1", "type": "function", "function": {"name": "search", "arguments": "{}"}}
    turns = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": 'é "quoted" \u2028 line'},
        {"role": "assistant", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "ERROR: nothing"},
        {"role": "user", "content": "x", "n": 1, "flag": True, "none": None},
        {"role": "user", "content": "x", "n": True},  # equal to the line above under ==
    ]
    for seed in (0, 7, 2.5):
        for base in ([], turns[:2], turns, turns[::-1]):
            for _ in range(2):  # the second time from the remembered message texts
                expected = _digest(seed, "small", base, TOOLS, 1)
                assert _request_digest(seed, "small", base, TOOLS, 1) == expected
                assert _request_digest(seed, "small", base, None, 0) == _digest(
                    seed, "small", base, None, 0
                )


def test_remembered_tool_json_follows_a_schema_edited_in_place():
    import copy

    from swarmnb.models._tools_json import tools_json

    tools = copy.deepcopy(TOOLS)
    first = tools_json(tools)
    assert first == (
        json.dumps(tools, sort_keys=True),
        json.dumps(tools, sort_keys=True, separators=(",", ":")),
    )
    assert tools_json(list(tools)) == first  # the same dicts in a new list: remembered
    tools[0]["function"]["parameters"]["properties"]["query"]["type"] = "integer"
    edited = tools_json(tools)
    assert edited != first and edited[0] == json.dumps(tools, sort_keys=True)
    assert estimate_tokens([{"role": "user", "content": "hi"}], tools) > 0


def test_tool_calls_key_only_for_plain_text_calls():
    from swarmnb.models.tokens import tool_calls_key

    call = {"id": "c1", "type": "function", "function": {"name": "search", "arguments": "{}"}}
    assert tool_calls_key([call]) == (("c1", "function", "search", "{}"),)
    assert tool_calls_key((call,)) is None
    assert tool_calls_key([{**call, "index": 0}]) is None  # more fields: JSON not fixed by key
    assert tool_calls_key([{**call, "id": 1}]) is None
    assert tool_calls_key([{**call, "function": {"name": "search", "arguments": {}}}]) is None
    assert tool_calls_key([{**call, "function": {"name": "search"}}]) is None
