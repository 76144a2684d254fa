"""Malformed output is repaired (the model is shown its mistake) or fails with a typed error."""

from __future__ import annotations

import json

import pydantic
import pytest

from swarmnb.models import FaultPlan, complete, simulate
from swarmnb.models.structured import (
    REPAIR_PREFIX,
    InvalidOutput,
    parse_structured,
    parse_tool_calls,
)
from swarmnb.oracle import marker, register_oracle
from swarmnb.runtime.errors import ModelError, StructuredOutputError
from tests.models_support import TOOLS, ask, run_virtual


class Answer(pydantic.BaseModel):
    city: str
    confidence: float


class FixedOracle:
    def __init__(self, key: str, content: str) -> None:
        self.key = key
        self.content = content

    def respond(self, messages, tools, *, accuracy, rng):
        return {"content": self.content, "tool_calls": []}


register_oracle(FixedOracle("prose-test", "I am fairly sure it is Paris."))
register_oracle(FixedOracle("fenced-test", '```json\n{"city": "Paris", "confidence": 0.9}\n```'))


def _call(name: str, arguments: str, call_id: str = "c1") -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def test_valid_tool_calls_parse_into_dicts():
    msg = {
        "content": None,
        "tool_calls": [
            _call("search", '{"query": "owls", "k": 2}'),
            _call("open_page", '{"page": 4}', "c2"),
        ],
    }
    calls = parse_tool_calls(msg, TOOLS)
    assert [(c.name, c.arguments) for c in calls] == [
        ("search", {"query": "owls", "k": 2}),
        ("open_page", {"page": 4}),
    ]


@pytest.mark.parametrize(
    ("name", "arguments", "problem"),
    [
        ("search", '{"query": "ow', "not valid JSON"),
        ("serach", '{"query": "owls"}', "unknown tool 'serach'"),
        ("search", '{"query": "owls", "k": "two"}', "search.k: 'two' is not of type 'integer'"),
        ("search", '{"k": 2}', "'query' is a required property"),
        ("open_page", "[4]", "must be a JSON object"),
    ],
)
def test_bad_tool_calls_are_named_and_come_with_a_repair_turn(name, arguments, problem):
    msg = {
        "content": None,
        "tool_calls": [_call(name, arguments), _call("open_page", '{"page": 1}', "c2")],
    }
    with pytest.raises(InvalidOutput) as info:
        parse_tool_calls(msg, TOOLS)
    bad = info.value
    assert any(problem in p for p in bad.problems)
    assistant, *answers = bad.repair
    assert assistant["role"] == "assistant"
    for call in assistant["tool_calls"]:  # echoed arguments are always parsable JSON
        json.loads(call["function"]["arguments"])
    assert [a["tool_call_id"] for a in answers] == ["c1", "c2"]
    assert all(a["role"] == "tool" and a["content"].startswith(REPAIR_PREFIX) for a in answers)
    assert problem in answers[0]["content"] and "not run" in answers[1]["content"]


def test_tool_calls_without_tools_are_invalid():
    with pytest.raises(InvalidOutput, match="unknown tool"):
        parse_tool_calls({"tool_calls": [_call("search", "{}")]}, None)


@pytest.mark.parametrize("kind", ["bad_json", "unknown_tool", "wrong_type"])
def test_one_malformed_reply_is_repaired(kind):
    plan = FaultPlan(malformed=1, malformed_kind=kind)

    async def call():
        return await complete("sim/small", ask(), tools=TOOLS, sim_faults=plan)

    c, _ = run_virtual(call)
    assert plan.injected == ["malformed"]
    assert c.repairs == 1 and c.calls == 2
    assert c.tool_calls[0].name == "search"
    assert c.tool_calls[0].arguments["query"] == "capital of France"
    single = simulate("sim/small", ask(), tools=TOOLS, seed=0)
    assert c.tokens_in > single.tokens_in  # both calls were billed, the repair turn is longer


def test_output_still_malformed_after_three_repairs_raises_a_typed_error():
    plan = FaultPlan(malformed=10)

    async def call():
        return await complete("sim/small", ask(), tools=TOOLS, sim_faults=plan)

    with pytest.raises(StructuredOutputError, match="not valid JSON") as info:
        run_virtual(call)
    assert isinstance(info.value, ModelError)
    assert len(plan.injected) == 4  # the reply and three repairs


def test_response_model_is_validated_and_returned_parsed():
    async def call():
        return await complete(
            "sim/medium", [{"role": "user", "content": "Which city?"}], response_model=Answer
        )

    c, _ = run_virtual(call)
    assert isinstance(c.parsed, Answer)
    assert json.loads(c.content) == c.parsed.model_dump()


def test_fenced_json_is_accepted():
    async def call():
        return await complete(
            "sim/small", [{"role": "user", "content": marker("fenced-test")}], response_model=Answer
        )

    c, _ = run_virtual(call)
    assert c.parsed == Answer(city="Paris", confidence=0.9) and c.repairs == 0


def test_prose_instead_of_json_fails_after_the_repairs():
    async def call():
        return await complete(
            "sim/small", [{"role": "user", "content": marker("prose-test")}], response_model=Answer
        )

    with pytest.raises(StructuredOutputError, match="3 repair turns"):
        run_virtual(call)


def test_truncated_json_answer_is_repaired():
    plan = FaultPlan(malformed=1)

    async def call():
        return await complete(
            "sim/small",
            [{"role": "user", "content": "Which city?"}],
            response_model=Answer,
            sim_faults=plan,
        )

    c, _ = run_virtual(call)
    assert c.repairs == 1 and isinstance(c.parsed, Answer)


def test_parse_structured_names_the_bad_fields():
    with pytest.raises(InvalidOutput) as info:
        parse_structured('{"city": 3}', Answer)
    text = " ".join(info.value.problems)
    assert "city" in text and "confidence" in text
    assert info.value.repair[-1]["content"].startswith(REPAIR_PREFIX)


def test_small_models_sometimes_fumble_tool_calls_on_their_own():
    bad = 0
    for i in range(400):
        msgs = [{"role": "user", "content": f"search for item {i}"}]
        out = simulate("sim/small", msgs, tools=TOOLS, seed=i)
        message = {
            "content": out.content,
            "tool_calls": [_call(c.name, c.arguments, c.id) for c in out.tool_calls],
        }
        try:
            parse_tool_calls(message, TOOLS)
        except InvalidOutput:
            bad += 1
    assert 0 < bad < 40  # malformed_rate is 3 %: rare, but it happens
