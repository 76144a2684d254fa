"""Shared scenario machinery: tool schemas, tool errors, conversations, parsers, orchestrator."""

from __future__ import annotations

import json
import random
from types import SimpleNamespace
from typing import Any

import pytest

import swarmnb as sn
from swarmnb.oracle import find_oracle
from swarmnb.runtime.errors import SwarmError
from swarmnb.scenarios import (
    ORCHESTRATOR_TOOLS,
    DeepSearch,
    MixedCoding,
    ScenarioError,
    Subtask,
    ToolError,
    WideSearch,
    play,
)
from swarmnb.scenarios._conversation import Conversation
from swarmnb.scenarios._grading import norm_value, parse_final_answer, parse_rows


@pytest.fixture(params=["wide", "deep", "coding"])
async def scenario(request: pytest.FixtureRequest) -> Any:
    sc = {
        "wide": lambda: WideSearch(n_items=12, n_attributes=3, seed=5),
        "deep": lambda: DeepSearch(hops=4, seed=5),
        "coding": lambda: MixedCoding(n_modules=5, seed=5),
    }[request.param]()
    async with sc:
        yield sc


def test_public_names_from_the_package() -> None:
    assert sn.scenarios.WideSearch is WideSearch
    assert issubclass(ToolError, SwarmError)
    assert issubclass(ScenarioError, SwarmError) and issubclass(ScenarioError, ValueError)


def test_tool_schemas_are_valid_openai_function_schemas(scenario: Any) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    tools = scenario.tools()
    names = [t["function"]["name"] for t in tools]
    assert len(names) == len(set(names)) and names
    for tool in tools:
        assert tool["type"] == "function"
        fn = tool["function"]
        assert fn["description"].strip()
        params = fn["parameters"]
        jsonschema.Draft202012Validator.check_schema(params)
        assert params["type"] == "object"
        assert set(params["required"]) <= set(params["properties"])
        for prop in params["properties"].values():
            assert prop["type"] == "string" and prop["description"]
    assert scenario.tools() is not tools  # a fresh copy each time, safe to mutate


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({}, "missing"),
        ({"bogus": "x"}, "unexpected"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
    ],
)
async def test_bad_arguments_raise_tool_error(scenario: Any, args: Any, fragment: str) -> None:
    name = scenario.tools()[0]["function"]["name"]
    with pytest.raises(ToolError, match=fragment) as info:
        await scenario.call_tool(name, args)
    assert info.value.tool == name


async def test_non_string_argument_and_unknown_tool_raise(scenario: Any) -> None:
    tool = scenario.tools()[0]["function"]
    first = tool["parameters"]["required"][0]
    with pytest.raises(ToolError, match="must be a string"):
        await scenario.call_tool(tool["name"], {p: 1 for p in tool["parameters"]["required"]})
    with pytest.raises(ToolError, match="unknown tool 'fly'"):
        await scenario.call_tool("fly", {first: "x"})


def test_constructors_reject_bad_parameters() -> None:
    for build in (
        lambda: WideSearch(n_items=0),
        lambda: WideSearch(n_attributes=99),
        lambda: WideSearch(n_distractors=-1),
        lambda: WideSearch(seed="0"),  # type: ignore[arg-type]
        lambda: DeepSearch(hops=0),
        lambda: MixedCoding(n_modules=0),
        lambda: MixedCoding(test_timeout=0),
    ):
        with pytest.raises(ScenarioError):
            build()
    with pytest.raises(TypeError):
        WideSearch(10)  # type: ignore[misc]  # keyword-only


def test_split_rejects_bad_width(scenario: Any) -> None:
    for width in (0, -1, 1.5, True):
        with pytest.raises(ScenarioError):
            scenario.split(width)


def test_every_prompt_carries_the_marker_and_finds_the_oracle(scenario: Any) -> None:
    prompts = [scenario.goal, scenario.merge_prompt({"x": "y"})]
    prompts += [s.prompt for s in scenario.split(3)]
    for prompt in prompts:
        assert scenario.marker in prompt
        assert find_oracle([{"role": "user", "content": prompt}]) is scenario.oracle
    assert scenario.key != WideSearch(n_items=12, n_attributes=3, seed=6).key


def test_keys_are_unique_per_class_parameters_and_seed() -> None:
    keys = {
        WideSearch(n_items=10, seed=0).key,
        WideSearch(n_items=11, seed=0).key,
        WideSearch(n_items=10, n_attributes=3, seed=0).key,
        WideSearch(n_items=10, seed=1).key,
        DeepSearch(hops=3, seed=0).key,
        DeepSearch(hops=4, seed=0).key,
        MixedCoding(n_modules=3, seed=0).key,
    }
    assert len(keys) == 7
    assert WideSearch(n_items=10, seed=0).key == WideSearch(n_items=10, seed=0).key


