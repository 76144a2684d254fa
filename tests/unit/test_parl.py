"""PARL: the staged action space, decisions in the trace, rewards per decision, save/load."""

import json
import random

import numpy as np
import pytest

import swarmnb as sn
from swarmnb.policies.stages import (
    ACTION_KINDS,
    StageAction,
    StageObservation,
    action_mask,
)
from swarmnb.scenarios import DeepSearch, MixedCoding, WideSearch

OBS_FIELDS = set(StageObservation.__dataclass_fields__)


SPLIT = 8  # index of the "decomposition fixed" feature


def trained_like(seed=3):
    """A PARL whose weights prefer assigning first, then finishing (as training makes it)."""
    policy = sn.policies.PARL(seed=seed, init_scale=0.3)
    policy.weights["kind"][ACTION_KINDS.index("assign"), 0] += 4.0
    policy.weights["kind"][ACTION_KINDS.index("assign"), SPLIT] -= 8.0
    policy.weights["kind"][ACTION_KINDS.index("finish"), SPLIT] += 4.0
    return policy


def solve(policy, scenario, seed=0, **options):
    return sn.Swarm(policy=policy, trace=None, learn=False, **options).solve_sync(
        scenario, seed=seed
    )


def kinds(ep, kind):
    return [e for e in ep.run.events if e["kind"] == kind]


def test_each_stage_is_one_decision_event_with_what_the_orchestrator_saw():
    ep = solve(trained_like(), WideSearch(n_items=12, seed=1))
    decisions = kinds(ep, "policy.decision")
    assert [d["stage"] for d in decisions] == list(range(len(decisions)))
    assert decisions[-1]["action"] == "finish"
    for d in decisions:
        assert set(d["observation"]) == OBS_FIELDS  # nothing else: no ground truth, no sim
        assert d["action"] in ACTION_KINDS and d["policy"] == "parl"
        assert sum(d["probs"]["kind"].values()) == pytest.approx(1.0, abs=1e-5)
        assert d["logprob"] <= 0.0
    assigns = [d for d in decisions if d["action"] == "assign"]
    assert assigns and all(d["profile"] in ("small", "large") for d in assigns)
    # subagents launched in a stage carry it; critical steps = Σ (1 + longest subagent)
    tasks = ep.tasks
    per_stage = tasks.groupby("stage")["steps"].max().to_dict()
    expected = sum(1 + per_stage.get(d["stage"], 0) for d in decisions)
    assert ep.metrics["critical_steps"] == expected
    assert ep.metrics["spawn_count"] == len(tasks)


def test_the_observation_excludes_the_answer():
    sc = WideSearch(n_items=6, seed=2)
    ep = solve(trained_like(), sc)
    text = json.dumps([d["observation"] for d in kinds(ep, "policy.decision")])
    for row in sc.ground_truth:
        assert row["ceo"] not in text and row["name"] not in text


def test_reward_events_one_per_decision_and_summing_to_the_episode_terms():
    policy = trained_like()
    policy.reward_lambdas = (0.3, 0.2)
    ep = solve(policy, WideSearch(n_items=12, seed=4))
    decisions, rewards = kinds(ep, "policy.decision"), kinds(ep, "policy.reward")
    assert [r["stage"] for r in rewards] == [d["stage"] for d in decisions]
    total = {k: sum(r[k] for r in rewards) for k in ("r_perf", "r_parallel", "r_finish")}
    m = ep.metrics
    quality = m["item_f1"]
    assert total["r_perf"] == pytest.approx(
        quality * (1 - 0.5 * min(1.0, m["critical_steps"] / 100))
    )
    assert total["r_parallel"] == pytest.approx(min(m["spawn_count"], 10) / 10)
    assert 0.0 <= total["r_finish"] <= 1.0
    for r in rewards:
        assert r["reward"] == pytest.approx(
            r["r_perf"] + 0.3 * r["r_parallel"] + 0.2 * r["r_finish"]
        )


