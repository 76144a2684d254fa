"""DeepSearch: the chain, its look-alikes, split into hops, grading and the ideal agent."""

from __future__ import annotations

import json
import random
import statistics
from typing import Any

import pytest

from swarmnb.scenarios import DeepSearch, play
from swarmnb.scenarios._corpus import norm_title


def test_same_seed_same_chain_other_seed_other_chain() -> None:
    a, b = DeepSearch(hops=5, seed=3), DeepSearch(hops=5, seed=3)
    assert a.chain == b.chain and a.ground_truth == b.ground_truth == a.chain[-1]
    assert a._corpus.render(a._corpus.find(a.chain[2]).url) == b._corpus.render(
        b._corpus.find(b.chain[2]).url
    )
    assert DeepSearch(hops=5, seed=4).chain != a.chain
    assert len(a.chain) == 6 and len(set(a.chain)) == 6


async def test_each_page_links_to_the_next_hop_and_look_alikes_lead_elsewhere() -> None:
    sc = DeepSearch(hops=6, n_distractors=2, seed=1)
    for h, rel in enumerate(sc.relations, start=1):
        here = sc.chain[h - 1]
        results = json.loads(await sc.call_tool("search", {"query": here}))["results"]
        page = sc._corpus.find(here)
        assert page.url in [r["url"] for r in results]
        text = await sc.call_tool("open_page", {"url": page.url})
        assert f"{rel.label}: {sc.chain[h]}" in text
        alike = [
            sc._corpus.page(r["url"])
            for r in results
            if r["title"] != here and sc._corpus.page(r["url"]).kind == page.kind
        ]
        assert alike, f"no look-alike for {here}"
        for other in alike:
            assert other.get(rel.label) not in (None, sc.chain[h])
            assert other.get(rel.label) not in sc.chain  # a wrong turn never rejoins the chain


def test_goal_states_every_step_and_the_answer_format() -> None:
    sc = DeepSearch(hops=4, seed=2)
    assert sc.chain[0] in sc.goal and "ANSWER: <name>" in sc.goal
    for h, rel in enumerate(sc.relations, start=1):
        assert f"- hop-{h:02d}: find {rel.phrase}" in sc.goal
    for name in sc.chain[1:]:
        assert name not in sc.goal  # the intermediate answers must be looked up


def test_split_is_one_chain_or_a_sequence_of_hops() -> None:
    sc = DeepSearch(hops=5, seed=0)
    (whole,) = sc.split(1)
    assert whole.items == tuple(f"hop-{h:02d}" for h in range(1, 6)) and whole.deps == ()
    for width in (2, 5, 50):
        hops = sc.split(width)
        assert [s.items for s in hops] == [(f"hop-{h:02d}",) for h in range(1, 6)]
        assert [s.deps for s in hops] == [(), *((f"hop-{h:02d}",) for h in range(1, 5))]
    assert sc.features()["width_max"] == 1 and sc.features()["depth"] == 5


def test_grading_the_final_fact() -> None:
    sc = DeepSearch(hops=3, seed=0)
    gold = sc.ground_truth
    assert sc.grade(f"I followed the links.\nANSWER: {gold}") == {
        "item_f1": 1.0,
        "success_rate": 1.0,
    }
    assert sc.grade(gold.upper())["success_rate"] == 1.0
    assert sc.grade(f"Final answer: **{gold}**.")["success_rate"] == 1.0
    assert sc.grade(f"ANSWER: {sc.chain[-2]}")["success_rate"] == 0.0
    for junk in (None, "", 42, ["x"], {"a": 1}):
        assert sc.grade(junk) == {"item_f1": 0.0, "success_rate": 0.0}


def test_merge_takes_the_last_hop() -> None:
    sc = DeepSearch(hops=3, seed=0)
    results = {"hop-01": "ANSWER: a", "hop-02": "ANSWER: b", "hop-03": "x\nANSWER: c"}
    assert sc.merge(results) == "c"
    assert sc.merge({"chain": "ANSWER: z"}) == "z"
    assert sc.merge({"hop-01": "ANSWER: a"}) == ""


async def test_ideal_single_agent_walks_the_chain() -> None:
    sc = DeepSearch(hops=6, seed=2)
    p = await play(sc, accuracy=1.0)
    assert p.scores["success_rate"] == 1.0
    assert p.steps == 2 * 6 + 1
    searched = [
        json.loads(tc["function"]["arguments"])["query"]
        for m in p.messages
        for tc in m.get("tool_calls") or ()
        if tc["function"]["name"] == "search"
    ]
    assert searched == sc.chain[:-1]


async def test_lower_accuracy_takes_wrong_turns() -> None:
    right = []
    for seed in range(12):
        sc = DeepSearch(hops=4, seed=seed)
        p = await play(sc, accuracy=0.5, seed=seed)
        right.append(p.scores["success_rate"])
        if not right[-1]:
            assert norm_title(p.answer.removeprefix("ANSWER: ")) != norm_title(sc.ground_truth)
    assert statistics.mean(right) < 0.5


async def test_hop_subagents_pass_answers_along_the_chain() -> None:
    sc = DeepSearch(hops=4, seed=7)
    p = await play(sc, accuracy=1.0, orchestrate=True, width=4)
    assert p.scores["success_rate"] == 1.0
    assert p.sub_steps == [3, 3, 3, 3]  # search, open, answer — one hop each
    assert p.steps == 2 + 4  # create, one assign per hop, answer


def _hop_conversation(sc: DeepSearch, given: str) -> list[dict[str, Any]]:
    prompt = sc.split(4)[1].render({"hop-01": f"ANSWER: {given}"})
    return [{"role": "user", "content": prompt}]


def test_a_hop_starts_from_the_answer_it_is_given() -> None:
    sc = DeepSearch(hops=4, seed=7)
    rng = random.Random(0)
    right = sc.oracle.respond(_hop_conversation(sc, sc.chain[1]), sc.tools(), accuracy=1.0,
                              rng=rng)  # fmt: skip
    assert right["tool_calls"] == [{"name": "search", "arguments": {"query": sc.chain[1]}}]
    wrong = sc.oracle.respond(_hop_conversation(sc, "Somebody Else"), sc.tools(), accuracy=1.0,
                              rng=rng)  # fmt: skip
    assert wrong["tool_calls"] == [{"name": "search", "arguments": {"query": "Somebody Else"}}]


@pytest.mark.parametrize("hops", [1, 2, 30])
async def test_any_length_of_chain_is_playable(hops: int) -> None:
    p = await play(DeepSearch(hops=hops, seed=hops), accuracy=1.0)
    assert p.scores["success_rate"] == 1.0