def test_features_are_numeric_and_consistent(scenario: Any) -> None:
    f = scenario.features()
    for key in ("n_items", "n_attributes", "depth", "width_max", "est_steps_single"):
        assert isinstance(f[key], int | float)
    assert 1 <= f["depth"] <= f["n_items"]
    assert 1 <= f["width_max"] <= f["n_items"]
    assert f["default_width"] == scenario.default_width >= 1
    assert f["est_steps_single"] > f["n_items"]


def test_subtask_render_appends_only_dependency_results() -> None:
    sub = Subtask(id="b", prompt="do b", deps=("a",), items=("b",))
    assert sub.render(None) == "do b"
    text = sub.render({"a": "A says 1", "z": "unrelated"})
    assert text.startswith("do b") and "A says 1" in text and "unrelated" not in text
    assert "deps=['a']" in repr(sub)


def test_to_graph_builds_a_valid_task_graph(scenario: Any) -> None:
    graph = scenario.to_graph(3)
    graph.validate()
    subs = scenario.split(3)
    assert [t.id for t in graph] == [s.id for s in subs]
    for task, sub in zip(graph, subs, strict=True):
        assert task.deps == sub.deps and task.meta["items"] == sub.items


def test_conversation_reads_dicts_objects_and_grows_incrementally() -> None:
    marker = "[scenario:t-1]"
    messages: list[Any] = [
        {"role": "system", "content": "be brief"},
        SimpleNamespace(role="user", content=f"{marker} do it"),
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "function": {"name": "search", "arguments": '{"query": "a"}'}},
                SimpleNamespace(
                    id="c2", function=SimpleNamespace(name="open_page", arguments={"url": "u"})
                ),
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "results"},
        {"role": "tool", "tool_call_id": "c2", "content": "Error: no page"},
    ]
    conv = Conversation.read(messages[:3], marker=marker)
    assert conv.task.endswith("do it") and conv.system == "be brief"
    assert [c.result for c in conv.calls] == [None, None]
    conv = Conversation.read(messages, marker=marker)  # the same conversation, grown
    assert [(c.name, c.arg("query") or c.arg("url"), c.ok) for c in conv.calls] == [
        ("search", "a", True),
        ("open_page", "u", False),
    ]
    fresh = Conversation.read([dict(m) if isinstance(m, dict) else m for m in messages],
                              marker=marker)  # fmt: skip
    assert [(c.name, c.result) for c in fresh.calls] == [(c.name, c.result) for c in conv.calls]


def test_table_parsing_is_lenient() -> None:
    rows = [{"name": "A", "x": "1"}]
    for text in (
        "```json\n" + json.dumps(rows) + "\n```",
        "Here you go: " + json.dumps(rows) + " — done.",
        json.dumps({"rows": rows}),
        json.dumps({"A": {"x": "1"}}),
        "| Name | X |\n|---|---|\n| A | 1 |",
        [{"Entity": "A", "X": 1}],
    ):
        assert parse_rows(text) == [{"name": "A", "x": "1"}], text
    for junk in (None, "", "no table here", 42, [1, 2], {"x": 1}, "```json\n[{bad\n```"):
        assert parse_rows(junk) == []


def test_values_and_final_answers_normalise() -> None:
    assert norm_value("1,234") == norm_value(" 1234 ") == norm_value("1234.0")
    assert norm_value("**Port Velin**.") == norm_value("port velin")
    assert norm_value("12.5") != norm_value("12")
    assert parse_final_answer("thinking...\nANSWER: Mara Quell") == "Mara Quell"
    assert parse_final_answer("Final answer: **X**\nanswer: Y") == "Y"
    assert parse_final_answer("just\nthe name\n") == "the name"
    assert parse_final_answer(None) == ""


# -- the ideal orchestrator -----------------------------------------------------------------
def _assistant(turn: int, calls: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": f"t{turn}-{i}",
                "type": "function",
                "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])},
            }
            for i, c in enumerate(calls)
        ],
    }


def _respond(sc: Any, messages: list[dict[str, Any]]) -> Any:
    return sc.oracle.respond(messages, ORCHESTRATOR_TOOLS, accuracy=1.0, rng=random.Random(0))


