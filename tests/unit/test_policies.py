"""Policies map observations to decisions; the bandit learns from rewards."""

import math
import random

import pytest

import swarmnb as sn
from swarmnb.policies import Bandit, Decision, FixedWidth, Heuristic, Observation, Single


def observation(scenario="wide_search", n_items=100, width_max=100, depth=1, max_subagents=100):
    return Observation(
        scenario=scenario,
        features={"n_items": n_items, "width_max": width_max, "depth": depth},
        profiles=("small", "large"),
        max_subagents=max_subagents,
    )


def test_single_is_one_agent():
    decision = Single().decide(observation(), random.Random(0))
    assert (decision.width, decision.profile, decision.mode) == (1, "small", "plan")
    assert Single(profile="large").decide(observation(), random.Random(0)).profile == "large"
    with pytest.raises(ValueError, match="profile 'huge'"):
        Single(profile="huge").decide(observation(), random.Random(0))


def test_heuristic_follows_the_structure():
    rng = random.Random(0)
    assert Heuristic().decide(observation(n_items=100), rng).width == 20
    assert Heuristic().decide(observation(n_items=12, width_max=12), rng).width == 3
    chain = observation("deep_search", n_items=6, width_max=1, depth=6)
    assert Heuristic().decide(chain, rng).width == 1  # no spurious parallelism
    dag = observation("mixed_coding", n_items=8, width_max=4, depth=3)
    assert Heuristic().decide(dag, rng).width == 4
    assert Heuristic().decide(observation(max_subagents=7), rng).width == 7


def test_fixed_width_and_decision_validation():
    assert FixedWidth(8).decide(observation(max_subagents=5), random.Random(0)).width == 5
    with pytest.raises(ValueError):
        FixedWidth(0)
    with pytest.raises(ValueError):
        Decision(width=0)
    with pytest.raises(ValueError):
        Decision(mode="magic")


def test_bandit_tries_every_arm_then_exploits_the_best():
    bandit = Bandit(widths=(1, 2, 4, 8, 16), profiles=("small",), epsilon=0.3, decay=0.1)
    obs = observation()
    rng = random.Random(1)
    picks = []
    for _ in range(150):
        decision = bandit.decide(obs, rng)
        picks.append(decision.width)
        assert math.isclose(
            math.exp(decision.logprob), decision.probs[f"{decision.width}/small"], rel_tol=1e-5
        )
        reward = -abs(math.log2(decision.width) - 3) + rng.gauss(0, 0.1)  # best: width 8
        bandit.update(obs, decision, reward)
    assert set(picks[:5]) == {1, 2, 4, 8, 16}
    assert bandit.best_width(obs) == 8
    assert picks[-50:].count(8) > 40
    assert bandit.current_epsilon(obs) < 0.3


def test_bandit_contexts_do_not_leak():
    bandit = Bandit(widths=(1, 8), profiles=("small",))
    wide, deep = observation(), observation("deep_search", n_items=6, width_max=1, depth=6)
    for _ in range(10):
        d = bandit.decide(wide, random.Random(0))
        bandit.update(wide, d, 1.0 if d.width == 8 else 0.0)
    assert bandit.estimates(deep) == {"1/small": (0, 0.0), "8/small": (0, 0.0)}


def test_episode_reward_prefers_quality_then_fewer_steps():
    reward = sn.policies.episode_reward
    fast = reward({"item_f1": 0.9, "critical_steps": 20}, baseline_steps=200)
    slow = reward({"item_f1": 0.9, "critical_steps": 200}, baseline_steps=200)
    wrong = reward({"item_f1": 0.2, "critical_steps": 20}, baseline_steps=200)
    assert fast > slow and fast > wrong
    assert reward({"pass_at_1": 1.0, "critical_steps": 0}, baseline_steps=1) == 1.0
