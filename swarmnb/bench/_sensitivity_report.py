"""Tables, the headline sentence, charts and files of a :class:`~swarmnb.bench.Sensitivity`.

The *quality gap* is a swarm policy's mean quality minus the single agent's at the same point
and scenario (item-F1 or pass@1 points: +0.10 means ten points better); the *steps advantage*
is the single agent's mean critical steps ÷ the policy's (3× = a critical path a third as
long). Both are means over the same seeds.

Example::

    gap_table(sens.results)        # one row per point × scenario × swarm policy
    headline(gap_table(sens.results))
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from ._axes import AXES

__all__ = ["dependence", "gap_table", "headline", "one_at_a_time", "sensitivity_charts"]

#: A change of the quality gap smaller than this (item-F1 points) counts as "no change".
FLAT = 0.03


def gap_table(results: pd.DataFrame, *, baseline: str = "single") -> pd.DataFrame:
    """Per point × scenario × policy: mean quality, critical steps and cost, and the gaps."""
    axes = [c for c in AXES if c in results.columns]
    keys = ["varied", "point", *axes, "scenario", "policy"]
    means = (
        results.groupby(keys, sort=False, dropna=False)[["quality", "critical_steps", "cost_usd"]]
        .mean()
        .reset_index()
    )
    base = means[means["policy"] == baseline].drop(columns=["policy"])
    base = base.rename(
        columns={"quality": "quality_single", "critical_steps": "steps_single",
                 "cost_usd": "cost_single"}
    )  # fmt: skip
    out = means[means["policy"] != baseline].merge(
        base, on=[k for k in keys if k != "policy"], how="left"
    )
    out["quality_gap"] = out["quality"] - out["quality_single"]
    out["steps_advantage"] = out["steps_single"] / out["critical_steps"]
    out["cost_ratio"] = out["cost_usd"] / out["cost_single"]
    return out.reset_index(drop=True)


def one_at_a_time(gaps: pd.DataFrame) -> pd.DataFrame:
    """The default point repeated for each axis, plus the points that change only that axis."""
    axes = [c for c in AXES if c in gaps.columns]
    default = gaps[gaps["varied"] == "none"]
    parts = []
    for name in axes:
        rows = pd.concat([default, gaps[gaps["varied"] == name]], ignore_index=True)
        rows = rows.assign(axis=name, value=rows[name], label=rows[name].map(AXES[name].label))
        parts.append(rows)
    return pd.concat(parts, ignore_index=True).sort_values(["axis", "scenario", "policy", "value"])


def dependence(gaps: pd.DataFrame) -> pd.DataFrame:
    """Per scenario × policy × axis: the range of the quality gap and steps advantage."""
    rows = []
    for (axis, scenario, policy), g in one_at_a_time(gaps).groupby(
        ["axis", "scenario", "policy"], sort=False
    ):
        lo = g.loc[g["quality_gap"].idxmin()]
        rows.append(
            {
                "scenario": scenario,
                "policy": policy,
                "axis": axis,
                "gap_min": g["quality_gap"].min(),
                "gap_max": g["quality_gap"].max(),
                "gap_range": g["quality_gap"].max() - g["quality_gap"].min(),
                "gap_at_min_value": lo["label"],
                "steps_adv_min": g["steps_advantage"].min(),
                "steps_adv_max": g["steps_advantage"].max(),
                "steps_adv_at_gap_min": lo["steps_advantage"],
            }
        )
    return pd.DataFrame(rows).sort_values(
        ["scenario", "policy", "gap_range"], ascending=[True, True, False]
    )


def _signed(x: float) -> str:
    return "±0.00" if abs(x) < 0.005 else f"{x:+.2f}"


def headline(
    gaps: pd.DataFrame, *, scenario: str = "wide_search", policy: str = "heuristic"
) -> str:
    """One sentence: what the quality gap depends on, and what happens to the steps advantage."""
    dep = dependence(gaps)
    dep = dep[(dep["scenario"] == scenario) & (dep["policy"] == policy)]
    if dep.empty:
        return f"Sensitivity: no {policy} results on {scenario} in this sweep."
    default = gaps[
        (gaps["varied"] == "none") & (gaps["scenario"] == scenario) & (gaps["policy"] == policy)
    ].iloc[0]
    top = dep.iloc[0]
    flat = [
        AXES[a].title
        for a in dep["axis"].iloc[1:]
        if dep.set_index("axis").loc[a, "gap_range"] < FLAT
    ]
    name = {"wide_search": "WideSearch", "deep_search": "DeepSearch"}.get(scenario, scenario)
    steps = top["steps_adv_at_gap_min"]
    steps_text = (
        f"while its critical-steps advantage stays {steps:.1f}× "
        f"(vs {default['steps_advantage']:.1f}×)"
        if steps >= 1.05
        else f"and its critical-steps advantage is {steps:.2f}× there"
    )
    if top["gap_range"] < FLAT:
        return (
            f"Sensitivity (simulation): on {name} the {policy} swarm's quality gap over one agent "
            f"({_signed(default['quality_gap'])} at the sim defaults) moves by under {FLAT:.2f} on "
            f"every axis swept; its critical-steps advantage is {default['steps_advantage']:.1f}×."
        )
    sentence = (
        f"Sensitivity (simulation): on {name} the {policy} swarm's quality gap over one agent "
        f"({_signed(default['quality_gap'])} at the sim defaults) depends on "
        f"{AXES[top['axis']].title}: it is {_signed(top['gap_min'])} at {top['axis']} "
        f"{top['gap_at_min_value']}, {steps_text}"
    )
    if flat:
        sentence += f"; {', '.join(flat)} move it by under {FLAT:.2f}"
    return sentence + "."


def _value_sort(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame.sort_values("value")["label"]))


def _one_axis_chart(
    frame: pd.DataFrame,
    order: list[str],
    y: str,
    y_title: str,
    rule: float,
    log: bool,
    title: str,
) -> Any:
    """Per scenario, a grid of one panel per axis: x the axis's values, a line per policy."""
    blocks = []
    for scenario in order:
        panels = []
        for name in dict.fromkeys(frame["axis"]):
            part = frame[(frame["axis"] == name) & (frame["scenario"] == scenario)]
            scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
            lines = (
                alt.Chart(part)
                .mark_line(point=alt.OverlayMarkDef(size=50))
                .encode(
                    x=alt.X("label:N", sort=_value_sort(part), title=AXES[name].title,
                            axis=alt.Axis(labelAngle=-30)),
                    y=alt.Y(f"{y}:Q", title=y_title, scale=scale),
                    color=alt.Color("policy:N", title="swarm policy"),
                    tooltip=["policy:N", "label:N", alt.Tooltip(f"{y}:Q", format=".3")],
                )
            )  # fmt: skip
            ref = alt.Chart(pd.DataFrame({y: [rule]})).mark_rule(color="#888", strokeDash=[3, 3])
            panels.append(
                alt.layer(lines, ref.encode(y=f"{y}:Q")).properties(width=200, height=160)
            )
        rows = [alt.hconcat(*panels[i : i + 3]) for i in range(0, len(panels), 3)]
        blocks.append(
            alt.vconcat(*rows).properties(
                title=alt.TitleParams(str(scenario), anchor="start", fontSize=13)
            )
        )
    return alt.vconcat(*blocks, spacing=30).properties(
        title=alt.TitleParams(title, anchor="start", fontSize=14)
    )


