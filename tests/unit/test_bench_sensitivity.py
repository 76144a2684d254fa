"""The sensitivity sweep: points, profile changes, gaps, the headline sentence, files."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import swarmnb as sn
from swarmnb.bench._axes import AXES, points, profiles_at
from swarmnb.bench._sensitivity_report import dependence, gap_table, headline
from swarmnb.models import SIM_PROFILES
from swarmnb.scenarios import DeepSearch, WideSearch


def test_points_cover_each_axis_and_the_pair_grid_once():
    values = {"context_drop": (0.0, 1.0, 2.0), "overhead_s": (0.1, 1.0)}
    found = points(values, [("context_drop", "overhead_s")])
    assert found[0] == ()  # the sim defaults come first
    assert (("context_drop", 0.0),) in found and (("overhead_s", 0.1),) in found
    assert (("context_drop", 0.0), ("overhead_s", 0.1)) in found
    assert len(found) == len(set(found)) == 1 + 2 + 1 + 2  # defaults, singles, pair corners


def test_profiles_at_changes_every_profile_and_nothing_else():
    assert profiles_at(())["small"] == SIM_PROFILES["small"]
    no_drop = profiles_at((("context_drop", 0.0),))
    for name, p in no_drop.items():
        assert p.context_drop == 0.0 and p.accuracy(p.context_window) == p.base_accuracy
        assert p.overhead_s == SIM_PROFILES[name].overhead_s
    capped = profiles_at((("base_accuracy", 1.5),))
    assert all(p.base_accuracy == 1.0 for p in capped.values())
    flat_prices = profiles_at((("price_ratio", 1.0),))
    assert {p.input_usd_per_mtok for p in flat_prices.values()} == {0.15}
    steep = profiles_at((("price_ratio", 100.0),))
    ratio = steep["large"].input_usd_per_mtok / steep["small"].input_usd_per_mtok
    assert math.isclose(ratio, 100.0)
    assert AXES["price_ratio"].label(AXES["price_ratio"].default).endswith("(default)")


@pytest.fixture(scope="module")
def sweep() -> sn.bench.Sensitivity:
    return sn.bench.sensitivity(
        values={"context_drop": (0.0, 1.0), "overhead_s": (1.0, 10.0)},
        pairs=[("context_drop", "overhead_s")],
        scenarios={"wide_search": WideSearch(n_items=12), "deep_search": DeepSearch(hops=2)},
        policies=("single", "heuristic"),
        seeds=1,
    )


def test_the_sweep_runs_every_point_and_restores_the_profiles(sweep):
    before = dict(SIM_PROFILES)
    res = sweep.results
    assert set(res["point"]) == {
        "sim defaults", "context_drop ×0", "overhead_s ×10", "context_drop ×0, overhead_s ×10"
    }  # fmt: skip
    assert len(res) == 4 * 2 * 2  # points × scenarios × policies × 1 seed
    assert dict(SIM_PROFILES) == before
    assert (res["clock"] == "virtual").all()
    assert "(simulation)" in repr(sweep)


def test_gaps_follow_the_sims_assumptions(sweep):
    gaps = sweep.gaps.set_index(["point", "scenario", "policy"])
    wide = ("wide_search", "heuristic")
    single_default = gaps.loc[("sim defaults", *wide), "quality_single"]
    single_no_drop = gaps.loc[("context_drop ×0", *wide), "quality_single"]
    assert single_no_drop >= single_default  # no degradation: one long context loses nothing
    slow = gaps.loc[("overhead_s ×10", *wide)]
    fast = gaps.loc[("sim defaults", *wide)]
    assert slow["steps_advantage"] == fast["steps_advantage"]  # steps do not count seconds
    assert slow["quality_gap"] == fast["quality_gap"]


def test_headline_names_the_axis_that_moves_the_gap_most():
    rows = []
    for point, varied, drop, overhead, gap in (
        ("sim defaults", "none", 1.0, 1.0, 0.30),
        ("context_drop ×0", "context_drop", 0.0, 1.0, 0.01),
        ("overhead_s ×10", "overhead_s", 1.0, 10.0, 0.29),
    ):
        for policy, q, steps in (("single", 0.5, 100.0), ("heuristic", 0.5 + gap, 10.0)):
            rows.append({"varied": varied, "point": point, "context_drop": drop,
                         "overhead_s": overhead, "scenario": "wide_search", "policy": policy,
                         "quality": q, "critical_steps": steps, "cost_usd": 1.0})  # fmt: skip
    gaps = gap_table(pd.DataFrame(rows))
    dep = dependence(gaps)
    assert dep.iloc[0]["axis"] == "context_drop"
    assert math.isclose(dep.iloc[0]["gap_range"], 0.29)
    text = headline(gaps)
    assert "depends on context degradation" in text and "+0.01 at context_drop ×0" in text
    assert "stays 10.0×" in text and "per-call overhead latency" in text
    assert text.startswith("Sensitivity (simulation)")


def test_write_gives_html_charts_and_tables(sweep, tmp_path):
    written = sweep.write(tmp_path, formats=("svg",))
    for name in ("sensitivity.html", "sensitivity_gaps.csv", "sensitivity_quality_gap.svg",
                 "sensitivity_steps_advantage.svg", "sensitivity_pairs.svg"):  # fmt: skip
        assert written[name].exists(), name
    page = written["sensitivity.html"].read_text()
    assert "Sensitivity (simulation)" in page and "simulations" in page
    assert "e+0" not in page.split("<script>")[0] and "e-0" not in page.split("<script>")[0]


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown axes"):
        sn.bench.sensitivity(axes=["gravity"])
    with pytest.raises(ValueError, match="size"):
        sn.bench.sensitivity(size="huge")
