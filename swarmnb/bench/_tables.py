"""Summary tables for people: formatted cells, one table per scenario, no silent columns.

A column that is the same for every policy of a scenario (``success_rate`` 0 everywhere on a
100-row WideSearch) or undefined there (``pass_at_1`` on a search task) says nothing in a
comparison table; :func:`scenario_tables` drops it and says why in a note, so a reader never
meets an unexplained ``0 ± 0``.

Example::

    for scenario, table, notes in scenario_tables(sn.bench.summary(results)):
        display(table); print(*notes, sep="\\n")
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import pandas as pd

from ._format import fmt_pm, fmt_ratio

__all__ = ["COLUMN_TITLES", "format_cell", "scenario_tables", "summary_table"]

#: Display names with units.
COLUMN_TITLES = {
    "quality": "quality",
    "success_rate": "success rate",
    "critical_steps": "critical steps",
    "wall_clock_ms": "wall clock (s)",
    "cost_usd": "cost (USD)",
    "tokens_in": "prompt tokens",
    "spawn_count": "subagents",
    "avg_parallelism": "mean parallelism",
    "max_parallelism": "peak parallelism",
    "failure_rate": "failure rate",
    "subtask_finish_rate": "subtask finish rate",
}

#: Why a metric can be the same for every policy — said in the note when it is.
_WHY_CONSTANT: dict[str, Callable[[str, float], str | None]] = {
    "success_rate": lambda s, v: (
        "a WideSearch episode succeeds only if every cell of the table is right; at these "
        "table sizes and per-fact accuracies below 1 no policy gets every cell (item-F1, the "
        "quality column, grades the cells)"
        if v == 0 and "wide" in s.lower()
        else None
    ),
    "spawn_count": lambda s, v: "every policy ran this scenario with one agent" if v == 1 else None,
    "max_parallelism": lambda s, v: "nothing ran in parallel" if v == 1 else None,
    "avg_parallelism": lambda s, v: "nothing ran in parallel" if v == 1 else None,
    "failure_rate": lambda s, v: "no task failed" if v == 0 else None,
    "subtask_finish_rate": lambda s, v: "every subtask finished" if v == 1 else None,
}


def format_cell(metric: str, mean: float | None, ci: float | None, digits: int = 3) -> str:
    """``mean ± ci`` with the metric's unit: dollars, seconds, separators, no exponents."""
    if metric == "wall_clock_ms":
        mean = None if mean is None else mean / 1000.0
        ci = None if ci is None else ci / 1000.0
    text = fmt_pm(mean, ci, digits)
    if metric == "cost_usd" and text != "–":
        return "$" + text.replace("± ", "± $")
    return text


def _ratio_cols(stats: pd.DataFrame, baseline: str) -> dict[str, list[str]]:
    return {
        col.replace("_ratio", f" ÷ {baseline}"): [fmt_ratio(v) for v in stats[col]]
        for col in stats.columns
        if col.endswith("_ratio")
    }


def summary_table(
    stats: pd.DataFrame, *, digits: int = 3, baseline: str = "single"
) -> pd.DataFrame:
    """A summary as display text: ``mean ± ci95`` per metric (units, thousands separators,
    no scientific notation), ratios as ``×`` in columns named ``"<metric> ÷ <baseline>"``."""
    out = stats[[c for c in ("scenario", "policy", "n") if c in stats.columns]].copy()
    for col in stats.columns:
        if col.endswith("_mean"):
            name = col.removesuffix("_mean")
            ci = stats[f"{name}_ci95"] if f"{name}_ci95" in stats else [None] * len(stats)
            out[name] = [
                format_cell(name, _num(m), _num(c), digits)
                for m, c in zip(stats[col], ci, strict=True)
            ]
    for name, values in _ratio_cols(stats, baseline).items():
        out[name] = values
    return out


def _num(x: object) -> float | None:
    if x is None:
        return None
    value = float(x)  # type: ignore[arg-type]
    return None if math.isnan(value) else value


def _constant(values: pd.Series) -> float | None:
    vals = values.dropna()
    if len(vals) < 2 or not bool((vals - vals.iloc[0]).abs().max() < 1e-12):
        return None
    return float(vals.iloc[0])


def scenario_tables(
    stats: pd.DataFrame, *, baseline: str = "single", digits: int = 3
) -> Iterator[tuple[str, pd.DataFrame, list[str]]]:
    """Per scenario: the display table (readable titles) and notes on the columns left out."""
    for scenario, group in stats.groupby("scenario", sort=False):
        group = group.reset_index(drop=True)
        notes: list[str] = []
        keep = []
        for col in [c for c in group.columns if c.endswith("_mean")]:
            name = col.removesuffix("_mean")
            title = COLUMN_TITLES.get(name, name)
            if group[col].isna().all():
                notes.append(f"{title}: not defined for {scenario}.")
                continue
            value = _constant(group[col]) if len(group) > 1 and name != "quality" else None
            if value is not None:
                why = _WHY_CONSTANT.get(name, lambda s, v: None)(str(scenario), value)
                shown = format_cell(name, value, None, digits)
                notes.append(
                    f"{title} is {shown} for every policy"
                    + (f": {why}." if why else " (left out of the table).")
                )
                continue
            keep.append(name)
        table = summary_table(group, digits=digits, baseline=baseline)
        ratios = [c for c in table.columns if c.endswith(f" ÷ {baseline}")]
        names = {k: COLUMN_TITLES.get(k, k) for k in keep}
        for col in ratios:
            metric = col.removesuffix(f" ÷ {baseline}")
            names[col] = f"{COLUMN_TITLES.get(metric, metric).split(' (')[0]} ÷ {baseline}"
        table = table[["policy", "n", *keep, *ratios]].rename(columns=names)
        yield str(scenario), table, notes
