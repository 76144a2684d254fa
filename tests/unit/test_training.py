"""Trainer, curriculum, checkpoints, dataset export and the gymnasium environment."""

import json

import numpy as np
import pandas as pd
import pytest

import swarmnb as sn
from swarmnb.policies.rewards import r_perf
from swarmnb.training import Curriculum, CurriculumTask, Trainer, export_dataset

SMALL = Curriculum([CurriculumTask("wide", 6), CurriculumTask("deep", 2)])


def trainer(**options):
    options.setdefault("curriculum", SMALL)
    options.setdefault("group_size", 4)
    options.setdefault("anneal_episodes", 16)
    options.setdefault("seed", 0)
    return Trainer(sn.policies.PARL(seed=0), **options)


def test_history_has_every_reward_term_and_annealed_lambdas():
    t = trainer(lambda_parallel=0.4, lambda_finish=0.2)
    h = t.train_sync(16)
    assert len(h) == 16 and list(h["episode"]) == list(range(16))
    for col in ("r_perf", "r_parallel", "r_finish", "reward", "quality", "critical_steps",
                "spawn_count", "lambda_parallel", "lambda_finish"):  # fmt: skip
        assert h[col].notna().all(), col
    expected = (
        h["r_perf"] + h["lambda_parallel"] * h["r_parallel"] + h["lambda_finish"] * h["r_finish"]
    )
    assert np.allclose(h["reward"], expected)
    assert h["lambda_parallel"].iloc[0] == 0.4 and h["lambda_parallel"].iloc[-1] < 0.4
    assert t.lambdas(16) == (0.0, 0.0) and t.lambdas(8) == pytest.approx((0.2, 0.1))
    # the group baseline: advantages sum to zero within each group
    assert np.allclose(h.groupby("group")["advantage"].sum(), 0.0)
    assert t.policy.episodes_trained == 16


def test_no_annealing_keeps_lambdas():
    t = trainer(anneal=False)
    assert t.lambdas(10_000) == (0.3, 0.2)


def test_training_moves_the_policy_towards_higher_reward():
    t = trainer(curriculum=Curriculum([CurriculumTask("wide", 12)]), group_size=6,
                learning_rate=0.2, lambda_parallel=0.0, lambda_finish=0.0)  # fmt: skip
    h = t.train_sync(72)
    first, last = h[h.episode < 24], h[h.episode >= 48]
    assert last["reward"].mean() > first["reward"].mean()


def test_resumed_training_equals_uninterrupted(tmp_path):
    straight = trainer()
    full = straight.train_sync(16)
    first = trainer(checkpoint_every=8, checkpoint_dir=tmp_path)
    first.train_sync(8)
    ckpt = tmp_path / "checkpoint-000008.json"
    assert ckpt.exists()
    resumed = trainer()
    history = resumed.train_sync(16, resume=ckpt)
    pd.testing.assert_frame_equal(history.drop(columns="trace_path"),
                                  full.drop(columns="trace_path"))  # fmt: skip
    for head, w in straight.policy.weights.items():
        assert np.array_equal(w, resumed.policy.weights[head])


def test_processes_do_not_change_the_outcome():
    one = trainer().train_sync(8)
    two = trainer(processes=2).train_sync(8)
    pd.testing.assert_frame_equal(one, two)


def test_bad_training_input_gets_typed_errors(tmp_path):
    with pytest.raises(sn.TrainingConfigError, match="lambda_parallel"):
        trainer(lambda_parallel=-0.1)
    with pytest.raises(sn.TrainingConfigError, match="lambda_finish"):
        trainer(lambda_finish=-1)
    with pytest.raises(sn.TrainingConfigError, match="empty"):
        Curriculum([])
    with pytest.raises(sn.TrainingConfigError):
        CurriculumTask("wide", 0)
    with pytest.raises(sn.TrainingConfigError, match="PARL"):
        Trainer(sn.policies.Heuristic())
    corrupt = tmp_path / "ckpt.json"
    corrupt.write_text('{"format": "swarmnb.training.checkpoint", "seed": 0, "group_size": 4')
    with pytest.raises(sn.CheckpointError, match="not a readable checkpoint"):
        trainer().train_sync(8, resume=corrupt)
    good = trainer()
    data = good.checkpoint()
    data["policy"]["weights"]["kind"] = "garbage"
    corrupt.write_text(json.dumps(data))
    with pytest.raises(sn.CheckpointError, match="damaged"):
        trainer().train_sync(8, resume=corrupt)
    with pytest.raises(sn.CheckpointError, match="no checkpoint"):
        trainer().train_sync(8, resume=tmp_path / "missing.json")


