"""One spec grammar names policies for the CLI, the bench harness and the PARL evaluation."""

import pytest

import swarmnb as sn
from swarmnb.bench import policy_suite
from swarmnb.policies.specs import policy_from_spec
from swarmnb.training import CurriculumTask
from swarmnb.training.evaluate import evaluate


def test_names_and_widths():
    assert isinstance(policy_from_spec("single"), sn.policies.Single)
    assert isinstance(policy_from_spec("heuristic"), sn.policies.Heuristic)
    assert isinstance(policy_from_spec("bandit"), sn.policies.Bandit)
    assert policy_from_spec("fixed-8").width == 8
    assert policy_from_spec("fixed:8").width == 8  # the older spelling reads the same


def test_saved_policies_load_frozen(tmp_path):
    parl_path = sn.policies.PARL(seed=3).save(tmp_path / "parl.json")
    parl = policy_from_spec(f"parl={parl_path}")
    assert parl.greedy and not parl.trainable
    bandit = policy_from_spec(f"bandit={sn.policies.Bandit().save(tmp_path / 'b.json')}")
    assert isinstance(bandit, sn.policies.Bandit) and not bandit.trainable
    assert sn.policies.Bandit.trainable  # the class is untouched: only the loaded one is frozen


def test_bad_specs_say_what_is_wrong(tmp_path):
    with pytest.raises(ValueError, match=r"unknown policy 'wizard'.*fixed-<width>"):
        policy_from_spec("wizard")
    with pytest.raises(ValueError, match="int ≥ 1"):
        policy_from_spec("fixed-0")
    with pytest.raises(sn.PolicyFileError, match="no policy file"):
        policy_from_spec(f"parl={tmp_path / 'missing.json'}")
    with pytest.raises(sn.PolicyFileError, match="only parl=<file> and bandit=<file>"):
        policy_from_spec("heuristic=x.json")


def test_bench_and_evaluation_read_the_same_specs(tmp_path):
    path = sn.policies.PARL(seed=1).save(tmp_path / "parl.json")
    suite = policy_suite(("fixed-4", f"parl={path}"))
    assert suite["fixed-4"].policy.width == 4 and suite["parl"].policy.greedy
    rows = evaluate({"fixed": "fixed-4"}, [CurriculumTask("wide", 8)], seeds=[0])
    assert rows.loc[0, "spawn_count"] == 4
    with pytest.raises(ValueError, match="unknown policy"):
        evaluate({"x": "wizard"}, [CurriculumTask("wide", 8)], seeds=[0])
