"""The fast in-process path for ``sim/`` calls gives the same episodes, event for event."""

import pydantic
import pytest

import swarmnb as sn
from swarmnb.models import (
    complete,
    fast_sim_enabled,
    inject_faults,
    sim_fast_path,
)
from swarmnb.models.fast_sim import use_fast
from swarmnb.scenarios import DeepSearch, MixedCoding, WideSearch


def events(policy, scenario, seed, *, fast):
    with sim_fast_path(fast):
        swarm = sn.Swarm(policy=policy, trace=None, learn=False)
        ep = swarm.solve_sync(scenario, seed=seed)
    return [{k: v for k, v in e.items() if k != "run"} for e in ep.run.events], ep.metrics


@pytest.mark.parametrize(
    ("policy", "make"),
    [
        (sn.policies.Heuristic(), lambda s: WideSearch(n_items=20, seed=s)),
        (sn.policies.Single(), lambda s: WideSearch(n_items=8, seed=s)),
        (sn.policies.Heuristic(), lambda s: DeepSearch(hops=4, seed=s)),
        (sn.policies.LLM(), lambda s: WideSearch(n_items=10, seed=s)),
        (sn.policies.Heuristic(), lambda s: MixedCoding(n_modules=4, seed=s)),
    ],
    ids=["wide-heuristic", "wide-single", "deep", "llm", "coding"],
)
def test_fast_path_traces_equal_the_litellm_path(policy, make):
    for seed in (0, 1):
        slow, slow_metrics = events(policy, make(seed), seed, fast=False)
        fast, fast_metrics = events(policy, make(seed), seed, fast=True)
        assert any(e["kind"] == "model.call" for e in slow)
        assert fast == slow
        assert fast_metrics == slow_metrics


def test_switch_is_scoped_and_off_by_default():
    assert not fast_sim_enabled()
    with sim_fast_path():
        assert fast_sim_enabled()
        with sim_fast_path(False):
            assert not fast_sim_enabled()
        assert fast_sim_enabled()
    assert not fast_sim_enabled()


def test_fast_path_steps_aside_where_litellm_behaviour_matters():
    request = {"model": "sim/small", "seed": 0}
    with sim_fast_path():
        assert use_fast(request)
        assert not use_fast({"model": "openai/gpt-4o-mini"})
        assert not use_fast({**request, "api_base": "http://127.0.0.1:1/v1"})
        assert not use_fast({**request, "sim_faults": object()})
        assert not use_fast({**request, "response_format": {"type": "json_object"}})
        with inject_faults(rate_limit=1):
            assert not use_fast(request)
    assert not use_fast(request)


async def test_injected_faults_still_surface_with_the_switch_on():
    with sim_fast_path(), inject_faults(rate_limit=1):
        c = await complete(model="sim/small", messages=[{"role": "user", "content": "hi"}])
    assert c.retries == 1 and c.content


class _Call(pydantic.BaseModel):
    id: str
    type: str
    function: dict[str, str]
    index: int | None = None


@pytest.mark.parametrize("pydantic_calls", [False, True], ids=["dict-calls", "pydantic-calls"])
async def test_a_prompt_count_handed_in_changes_nothing(pydantic_calls):
    from swarmnb.models import estimate_tokens
    from swarmnb.models.fast_sim import sim_fast_acompletion
    from tests.models_support import SEARCH

    def messages():
        call = {
            "id": "call_1",
            "type": "function",
            "function": {"name": "search", "arguments": '{"query": "capital of France"}'},
        }
        return [
            {"role": "user", "content": "search for the capital of France"},
            # litellm's clean-up dumps a pydantic call without its None fields: fewer tokens
            {"role": "assistant", "tool_calls": [_Call(**call) if pydantic_calls else call]},
            {"role": "tool", "tool_call_id": "call_1", "content": "Paris is the capital."},
        ]

    request = {"model": "sim/small", "tools": [SEARCH], "seed": 3}
    counted = estimate_tokens(messages(), [SEARCH])
    own = await sim_fast_acompletion(messages(), request)
    handed = await sim_fast_acompletion(messages(), request, counted)
    assert handed.usage == own.usage
    assert handed.choices[0].message == own.choices[0].message
