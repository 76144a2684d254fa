"""``swarmnb bench`` on the command line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from swarmnb.cli import _seed_list, main


def test_seed_arguments() -> None:
    assert _seed_list("3") == [0, 1, 2]
    assert _seed_list("4-6") == [4, 5, 6]
    assert _seed_list("0,7, 9") == [0, 7, 9]


def test_bench_writes_every_file_and_prints_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["bench", "--scenarios", "wide", "--policies", "single,heuristic", "--seeds", "0,1",
                 "--out", str(tmp_path), "--formats", "png", "--no-progress"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "figures are simulations" in out and "wide_search heuristic" in out
    for name in ("results.csv", "results.parquet", "summary.csv", "report.html", "pareto.png",
                 "cost_quality.png", "parallelism.png"):  # fmt: skip
        assert (tmp_path / name).stat().st_size > 0, name
    df = pd.read_csv(tmp_path / "results.csv")
    assert sorted(set(df["policy"])) == ["heuristic", "single"] and sorted(set(df["seed"])) == [
        0,
        1,
    ]
    assert (df["params"] == "n_items=20").all()  # --size small by default


def test_bad_arguments_exit_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", "--policies", "greedy", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "unknown policy 'greedy'" in capsys.readouterr().err
    code = main(["bench", "--experiment", "context", "--subagents", "small=openai/gpt-4o-mini",
                 "--out", str(tmp_path), "--no-progress"])  # fmt: skip
    assert code == 2 and "sim models only" in capsys.readouterr().err


def test_the_sensitivity_experiment_writes_its_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import swarmnb as sn
    from swarmnb.scenarios import DeepSearch, WideSearch

    real = sn.bench.sensitivity
    calls: list[dict] = []

    def tiny(**kwargs):  # the CLI's own arguments, on a sweep small enough for a unit test
        calls.append(kwargs)
        return real(values={"context_drop": (0.0, 1.0)}, policies=("single", "heuristic"),
                    scenarios={"wide_search": WideSearch(n_items=8),
                               "deep_search": DeepSearch(hops=2)}, seeds=1)  # fmt: skip

    monkeypatch.setattr(sn.bench, "sensitivity", tiny)
    code = main(["bench", "--experiment", "sensitivity", "--out", str(tmp_path),
                 "--no-progress", "--formats", "svg"])  # fmt: skip
    assert code == 0 and calls == [{"size": "small", "jobs": 1, "progress": False}]
    out = capsys.readouterr().out
    assert "Sensitivity (simulation): on WideSearch" in out
    assert (tmp_path / "sensitivity.html").exists()
    assert (tmp_path / "sensitivity_quality_gap.svg").exists()
    code = main(["bench", "--experiment", "sensitivity", "--subagents",
                 "small=openai/gpt-4o-mini", "--out", str(tmp_path), "--no-progress"])  # fmt: skip
    assert code == 2 and "sim models only" in capsys.readouterr().err
