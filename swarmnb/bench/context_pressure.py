"""The context-pressure experiment: one agent's context strategies vs the swarm's sharding.

A single agent doing a WideSearch table reads every page into one conversation. As the table
grows, its prompt fills the window: accuracy falls with the fill, and past the window the
provider refuses the prompt. Three ways for one agent to cope (``keep-all``,
``discard-all``, ``summarize``, see :mod:`swarmnb.orchestrator.context_window`) are run against a
swarm whose subagents each see only their share of the table. The *crossover* is the item
count from which the single agent's item-F1 stays below the swarm's.

Example::

    cp = sn.bench.context_pressure(n_items=(10, 50, 100, 200), seeds=range(3))
    cp.crossover()          # per strategy: the item count where single falls below the swarm
    cp.chart()              # item-F1 vs item count, crossovers marked (simulation)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from .harness import benchmark, summary
from .specs import Contender, ScenarioSpec, Size

__all__ = ["PRESSURE_SIZES", "ContextPressure", "context_pressure", "crossover", "pressure_chart"]

#: Item counts and seeds per size: "small" for CI, "full" for the published figure.
PRESSURE_SIZES: dict[Size, dict[str, tuple[int, ...]]] = {
    "small": {"n_items": (5, 30, 90), "seeds": (0, 1)},
    "full": {"n_items": (5, 10, 25, 50, 75, 100, 150, 200), "seeds": (0, 1, 2, 3, 4)},
}
SWARM = "swarm"
_ORDER = ["keep-all", "discard-all", "summarize", SWARM]


@dataclass(slots=True)
class ContextPressure:
    """Results of :func:`context_pressure`: one row per item count × arm × seed."""

    results: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    real_seconds: float = 0.0

    def means(self, metric: str = "item_f1") -> pd.DataFrame:
        """Mean and 95 % CI of ``metric`` per item count and arm."""
        return _means(self.results, metric)

    def crossover(self, metric: str = "item_f1") -> pd.DataFrame:
        return crossover(self.results, metric=metric)

    def chart(self, metric: str = "item_f1") -> Any:
        return pressure_chart(self.results, metric=metric)

    def write(self, out: str | Path, *, formats: Sequence[str] = ("png", "svg")) -> dict[str, Path]:
        """CSV + Parquet of the results, the chart as PNG/SVG, and ``context_pressure.html``."""
        from .report import SENSITIVITY_HEADLINE, SIM_NOTE, render_html, save_chart

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = {
            "context_pressure.csv": out / "context_pressure.csv",
            "context_pressure.parquet": out / "context_pressure.parquet",
        }
        self.results.to_csv(written["context_pressure.csv"], index=False)
        self.results.to_parquet(written["context_pressure.parquet"], index=False)
        chart = self.chart()
        for fmt in formats:
            written[f"context_pressure.{fmt}"] = save_chart(chart, out / f"context_pressure.{fmt}")
        page = render_html(
            "swarmnb context pressure: one agent's context vs the swarm's sharding",
            [
                ("item-F1 and critical steps as the table grows", chart),
                ("Crossover: single falls below the swarm", self.crossover()),
                ("Means over seeds", self.means().round(4)),
            ],
            notes=[SENSITIVITY_HEADLINE, SIM_NOTE],
        )
        written["context_pressure.html"] = out / "context_pressure.html"
        written["context_pressure.html"].write_text(page, encoding="utf-8")
        return written

    def __repr__(self) -> str:
        s = self.settings
        return (
            f"<ContextPressure n_items={list(s.get('n_items', ()))} "
            f"strategies={s.get('strategies')} seeds={len(s.get('seeds', ()))}>"
        )


def context_pressure(
    n_items: Iterable[int] | None = None,
    strategies: Sequence[str] = ("keep-all", "discard-all", "summarize"),
    seeds: Iterable[int] | None = None,
    *,
    size: Size = "small",
    swarm: Any = None,
    n_attributes: int = 4,
    strategy_options: Mapping[str, Mapping[str, Any]] | None = None,
    swarm_options: Mapping[str, Any] | None = None,
    jobs: int = 1,
    progress: bool = False,
) -> ContextPressure:
    """Run Single under each context strategy and a swarm on WideSearch at each item count.

    ``n_items`` and ``seeds`` default to :data:`PRESSURE_SIZES` [``size``]. ``swarm`` is the
    swarm's policy (default ``Heuristic()``: about five companies per subagent, at most 20).
    ``strategy_options`` passes constructor options per strategy name, e.g.
    ``{"summarize": {"threshold": 0.6}}``.
    """
    from ..orchestrator.context_window import make_strategy
    from ..policies import Heuristic, Single
    from ..scenarios import WideSearch

    preset = PRESSURE_SIZES[size]
    counts = tuple(sorted(set(n_items if n_items is not None else preset["n_items"])))
    seed_list = tuple(seeds if seeds is not None else preset["seeds"])
    options = dict(strategy_options or {})
    contenders = {
        name: Contender(
            Single(),
            name=name,
            options={"context_strategy": make_strategy(name, **options.get(name, {}))},
        )
        for name in strategies
    }
    contenders[SWARM] = Contender(swarm if swarm is not None else Heuristic(), name=SWARM)
    scenarios = {
        f"n={n}": ScenarioSpec(WideSearch, {"n_items": n, "n_attributes": n_attributes})
        for n in counts
    }
    bench = benchmark(
        scenarios, contenders, seed_list, size=size, jobs=jobs, progress=progress,
        swarm_options=swarm_options, timeline_points=1,
    )  # fmt: skip
    df = bench.results.rename(columns={"policy": "arm"})
    df.insert(1, "n_items", df["scenario"].str.removeprefix("n=").astype(int))
    df.insert(3, "agent", ["swarm" if a == SWARM else "single" for a in df["arm"]])
    settings = {
        "n_items": list(counts),
        "strategies": list(strategies),
        "seeds": list(seed_list),
        "swarm": repr(contenders[SWARM].policy),
        "n_attributes": n_attributes,
        "strategy_options": {k: dict(v) for k, v in options.items()},
    }
    return ContextPressure(results=df, settings=settings, real_seconds=bench.real_seconds)


def _means(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    stats = summary(df.rename(columns={"arm": "policy"}), baseline=None, metrics=(metric,),
                    by=("n_items", "policy"))  # fmt: skip
    return stats.rename(columns={"policy": "arm"}).sort_values(["arm", "n_items"], kind="stable")


def _from(below: list[bool]) -> int | None:
    """The first index from which every value is True (None if the last one is False)."""
    for i in range(len(below)):
        if all(below[i:]):
            return i
    return None


def crossover(df: pd.DataFrame, *, metric: str = "item_f1") -> pd.DataFrame:
    """Per single-agent strategy, where its ``metric`` falls below the swarm's for good.

    ``crossover_n``: the item count from which its mean stays below the swarm's mean;
    ``last_above_n``: the count before it (missing if below from the smallest count);
    ``significant_from_n``: the count from which the whole 95 % CI of the single agent stays
    below the swarm's (missing if never, e.g. with too few seeds). Missing ``crossover_n``
    means the single agent never falls below for good.
    """
    stats = _means(df, metric)
    if SWARM not in set(stats["arm"]):
        raise KeyError(f"crossover needs the {SWARM!r} arm in the results")
    wide = stats.pivot(index="n_items", columns="arm", values=[f"{metric}_mean", f"{metric}_ci95"])
    mean, ci = wide[f"{metric}_mean"], wide[f"{metric}_ci95"]
    counts = mean.index.to_list()
    rows = []
    for arm in [a for a in mean.columns if a != SWARM]:
        first = _from((mean[arm] < mean[SWARM]).tolist())
        sig = _from(((mean[arm] + ci[arm]) < (mean[SWARM] - ci[SWARM])).tolist())
        rows.append(
            {
                "strategy": arm,
                "crossover_n": counts[first] if first is not None else None,
                "last_above_n": counts[first - 1] if first else None,
                "significant_from_n": counts[sig] if sig is not None else None,
                f"single_{metric}_at_crossover": None if first is None else mean[arm].iloc[first],
                f"swarm_{metric}_at_crossover": None if first is None else mean[SWARM].iloc[first],
            }
        )
    order = {name: i for i, name in enumerate(_ORDER)}
    out = pd.DataFrame(rows).sort_values("strategy", key=lambda s: s.map(order))
    return out.reset_index(drop=True)


def pressure_chart(df: pd.DataFrame, *, metric: str = "item_f1") -> Any:
    """Mean ``metric`` (± 95 % CI band) vs item count per arm, crossovers as dashed rules,
    next to critical steps vs item count (log scale)."""
    arms = [a for a in _ORDER if a in set(df["arm"])] + sorted(set(df["arm"]) - set(_ORDER))
    color = alt.Color("arm:N", title="agent · context", sort=arms)
    q = _means(df, metric)
    q["lo"] = (q[f"{metric}_mean"] - q[f"{metric}_ci95"].fillna(0)).clip(lower=0)
    q["hi"] = (q[f"{metric}_mean"] + q[f"{metric}_ci95"].fillna(0)).clip(upper=1)
    x = alt.X("n_items:Q", title="WideSearch items (table rows)")
    base = alt.Chart(q).encode(x=x, color=color)
    band = base.mark_area(opacity=0.1).encode(y="lo:Q", y2="hi:Q")
    dash = alt.StrokeDash("arm:N", sort=arms, legend=None)
    line = base.mark_line(point=True).encode(
        strokeDash=dash,
        y=alt.Y(
            f"{metric}_mean:Q", title=f"{metric} (mean over seeds)", scale=alt.Scale(domain=[0, 1])
        ),
        tooltip=["arm:N", "n_items:Q", f"{metric}_mean:Q", f"{metric}_ci95:Q", "n:Q"],
    )
    cross = crossover(df, metric=metric).dropna(subset=["crossover_n"])
    cross = cross.assign(
        arm=cross["strategy"],
        label=[
            f"{s} < swarm from n={int(n)}"
            + ("" if pd.isna(sig) else f" (beyond the 95% CIs from n={int(sig)})")
            for s, n, sig in zip(
                cross["strategy"], cross["crossover_n"], cross["significant_from_n"], strict=True
            )
        ],
        y=[0.06 + 0.07 * i for i in range(len(cross))],
    )
    rules = alt.Chart(cross).mark_rule(strokeDash=[5, 4]).encode(x="crossover_n:Q", color=color)
    labels = (
        alt.Chart(cross)
        .mark_text(align="left", dx=4, fontSize=11)
        .encode(
            x="crossover_n:Q",
            y=alt.Y("y:Q", scale=alt.Scale(domain=[0, 1])),
            text="label:N",
            color=color,
        )
    )
    quality = alt.layer(band, line, rules, labels).properties(
        width=380, height=260, title=f"{metric} as the table grows (simulation)"
    )
    steps = (
        alt.Chart(_means(df, "critical_steps"))
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y(
                "critical_steps_mean:Q", title="critical steps (log)", scale=alt.Scale(type="log")
            ),
            color=color,
            strokeDash=dash,
            tooltip=["arm:N", "n_items:Q", "critical_steps_mean:Q"],
        )
        .properties(width=300, height=260, title="Critical steps (simulation)")
    )
    return alt.hconcat(quality, steps).resolve_scale(color="shared")
