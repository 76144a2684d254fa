"""WideSearch: corpus, distractors, tools, split/merge, grader math and the ideal agent."""

from __future__ import annotations

import json
import random
import statistics

import pytest

from swarmnb.scenarios import ToolError, WideSearch, play
from swarmnb.scenarios._corpus import norm_title


def _search(sc: WideSearch, query: str) -> list[dict[str, str]]:
    return sc._corpus.search(query)


def test_same_seed_same_world_other_seed_other_world() -> None:
    a, b = WideSearch(n_items=30, seed=4), WideSearch(n_items=30, seed=4)
    assert a.ground_truth == b.ground_truth
    assert _search(a, a.names[7]) == _search(b, b.names[7])
    assert a._corpus.render(a.urls[7]) == b._corpus.render(b.urls[7])
    c = WideSearch(n_items=30, seed=5)
    assert c.ground_truth != a.ground_truth
    assert len({norm_title(n) for n in a.names}) == 30  # names are unique


def test_ground_truth_states_every_attribute() -> None:
    sc = WideSearch(n_items=5, n_attributes=6, seed=1)
    keys = ["name", *(a.key for a in sc.attributes)]
    assert [list(row) for row in sc.ground_truth] == [keys] * 5
    assert all(value for row in sc.ground_truth for value in row.values())


async def test_search_shows_the_true_page_among_look_alikes_with_wrong_values() -> None:
    sc = WideSearch(n_items=20, n_attributes=4, n_distractors=3, seed=2)
    true_first = 0
    for i, name in enumerate(sc.names):
        found = json.loads(await sc.call_tool("search", {"query": name}))
        urls = [r["url"] for r in found["results"]]
        assert sc.urls[i] in urls
        # look-alikes share the distinctive first word; searching for it shows all of them
        root = name.split()[0]
        by_root = json.loads(await sc.call_tool("search", {"query": root}))["results"]
        look_alikes = [r for r in by_root if root in r["title"].split() and r["title"] != name]
        assert len(look_alikes) == 3
        assert any(r in found["results"] for r in look_alikes)
        true_page = await sc.call_tool("open_page", {"url": sc.urls[i]})
        for attr in sc.attributes:
            assert f"{attr.label}: {sc.ground_truth[i][attr.key]}" in true_page
        for other in look_alikes:
            text = await sc.call_tool("open_page", {"url": other["url"]})
            for attr in sc.attributes:  # every value on a look-alike page is wrong
                assert f"{attr.label}: {sc.ground_truth[i][attr.key]}\n" not in text + "\n"
        true_first += urls[0] == sc.urls[i]
    assert 0 < true_first < 20  # ranking does not give the answer away


async def test_tool_results_for_unknown_pages_and_empty_queries() -> None:
    sc = WideSearch(n_items=3, seed=0)
    assert (await sc.call_tool("open_page", {"url": "https://nowhere.example/x"})).startswith(
        "Error: no page"
    )
    assert json.loads(await sc.call_tool("search", {"query": "zzzqqq"}))["results"] == []
    with pytest.raises(ToolError, match="must not be empty"):
        await sc.call_tool("search", {"query": "   "})


def test_goal_lists_every_company_and_the_answer_format() -> None:
    sc = WideSearch(n_items=25, seed=3)
    for name in sc.names:
        assert f"- {name}\n" in sc.goal
    assert "```json" in sc.goal and '"name"' in sc.goal
    for attr in sc.attributes:
        assert f'"{attr.key}"' in sc.goal


@pytest.mark.parametrize(("n", "width"), [(10, 1), (10, 3), (10, 10), (10, 50), (101, 20)])
def test_split_partitions_items_contiguously(n: int, width: int) -> None:
    sc = WideSearch(n_items=n, seed=0)
    parts = sc.split(width)
    assert len(parts) == min(width, n)
    flat = [item for p in parts for item in p.items]
    assert flat == sc.names  # every item exactly once, in order
    sizes = [len(p.items) for p in parts]
    assert max(sizes) - min(sizes) <= 1
    assert all(p.deps == () for p in parts)
    assert len({p.id for p in parts}) == len(parts)
    for p in parts:
        assert all(f"- {name}\n" in p.prompt for name in p.items)
        assert sum(f"- {name}\n" in p.prompt for name in sc.names) == len(p.items)


def _grade(sc: WideSearch, rows: list[dict[str, str]]) -> dict[str, float]:
    return sc.grade(sc.format_answer(rows))