def test_staged_dag_waits_for_inputs_within_the_assign_stage():
    class Wide(sn.policies.PARL):
        def act(self, obs, rng):
            if obs.split and obs.ready == 0 and obs.running == 0:
                return StageAction(kind="finish")
            return StageAction(kind="assign", width=8, profile="small")

    ep = solve(Wide(), MixedCoding(n_modules=4, seed=0))
    decisions = kinds(ep, "policy.decision")
    assert [d["action"] for d in decisions][-1] == "finish"
    stages = ep.tasks.groupby("stage")["id"].count()
    assert len(stages) >= 2  # dependent modules start in later stages
    assert ep.status == "completed"


def test_deterministic_per_seed_and_save_load_gives_the_same_decisions(tmp_path):
    policy = trained_like(seed=7)
    path = policy.save(tmp_path / "parl.json")
    loaded = sn.policies.PARL.load(path)
    for h in policy.weights:
        assert np.array_equal(policy.weights[h], loaded.weights[h])
    for seed in (0, 1, 2):
        a = [
            (d["action"], d.get("width"), d["logprob"])
            for d in kinds(
                solve(policy, WideSearch(n_items=10, seed=seed), seed), "policy.decision"
            )
        ]
        b = [
            (d["action"], d.get("width"), d["logprob"])
            for d in kinds(
                solve(loaded, WideSearch(n_items=10, seed=seed), seed), "policy.decision"
            )
        ]
        assert a == b


def test_gradient_matches_finite_differences():
    policy = sn.policies.PARL(seed=1, init_scale=0.3)
    obs = StageObservation(kind="wide_search", units=20, depth=1, width_max=20, stage=0,
                           max_stages=12)  # fmt: skip
    action = {"kind": "assign", "width": 4, "profile": "large"}
    grads = policy.grad_logprob(obs, action)
    eps = 1e-6
    for head in ("kind", "width", "profile"):
        i, j = 1, 0
        base = policy.logprob(obs, action)
        policy.weights[head][i, j] += eps
        bumped = policy.logprob(obs, action)
        policy.weights[head][i, j] -= eps
        assert grads[head][i, j] == pytest.approx((bumped - base) / eps, abs=1e-4)
    for kind in ("assign", "replan"):  # the width head judges widths against each kind
        act = {**action, "kind": kind, "width": 3}  # 3 of the 3 unfinished subtasks
        suspect = StageObservation(kind="wide_search", units=20, depth=1, width_max=20, stage=2,
                                   max_stages=12, split=True, planned=8, done=5, suspect=3,
                                   spawned=8, idle=8)  # fmt: skip
        grads = policy.grad_logprob(suspect, act)
        for i, j in ((0, 0), (2, 0), (3, 9), (1, 23)):
            base = policy.logprob(suspect, act)
            policy.weights["width"][i, j] += eps
            bumped = policy.logprob(suspect, act)
            policy.weights["width"][i, j] -= eps
            assert grads["width"][i, j] == pytest.approx((bumped - base) / eps, abs=1e-4)


def test_width_features_judge_a_width_against_what_the_action_can_use():
    from swarmnb.policies.stages import WIDTHS, width_features, width_target

    fresh = StageObservation(kind="wide_search", units=30, depth=1, width_max=30, stage=0,
                             max_stages=12)  # fmt: skip
    assert width_target(fresh, "assign") == 30
    later = StageObservation(kind="deep_search", units=4, depth=4, width_max=1, stage=2,
                             max_stages=12, split=True, planned=4, done=1, ready=1, blocked=2,
                             suspect=1, spawned=1, idle=1)  # fmt: skip
    assert width_target(later, "assign") == 1 and width_target(later, "replan") == 1
    rows = width_features(fresh, "assign")
    at = {w: row for w, row in zip(WIDTHS, rows, strict=True)}
    assert at[32][2] == 1.0 and at[24][2] == 0.0  # as many or more than can be used
    assert abs(at[32][0]) < abs(at[8][0])  # closer to the 30 units
    capped = StageObservation(kind="wide_search", units=150, depth=1, width_max=150, stage=0,
                              max_stages=12, max_subagents=100)  # fmt: skip
    assert width_target(capped, "assign") == 100


