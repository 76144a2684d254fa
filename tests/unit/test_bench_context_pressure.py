"""The context-pressure experiment: its crossover, its chart and a small real run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import swarmnb as sn
from swarmnb.bench import crossover, pressure_chart


def _frame(curves: dict[str, list[float]], counts: list[int], seeds: int = 2) -> pd.DataFrame:
    rows = []
    for arm, values in curves.items():
        for n, v in zip(counts, values, strict=True):
            steps = 2.0 * n if arm != "swarm" else 25.0
            for seed in range(seeds):  # ± 0.01 around the value: means equal the value
                f1 = v + (seed - 0.5) / 50
                rows.append({"n_items": n, "arm": arm, "seed": seed, "item_f1": f1,
                             "critical_steps": steps})  # fmt: skip
    return pd.DataFrame(rows)


COUNTS = [10, 25, 50, 100]


def test_crossover_is_where_single_stays_below_the_swarm() -> None:
    df = _frame(
        {
            "keep-all": [0.78, 0.72, 0.55, 0.0],  # below from 50 on
            "discard-all": [0.60, 0.75, 0.50, 0.0],  # dips at 10, above at 25: crossover 50
            "summarize": [0.80, 0.79, 0.78, 0.77],  # never below
            "swarm": [0.70, 0.70, 0.70, 0.70],
        },
        COUNTS,
    )
    cross = crossover(df).set_index("strategy")
    assert list(cross.index) == ["keep-all", "discard-all", "summarize"]
    assert (
        cross.loc["keep-all", "crossover_n"] == 50 and cross.loc["keep-all", "last_above_n"] == 25
    )
    assert cross.loc["discard-all", "crossover_n"] == 50
    assert pd.isna(cross.loc["summarize", "crossover_n"])
    assert cross.loc["keep-all", "single_item_f1_at_crossover"] == pytest.approx(0.55)
    below_from_start = crossover(_frame({"keep-all": [0.1] * 4, "swarm": [0.7] * 4}, COUNTS))
    assert below_from_start["crossover_n"].iloc[0] == 10
    assert pd.isna(below_from_start["last_above_n"].iloc[0])
    with pytest.raises(KeyError, match="swarm"):
        crossover(df[df["arm"] != "swarm"])


def test_chart_marks_each_crossover_on_the_item_axis() -> None:
    df = _frame({"keep-all": [0.78, 0.72, 0.55, 0.0], "swarm": [0.7] * 4}, COUNTS)
    spec = pressure_chart(df).to_dict()
    quality = spec["hconcat"][0]
    assert quality["layer"][1]["encoding"]["x"]["field"] == "n_items"
    rules = [layer for layer in quality["layer"] if layer["mark"].get("type") == "rule"]
    assert rules and rules[0]["encoding"]["x"]["field"] == "crossover_n"
    datasets = spec["datasets"].values()
    labels = {row.get("label") for d in datasets for row in d} - {None}
    assert labels == {"keep-all < swarm from n=50 (beyond the 95% CIs from n=100)"}


def test_a_small_run_end_to_end(tmp_path: Path) -> None:
    cp = sn.bench.context_pressure(
        n_items=(4, 12),
        seeds=(0,),
        strategy_options={"discard-all": {"window": 1800}, "summarize": {"window": 1800}},
        swarm_options={"max_single_agent_steps": 80},
    )
    df = cp.results
    assert list(df[["n_items", "arm"]].drop_duplicates().itertuples(index=False, name=None)) == [
        (n, arm) for n in (4, 12) for arm in ("keep-all", "discard-all", "summarize", "swarm")
    ]
    assert set(df.loc[df["arm"] == "swarm", "agent"]) == {"swarm"}
    big = df[df["n_items"] == 12].set_index("arm")
    assert big.loc["discard-all", "status"] == "failed"  # forgot its table, ran out of steps
    assert big.loc["summarize", "status"] == "completed"
    assert big.loc["summarize", "context_rewrites"] >= 1
    assert big.loc["swarm", "spawn_count"] > 1 and big.loc["keep-all", "spawn_count"] == 1
    written = cp.write(tmp_path, formats=("svg",))
    assert {"context_pressure.csv", "context_pressure.parquet", "context_pressure.svg",
            "context_pressure.html"} <= set(written)  # fmt: skip
    page = written["context_pressure.html"].read_text()
    assert "<script src" not in page and "Crossover" in page
