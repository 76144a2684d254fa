"""The training report: learning curves of a PARL run as one self-contained HTML page.

Curves are means over blocks of episodes (so a long run stays a small chart): each reward
term, the weighted reward, quality, critical steps, spawn count and the λ schedule — the same
series the live :meth:`~swarmnb.training.Trainer.dashboard` draws. Figures come from
simulated episodes (``sim/`` models on the virtual clock), and the page says so.

Example::

    write_report(history, "runs/parl/report.html", title="PARL, 2,000 episodes")
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

__all__ = ["CURVES", "learning_curves", "write_report"]

#: the series of a learning curve, in the order they are drawn
CURVES = (
    "reward", "r_perf", "r_parallel", "r_finish", "quality", "critical_steps", "spawn_count",
    "lambda_parallel", "lambda_finish",
)  # fmt: skip


def learning_curves(history: pd.DataFrame, *, points: int = 60) -> pd.DataFrame:
    """Block means of every curve: columns ``episode`` (the block's last episode) + CURVES."""
    if history.empty:
        return pd.DataFrame(columns=["episode", *CURVES])
    block = max(1, -(-len(history) // points))
    grouped = history.assign(block=history["episode"] // block).groupby("block")
    out = grouped[list(CURVES)].mean()
    out.insert(0, "episode", grouped["episode"].max())
    return out.reset_index(drop=True)


def _chart(curves: pd.DataFrame, columns: list[str], title: str) -> alt.Chart:
    long = curves.melt("episode", value_vars=columns, var_name="series", value_name="value")
    return (
        alt.Chart(long, title=title)
        .mark_line(point=False)
        .encode(
            x=alt.X("episode:Q", title="episode"),
            y=alt.Y("value:Q", title=None),
            color=alt.Color("series:N", sort=columns),
        )
        .properties(width=360, height=180)
    )


def write_report(
    history: pd.DataFrame,
    path: str | Path,
    *,
    title: str = "PARL training",
    settings: Mapping[str, Any] | None = None,
    extra_html: str = "",
) -> Path:
    """Write the learning curves and a summary table to ``path`` (one HTML file, offline)."""
    curves = learning_curves(history)
    charts = alt.vconcat(
        alt.hconcat(
            _chart(curves, ["reward", "r_perf", "r_parallel", "r_finish"], "reward terms"),
            _chart(curves, ["quality"], "quality (item-F1 / pass@1 / success)"),
        ),
        alt.hconcat(
            _chart(curves, ["critical_steps"], "critical steps"),
            _chart(curves, ["spawn_count"], "subagents spawned"),
        ),
        _chart(curves, ["lambda_parallel", "lambda_finish"], "λ schedule"),
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    chart_file = path.with_suffix(".charts.html")
    charts.save(str(chart_file), inline=True)
    chart_html = chart_file.read_text()
    chart_file.unlink()
    by_task = (
        history.groupby("task")[["reward", "quality", "critical_steps", "spawn_count"]]
        .mean()
        .round(3)
        .to_html()
        if not history.empty
        else ""
    )
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in (settings or {}).items()
    )
    page = (
        f"<h1>{html.escape(title)}</h1><p>Simulated episodes (sim/ models on the virtual "
        f"clock): {len(history):,} episodes.</p><table>{rows}</table>"
        f"<h2>Learning curves</h2>{chart_html}<h2>Mean over training, by task</h2>{by_task}"
        f"{extra_html}"
    )
    path.write_text(f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>"
                    f"<body style='font-family:sans-serif'>{page}</body>")  # fmt: skip
    return path
