"""The swarm's episode loop on sim models: stages, agents, critical steps, budgets, limits."""

from collections import Counter

import pytest

import swarmnb as sn
from swarmnb.scenarios import DeepSearch, WideSearch
from tests.helpers import TERMINAL, of_kind


def solve(policy, scenario, **options):
    options.setdefault("trace", None)
    return sn.Swarm(policy=policy, **options).solve_sync(scenario)


def strip_run_id(events):
    return [{k: v for k, v in e.items() if k != "run"} for e in events]


def test_same_seed_same_episode():
    one = solve(sn.policies.Heuristic(), WideSearch(n_items=12, seed=3), seed=5)
    two = solve(sn.policies.Heuristic(), WideSearch(n_items=12, seed=3), seed=5)
    assert one.run.id != two.run.id
    assert strip_run_id(one.run.events) == strip_run_id(two.run.events)
    assert one.metrics == two.metrics
    other = solve(sn.policies.Heuristic(), WideSearch(n_items=12, seed=3), seed=6)
    assert strip_run_id(other.run.events) != strip_run_id(one.run.events)


def test_heuristic_episode_fans_out_and_counts_critical_steps():
    ep = solve(sn.policies.Heuristic(items_per_agent=4), WideSearch(n_items=12, seed=1))
    m = ep.metrics
    assert ep.status == "completed" and m["spawn_count"] == 3 and m["n_tasks"] == 3
    assert 0.0 <= m["item_f1"] <= 1.0 and "row_f1" in m
    tasks = ep.tasks
    assert set(tasks["stage"]) == {0} and set(tasks["role"]) == {"researcher"}
    # K2.5: Σ_stages (S_main + max_i S_sub,i): the assign stage, then the finish stage
    assert m["critical_steps"] == 1 + tasks["steps"].max() + 1
    assert m["max_parallelism"] == 3
    kinds = Counter(e["kind"] for e in ep.run.events)
    assert kinds["agent.spawned"] == kinds["agent.finished"] == 3
    assert kinds["policy.decision"] == 2
    assert kinds["model.call"] > 0 and kinds["tool.call"] > 0
    decision = of_kind(ep.run, "policy.decision")[0]
    assert decision["action"] == "assign" and decision["width"] == 3


def test_swarm_needs_far_fewer_critical_steps_than_single_on_wide_search():
    scenario = WideSearch(n_items=30, seed=2)
    single = solve(sn.policies.Single(), scenario)
    swarm = solve(sn.policies.Heuristic(), scenario)
    assert single.metrics["spawn_count"] == 1
    assert swarm.metrics["critical_steps"] * 3 < single.metrics["critical_steps"]


def test_deep_search_stays_with_one_agent():
    scenario = DeepSearch(hops=4, seed=0)
    single = solve(sn.policies.Single(), scenario)
    heuristic = solve(sn.policies.Heuristic(), scenario)
    assert heuristic.metrics["spawn_count"] == 1
    assert heuristic.metrics["critical_steps"] == single.metrics["critical_steps"]


def test_llm_orchestrator_drives_through_k25_tools():
    ep = solve(sn.policies.LLM(), WideSearch(n_items=10, seed=0))
    tasks = ep.tasks
    turns = tasks[tasks["role"] == "orchestrator"]
    subs = tasks[tasks["role"] != "orchestrator"]
    assert len(turns) >= 2 and len(subs) >= 1
    assert ep.metrics["spawn_count"] >= 1
    # critical steps: per stage, the orchestrator's turn plus its slowest subagent
    expected = 0
    for _stage, group in tasks.groupby("stage"):
        main = group[group["role"] == "orchestrator"]["steps"].clip(lower=1).sum()
        sub = group[group["role"] != "orchestrator"]["steps"].clip(lower=1).max()
        expected += main + (0 if sub != sub else sub)
    finish_stage = of_kind(ep.run, "policy.decision")[-1]["stage"]
    if finish_stage not in set(tasks["stage"]):
        expected += 1
    assert ep.metrics["critical_steps"] == expected
    assert ep.metrics["item_f1"] is not None


def test_budget_stops_an_episode_cleanly(tmp_path):
    ep = solve(
        sn.policies.Heuristic(), WideSearch(n_items=40, seed=0),
        budget=sn.Budget(usd=0.002), trace=tmp_path, max_concurrency=2,
    )  # fmt: skip
    assert ep.status == "budget_exhausted"
    assert of_kind(ep.run, "budget.exceeded")
    ends = Counter(e["task"] for e in ep.run.events if e["kind"] in TERMINAL)
    assert set(ends.values()) == {1} and len(ends) == ep.metrics["n_tasks"]
    assert ep.metrics["item_f1"] is not None  # the partial answer is still graded
    assert sn.replay(ep.trace_path).metrics == ep.metrics


def test_step_limit_fails_the_subtask_not_the_episode():
    ep = solve(sn.policies.Heuristic(), WideSearch(n_items=8, seed=0), max_subagent_steps=1)
    assert ep.status == "failed"
    errors = ep.tasks["error"].dropna()
    assert len(errors) and all("StepLimitReached" in e for e in errors)
    assert ep.metrics["item_f1"] == 0.0


def test_max_subagents_caps_the_pool():
    ep = solve(sn.policies.FixedWidth(6), WideSearch(n_items=12, seed=0), max_subagents=2)
    assert ep.metrics["spawn_count"] == 2


def test_swarm_rejects_bad_configuration():
    with pytest.raises(TypeError, match="Policy"):
        sn.Swarm(policy="heuristic")
    with pytest.raises(ValueError, match="max_subagents"):
        sn.Swarm(max_subagents=0)
    with pytest.raises(ValueError, match="subagents"):
        sn.Swarm(subagents={})
    with pytest.raises(RuntimeError, match="no episode"):
        sn.Swarm().dashboard()


def test_bandit_swarm_learns_across_episodes():
    bandit = sn.policies.Bandit(widths=(1, 4), profiles=("small",))
    swarm = sn.Swarm(policy=bandit, trace=None)
    rewards = []
    for seed in range(4):
        ep = swarm.solve_sync(WideSearch(n_items=8, seed=seed))
        rewards.append(ep.reward)
        assert of_kind(ep.run, "policy.decision")[0]["logprob"] <= 0
    obs = swarm.observe(WideSearch(n_items=8, seed=9))
    assert sum(pulls for pulls, _ in bandit.estimates(obs).values()) == 4
    assert all(r is not None for r in rewards)