def _pair_chart(gaps: pd.DataFrame, pair: Sequence[str], policy: str) -> Any:
    a, b = pair
    keep = gaps["varied"].isin(["none", a, b, " × ".join(sorted((a, b)))])
    part = gaps[keep & (gaps["policy"] == policy)].copy()
    part["a"] = part[a].map(AXES[a].label)
    part["b"] = part[b].map(AXES[b].label)
    part["text"] = part["quality_gap"].map(_signed)
    top = max(0.05, float(gaps["quality_gap"].abs().max()))
    sort_a = list(dict.fromkeys(part.sort_values(a)["a"]))
    sort_b = list(dict.fromkeys(part.sort_values(b, ascending=False)["b"]))
    base = alt.Chart(part).encode(
        x=alt.X("a:N", sort=sort_a, title=AXES[a].title, axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("b:N", sort=sort_b, title=AXES[b].title),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("quality_gap:Q", title="quality gap",
                        scale=alt.Scale(scheme="redblue", domain=[-top, top])),
    )  # fmt: skip
    text = base.mark_text(fontSize=12).encode(text="text:N")
    return (
        alt.layer(heat, text)
        .properties(width=210, height=150)
        .facet(
            column=alt.Column("scenario:N", title=None, sort=list(dict.fromkeys(gaps["scenario"])))
        )
        .properties(title=f"{policy}: quality gap over single, {a} × {b}")
    )


def sensitivity_charts(gaps: pd.DataFrame, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The sweep's charts, titled as simulations."""
    oat = one_at_a_time(gaps)
    order = list(dict.fromkeys(gaps["scenario"]))
    out = {
        "quality_gap": _one_axis_chart(
            oat, order, "quality_gap", "quality − single's", 0.0, False,
            "Quality gap over the single agent, one assumption at a time (simulation; "
            "above the dashed line the swarm is better)",
        ),
        "steps_advantage": _one_axis_chart(
            oat, order, "steps_advantage", "single's critical steps ÷ policy's (log)", 1.0, True,
            "Critical-steps advantage over the single agent, one assumption at a time "
            "(simulation; above 1× the swarm's critical path is shorter)",
        ),
    }  # fmt: skip
    pairs = settings.get("pairs") or []
    if pairs:
        out["pairs"] = alt.vconcat(*(_pair_chart(gaps, p, "heuristic") for p in pairs)).properties(
            title=alt.TitleParams(
                "Two assumptions at once (simulation; blue: swarm better, red: worse)",
                anchor="start", fontSize=14,
            )
        )  # fmt: skip
    return out


def _display(gaps: pd.DataFrame) -> pd.DataFrame:
    from ._format import fmt_number, fmt_ratio, fmt_signed

    cols = ["point", "scenario", "policy", "quality_single", "quality", "quality_gap",
            "steps_single", "critical_steps", "steps_advantage"]  # fmt: skip
    out = gaps[cols].copy()
    for c in ("quality_single", "quality"):
        out[c] = out[c].map(lambda v: fmt_number(v, 3))
    out["quality_gap"] = out["quality_gap"].map(fmt_signed)
    for c in ("steps_single", "critical_steps"):
        out[c] = out[c].map(lambda v: fmt_number(v, 1))
    out["steps_advantage"] = out["steps_advantage"].map(fmt_ratio)
    return out.rename(
        columns={"quality_single": "single quality", "quality_gap": "quality gap",
                 "steps_single": "single critical steps", "critical_steps": "critical steps",
                 "steps_advantage": "steps advantage"}
    )  # fmt: skip


def write_sensitivity(sens: Any, out: str | Path, *, formats: Sequence[str]) -> dict[str, Path]:
    from .report import SIM_NOTE, render_html, save_chart

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    gaps = sens.gaps
    for name, frame in (("sensitivity_results", sens.results), ("sensitivity_gaps", gaps)):
        written[f"{name}.csv"] = out / f"{name}.csv"
        frame.to_csv(written[f"{name}.csv"], index=False)
    figures = sens.charts()
    for name, chart in figures.items():
        for fmt in formats:
            path = out / f"sensitivity_{name}.{fmt}"
            written[path.name] = save_chart(chart, path)
    scen = sens.settings.get("scenarios", [])
    sentences = [sens.headline(s, p) for s in scen for p in ("heuristic", "bandit")
                 if p in sens.settings.get("policies", [])]  # fmt: skip
    summary = "".join(f"<li>{s}</li>" for s in sentences)
    sections = [
        ("What the swarm's advantage depends on", f"<ul>{summary}</ul>"),
        ("Quality gap, one assumption at a time", figures["quality_gap"]),
        ("Critical-steps advantage, one assumption at a time", figures["steps_advantage"]),
    ]
    if "pairs" in figures:
        sections.append(("Two assumptions at once", figures["pairs"]))
    sections.append(("Every point (means over seeds)", _display(gaps)))
    settings = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in sens.settings.items())
    sections.append(("Settings", f"<table class='table'>{settings}</table>"))
    page = render_html("swarmnb — sensitivity to the simulator's assumptions", sections,
                       notes=[sens.headline(), SIM_NOTE])  # fmt: skip
    written["sensitivity.html"] = out / "sensitivity.html"
    written["sensitivity.html"].write_text(page, encoding="utf-8")
    return written


def _finite(x: float) -> bool:
    return isinstance(x, float) and math.isfinite(x)