def test_orchestrator_creates_then_assigns_independent_subtasks_in_one_turn() -> None:
    sc = WideSearch(n_items=40, seed=2)
    messages: list[dict[str, Any]] = [{"role": "user", "content": sc.goal}]
    first = _respond(sc, messages)
    assert [c["name"] for c in first["tool_calls"]] == ["create_subagent"]
    messages += [_assistant(1, first["tool_calls"])]
    messages += [{"role": "tool", "tool_call_id": "t1-0", "content": "created"}]
    second = _respond(sc, messages)
    assigns = second["tool_calls"]
    assert len(assigns) == sc.default_width == 8
    assert {c["arguments"]["prompt"] for c in assigns} == {s.prompt for s in sc.split(8)}
    assert {c["arguments"]["agent"] for c in assigns} == {"researcher"}


def test_orchestrator_width_follows_instructions() -> None:
    sc = WideSearch(n_items=40, seed=2)
    created = [
        _assistant(1, [{"name": "create_subagent", "arguments": {"name": "r"}}]),
        {"role": "tool", "tool_call_id": "t1-0", "content": "ok"},
    ]
    for instruction, width in (("Use at most 3 subagents.", 3), ("Use 5 subagents.", 5)):
        messages = [
            {"role": "system", "content": instruction},
            {"role": "user", "content": sc.goal},
            *created,
        ]
        assert len(_respond(sc, messages)["tool_calls"]) == width


def test_orchestrator_reassigns_a_failure_once_then_gives_up_with_dependents() -> None:
    sc = DeepSearch(hops=3, seed=1)
    subs = sc.split(3)
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "Use 3 subagents."},
        {"role": "user", "content": sc.goal},
        _assistant(1, [{"name": "create_subagent", "arguments": {"name": "r"}}]),
        {"role": "tool", "tool_call_id": "t1-0", "content": "ok"},
    ]
    for turn in (2, 3):
        reply = _respond(sc, messages)
        assert [c["arguments"]["prompt"] for c in reply["tool_calls"]] == [subs[0].prompt]
        messages += [_assistant(turn, reply["tool_calls"])]
        messages += [{"role": "tool", "tool_call_id": f"t{turn}-0", "content": "Error: boom"}]
    final = _respond(sc, messages)
    assert final["tool_calls"] == [] and sc.grade(final["content"])["success_rate"] == 0.0


async def test_play_single_and_orchestrated_reach_a_perfect_answer(scenario: Any) -> None:
    single = await play(scenario, accuracy=1.0, seed=1)
    assert single.scores["success_rate"] == 1.0
    assert single.steps == scenario.features()["est_steps_single"]
    if isinstance(scenario, MixedCoding):
        scenario.reset()
        assert scenario.grade(None)["pass_at_1"] == 0.0
    swarm = await play(scenario, accuracy=1.0, seed=1, orchestrate=True)
    assert swarm.scores["success_rate"] == 1.0
    assert len(swarm.sub_steps) == len(scenario.split(scenario.default_width))
    assert max(swarm.sub_steps) <= single.steps


async def test_merge_prompt_is_answered_with_the_merged_result() -> None:
    sc = WideSearch(n_items=6, seed=3)
    truth = sc.ground_truth
    parts = {"wide-1": sc.format_answer(truth[:3]), "wide-2": sc.format_answer(truth[3:])}
    reply = sc.oracle.respond(
        [{"role": "user", "content": sc.merge_prompt(parts)}],
        None,
        accuracy=0.0,
        rng=random.Random(0),
    )
    assert reply["tool_calls"] == [] and sc.grade(reply["content"])["success_rate"] == 1.0


def test_conversations_sharing_a_first_message_stay_apart() -> None:
    marker = "[scenario:t-2]"
    head = [{"role": "system", "content": "same for all"}]

    def convo(task: str, query: str) -> list[dict[str, Any]]:
        call = {"id": "c1", "function": {"name": "search", "arguments": {"query": query}}}
        return [
            *head,
            {"role": "user", "content": f"{marker} {task}"},
            {"role": "assistant", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": f"found {query}"},
        ]

    a, b = convo("task a", "alpha"), convo("task b", "beta")
    for _ in range(2):  # the second round reads the remembered conversations
        ca = Conversation.read([dict(m) for m in a], marker=marker)
        cb = Conversation.read([dict(m) for m in b], marker=marker)
        assert (ca.task, ca.calls[0].result) == (f"{marker} task a", "found alpha")
        assert (cb.task, cb.calls[0].result) == (f"{marker} task b", "found beta")
    shorter = Conversation.read(a[:2], marker=marker)  # a trimmed context is read afresh
    assert shorter.calls == []


def test_repr_rebuilds_the_same_scenario(scenario: Any) -> None:
    rebuilt = eval(repr(scenario), {"WideSearch": WideSearch, "DeepSearch": DeepSearch,
                                    "MixedCoding": MixedCoding})  # fmt: skip
    assert rebuilt.key == scenario.key and rebuilt.ground_truth == scenario.ground_truth