def test_curriculum_goes_from_small_to_large():
    cur = Curriculum.default()
    early = {t.size for t in cur.available(0.0) if t.kind == "wide"}
    late = {t.size for t in cur.available(1.0) if t.kind == "wide"}
    assert early == {10} and late == {10, 20, 50, 100}
    assert {t.kind for t in cur.tasks} == {"wide", "deep", "coding"}


def test_export_dataset_rows_per_decision_and_rewards_sum_to_the_episode(tmp_path):
    t = trainer(trace=tmp_path / "runs", lambda_parallel=0.3, lambda_finish=0.2)
    h = t.train_sync(8)
    frame = export_dataset([tmp_path / "runs"], tmp_path / "d.parquet")
    back = pd.read_parquet(tmp_path / "d.parquet")
    assert len(back) == len(frame) == h["decisions"].sum()
    assert set(back.columns) >= {"obs", "action", "logprob", "r_perf", "r_parallel", "r_finish",
                                 "reward", "next_obs"}  # fmt: skip
    assert back["next_obs"].isna().sum() == len(h)  # one terminal row per episode
    per_run = back.groupby("run")["reward"].sum()
    runs = h["trace_path"].map(lambda p: sn.replay(p).id)
    logged = dict(zip(runs, h["reward"], strict=True))
    for run, reward in per_run.items():
        assert reward == pytest.approx(logged[run])


def test_export_dataset_reads_other_policies_traces(tmp_path):
    sn.Swarm(policy=sn.policies.Heuristic(), trace=tmp_path).solve_sync(
        sn.scenarios.WideSearch(n_items=6, seed=0)
    )
    sn.Swarm(policy=sn.policies.LLM(), trace=tmp_path).solve_sync(
        sn.scenarios.WideSearch(n_items=4, seed=0)
    )
    frame = export_dataset(tmp_path, tmp_path / "d.parquet")
    assert set(frame["policy"].dropna()) >= {"heuristic", "llm"}
    assert frame["logprob"].isna().any()  # the LLM gives none
    assert (frame.groupby("run")["done"].sum() == 1).all()


def test_swarm_env_passes_check_env():
    pytest.importorskip("gymnasium")
    from gymnasium.utils.env_checker import check_env

    env = sn.training.SwarmEnv(curriculum=SMALL)
    check_env(env, skip_render_check=True)
    obs, info = env.reset(seed=3)
    total, done = 0.0, False
    while not done:
        mask = info["action_mask"]["kind"]
        kind = 0 if mask[0] and obs[8] == 0 else 4  # assign once, then finish
        obs, reward, done, _truncated, info = env.step(np.array([kind, 1, 0]))
        total += reward
    assert info["metrics"]["spawn_count"] >= 1
    # λ = 0: the episode's return is r_perf of its metrics
    assert total == pytest.approx(r_perf(info["metrics"]))
    env.close()


def test_dashboard_follows_training():
    from swarmnb.training.report import CURVES

    t = trainer()
    dash = t.dashboard()
    assert dash.progress["episode"] == 0
    t.train_sync(8)
    assert dash.progress == {**dash.progress, "episode": 8, "target": 8}
    assert set(dash.curves) == set(CURVES)
    assert dash.curves["reward"][-1][0] == 7
    assert repr(dash) == "<TrainingDashboard episode=8 target=8>"
    dash.close()


def test_report_is_one_offline_html_page(tmp_path):
    from swarmnb.training.report import write_report

    h = trainer().train_sync(8)
    page = write_report(h, tmp_path / "report.html", settings={"episodes": 8}).read_text()
    assert "Learning curves" in page and "simulated" in page.lower()
    assert "cdn.jsdelivr" not in page and "<script" in page


def test_cli_train_writes_policy_history_and_report(tmp_path, capsys):
    from swarmnb.cli import main

    out = tmp_path / "parl"
    code = main(["train", "--episodes", "2", "--group-size", "2", "--processes", "1",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    policy = sn.policies.PARL.load(out / "policy.json")
    assert policy.episodes_trained == 2
    assert len(pd.read_csv(out / "history.csv")) == 2
    assert "Learning curves" in (out / "report.html").read_text()
    assert "final policy" in capsys.readouterr().out
    assert main(["train", "--episodes", "4", "--lambda-parallel", "-1", "--out", str(out)]) == 2
    assert main(["bench", "--policies", f"parl={tmp_path / 'nope.json'}", "--out",
                 str(tmp_path / "b")]) == 2  # fmt: skip