def test_an_idle_subagent_takes_the_next_subtask_instead_of_a_new_spawn():
    class HopByHop(sn.policies.PARL):
        """Split a DeepSearch chain into hops, assign each when its input is ready, finish."""

        def act(self, obs, rng):
            if not obs.split:
                return StageAction(kind="assign", width=4, profile="large")
            if obs.ready:
                return StageAction(kind="assign", width=1, profile="large")
            if obs.running:
                return StageAction(kind="join")
            return StageAction(kind="finish")

    ep = solve(HopByHop(), DeepSearch(hops=4, seed=1))
    tasks = ep.tasks
    assert list(tasks["id"]) == ["hop-01", "hop-02", "hop-03", "hop-04"]
    assert tasks["agent"].nunique() == 1  # one subagent, reused hop after hop
    assert ep.metrics["spawn_count"] == 1
    decisions = kinds(ep, "policy.decision")
    later_assigns = [d["observation"] for d in decisions if d["action"] == "assign"][1:]
    assert len(later_assigns) == 3
    assert all(o["idle"] == 1 and o["spawned"] == 1 for o in later_assigns)


def test_mask_rules():
    fresh = StageObservation(kind="deep_search", units=4, depth=4, width_max=1, stage=0,
                             max_stages=12)  # fmt: skip
    mask = dict(zip(ACTION_KINDS, action_mask(fresh)["kind"], strict=True))
    assert mask == {"assign": True, "join": False, "replan": False, "tool_call": True,
                    "finish": True}  # fmt: skip
    running = StageObservation(kind="wide_search", units=20, depth=1, width_max=20, stage=1,
                               max_stages=12, split=True, planned=4, running=4)  # fmt: skip
    mask = dict(zip(ACTION_KINDS, action_mask(running)["kind"], strict=True))
    assert mask["join"] and not mask["assign"] and not mask["tool_call"]


def test_policy_file_errors(tmp_path):
    with pytest.raises(sn.PolicyFileError, match="no policy file"):
        sn.policies.PARL.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(sn.PolicyFileError, match="not a JSON policy"):
        sn.policies.PARL.load(bad)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(sn.PolicyFileError, match="not a saved PARL"):
        sn.policies.PARL.load(other)
    broken = sn.policies.PARL(seed=0).to_dict()
    broken["weights"]["kind"] = [[1.0]]
    other.write_text(json.dumps(broken))
    with pytest.raises(sn.PolicyFileError, match="bad 'kind' weights"):
        sn.policies.PARL.load(other)
    assert issubclass(sn.PolicyFileError, ValueError)


def test_bandit_save_load_keeps_what_it_learned(tmp_path):
    bandit = sn.policies.Bandit(widths=(1, 2, 4))
    swarm = sn.Swarm(policy=bandit, trace=None)
    for seed in range(8):
        swarm.solve_sync(DeepSearch(hops=3, seed=seed), seed=seed)
    loaded = sn.policies.Bandit.load(bandit.save(tmp_path / "bandit.json"))
    obs = swarm.observe(DeepSearch(hops=3, seed=0))
    assert loaded.estimates(obs) == bandit.estimates(obs)
    a = [bandit.decide(obs, random.Random(s)) for s in range(5)]
    b = [loaded.decide(obs, random.Random(s)) for s in range(5)]
    assert a == b
    with pytest.raises(sn.PolicyFileError):
        sn.policies.Bandit.load(tmp_path / "nope.json")


def test_llm_orchestrator_chooses_the_subagent_profile():
    def create(profile):
        args = {"name": "scout", "system_prompt": "Look things up.", "profile": profile}
        function = {"name": "create_subagent", "arguments": json.dumps(args)}
        return [{"id": "call_1", "type": "function", "function": function}]

    def spawned(profile):
        swarm = sn.Swarm(policy=sn.policies.LLM("openai/gpt-4o-mini"), trace=None,
                         max_orchestrator_steps=1,
                         model_options={"mock_tool_calls": create(profile)})  # fmt: skip
        ep = swarm.solve_sync(WideSearch(n_items=4, seed=0))
        return [e["profile"] for e in kinds(ep, "agent.spawned")]

    assert spawned("large") == ["large"]
    assert spawned("small") == ["small"]
    assert spawned("huge") == []  # unknown profile: an error message back to the model