def test_grader_math_on_hand_built_answers() -> None:
    sc = WideSearch(n_items=4, n_attributes=2, seed=9)
    gold = sc.ground_truth
    assert _grade(sc, gold) == {"item_f1": 1.0, "row_f1": 1.0, "success_rate": 1.0}
    # three rows, one wrong cell: cells 5 right of 6 given, 8 gold; rows 2 right of 3, 4 gold
    rows = [dict(r) for r in gold[:3]]
    rows[0]["founded"] = "1"
    scores = _grade(sc, rows)
    p, r = 5 / 6, 5 / 8
    assert scores["item_f1"] == pytest.approx(2 * p * r / (p + r))
    p, r = 2 / 3, 2 / 4
    assert scores["row_f1"] == pytest.approx(2 * p * r / (p + r))
    assert scores["success_rate"] == 0.0
    # an empty cell is not a prediction: precision stays 1, recall drops
    rows = [dict(r) for r in gold]
    rows[1]["headquarters"] = ""
    scores = _grade(sc, rows)
    assert scores["item_f1"] == pytest.approx(2 * 1 * (7 / 8) / (1 + 7 / 8))
    assert scores["success_rate"] == 0.0


def test_extra_or_repeated_rows_cost_precision_and_success() -> None:
    sc = WideSearch(n_items=4, n_attributes=2, seed=9)
    gold = sc.ground_truth
    for extra in ({"name": "Nobody Inc", "founded": "1", "headquarters": "x"}, gold[0]):
        scores = _grade(sc, [*gold, extra])
        assert scores["success_rate"] == 0.0
        assert scores["item_f1"] < 1.0 and scores["row_f1"] < 1.0


def test_answers_in_other_shapes_grade_the_same() -> None:
    sc = WideSearch(n_items=3, n_attributes=2, seed=9)
    gold = sc.ground_truth
    header = "| Name | Founded | Headquarters |\n|---|---|---|\n"
    table = header + "".join(
        f"| {r['name'].upper()} | {int(r['founded']):,} | {r['headquarters']} |\n" for r in gold
    )
    assert sc.grade(table)["success_rate"] == 1.0
    assert sc.grade(gold)["success_rate"] == 1.0
    assert sc.grade(json.dumps(gold))["success_rate"] == 1.0


@pytest.mark.parametrize("junk", [None, "", "I could not find it.", 42, [1, 2], {"a": 1}, "[{"])
def test_malformed_answers_score_zero(junk: object) -> None:
    sc = WideSearch(n_items=3, seed=9)
    assert sc.grade(junk) == {"item_f1": 0.0, "row_f1": 0.0, "success_rate": 0.0}


def test_merge_joins_parts_and_keeps_the_first_of_repeats() -> None:
    sc = WideSearch(n_items=6, seed=3)
    gold = sc.ground_truth
    wrong = dict(gold[2], founded="0")
    merged = sc.merge(
        {"wide-1": sc.format_answer(gold[:3]), "wide-2": sc.format_answer([wrong, *gold[3:]])}
    )
    assert merged == gold
    assert sc.grade(merged)["success_rate"] == 1.0
    assert sc.merge({"wide-1": "garbage"}) == []


async def test_ideal_agent_reads_only_true_pages_and_is_perfect_at_accuracy_one() -> None:
    sc = WideSearch(n_items=15, seed=6)
    p = await play(sc, accuracy=1.0)
    assert p.scores == {"item_f1": 1.0, "row_f1": 1.0, "success_rate": 1.0}
    assert p.steps == 2 * 15 + 1 and p.tool_calls == 30
    opened = [
        json.loads(tc["function"]["arguments"])["url"]
        for m in p.messages
        for tc in m.get("tool_calls") or ()
        if tc["function"]["name"] == "open_page"
    ]
    assert opened == sc.urls


async def test_lower_accuracy_gives_lower_scores_with_distractor_values() -> None:
    f1 = []
    for seed in range(4):
        sc = WideSearch(n_items=20, seed=seed)
        p = await play(sc, accuracy=0.5, seed=seed)
        f1.append(p.scores["item_f1"])
        assert p.scores["success_rate"] == 0.0
    assert 0.2 < statistics.mean(f1) < 0.8


async def test_swarm_of_subagents_takes_few_steps_each() -> None:
    sc = WideSearch(n_items=100, seed=1)
    p = await play(sc, accuracy=1.0, orchestrate=True)
    assert p.scores["success_rate"] == 1.0
    assert p.steps == 3  # create, assign all, answer
    assert len(p.sub_steps) == 20 and max(p.sub_steps) == 2 * 5 + 1


def test_without_tools_the_worker_answers_with_what_it_has_read() -> None:
    sc = WideSearch(n_items=3, seed=1)
    sub = sc.split(1)[0]
    messages = [
        {"role": "user", "content": sub.prompt},
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "a", "function": {"name": "open_page", "arguments": {"url": sc.urls[1]}}}
            ],
        },
        {"role": "tool", "tool_call_id": "a", "content": "page text"},
    ]
    with_tools = sc.oracle.respond(messages, sc.tools(), accuracy=1.0, rng=random.Random(0))
    assert with_tools["tool_calls"][0]["arguments"] == {"query": sc.names[0]}
    forced = sc.oracle.respond(messages, None, accuracy=1.0, rng=random.Random(0))
    assert forced["tool_calls"] == []
    scores = sc.grade(forced["content"])
    assert scores["item_f1"] == pytest.approx(2 * (1 / 3) / (1 + 1 / 3))  # 1 of 3 rows, exact
