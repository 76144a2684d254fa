"""Benchmark charts (altair) and a self-contained HTML report, with PNG/SVG copies.

The report is one HTML file that opens offline: the Vega, Vega-Lite and vega-embed bundle
comes from ``vl-convert`` and is inlined, so nothing is fetched from a CDN. PNG and SVG copies
of each chart (rendered by ``vl-convert`` too) are for READMEs and docs. Files are written
deterministically — same results, same bytes — so a re-run with the same seeds can be
compared with ``cmp``.

Example::

    bench = sn.bench.benchmark(["wide", "deep"], ["single", "heuristic"], seeds=range(3))
    sn.bench.write_report(bench, "reports/bench")   # results.csv/.parquet, report.html, PNGs
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from .._version import __version__
from .harness import Benchmark, summary

__all__ = [
    "SIM_NOTE",
    "charts",
    "pareto_front",
    "render_html",
    "save_chart",
    "summary_table",
    "write_report",
]

SIM_NOTE = (
    "All figures come from the offline sim/ models on the virtual clock: steps, tokens, "
    "dollars and times are simulations, not measurements of any real model."
)
Section = tuple[str, Any]  # (heading, an altair chart | a DataFrame | HTML text)


def _policy_color(policies: Sequence[str]) -> alt.Color:
    return alt.Color("policy:N", title="policy", sort=list(policies))


def pareto_front(points: pd.DataFrame, *, x: str, y: str = "quality") -> pd.DataFrame:
    """The rows no other row beats on both axes (lower ``x``, higher ``y``), sorted by ``x``."""
    pts = points.dropna(subset=[x, y]).sort_values([x, y], ascending=[True, False])
    best = -float("inf")
    keep = []
    for idx, value in pts[y].items():
        if value > best:
            keep.append(idx)
            best = value
    return pts.loc[keep]


def _title(text: str) -> alt.TitleParams:
    return alt.TitleParams(text, anchor="start", font="sans-serif", fontSize=14)


def _columns(frame: pd.DataFrame) -> alt.Column:
    return alt.Column("scenario:N", title=None, sort=list(dict.fromkeys(frame["scenario"])))


def _tradeoff(df: pd.DataFrame, x: str, x_title: str, policies: list[str], title: str) -> Any:
    """Per-seed points, policy means with 95 % CI bars, and the Pareto front of the means."""
    stats = summary(df, baseline=None, metrics=("quality", x))
    means = stats.rename(columns={"quality_mean": "quality", f"{x}_mean": x})
    means["lo"] = (means["quality"] - means["quality_ci95"].fillna(0)).clip(lower=0)
    means["hi"] = (means["quality"] + means["quality_ci95"].fillna(0)).clip(upper=1)
    fronts = pd.concat(
        [pareto_front(g, x=x) for _, g in means.groupby("scenario", sort=False)],
        ignore_index=True,
    )
    data = pd.concat(
        [
            df[["scenario", "policy", "seed", x, "quality"]].assign(layer="episode"),
            means[["scenario", "policy", x, "quality", "lo", "hi", "n"]].assign(layer="mean"),
            fronts[["scenario", "policy", x, "quality"]].assign(layer="front"),
        ],
        ignore_index=True,
    )
    color = _policy_color(policies)
    xenc = alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(type="log", zero=False))
    yenc = alt.Y("quality:Q", title="quality (item-F1 / pass@1)", scale=alt.Scale(domain=[0, 1]))
    base = alt.Chart().encode(x=xenc, color=color)
    episodes = (
        base.transform_filter(alt.datum.layer == "episode")
        .mark_circle(size=28, opacity=0.35)
        .encode(y=yenc, tooltip=["policy:N", "seed:Q", f"{x}:Q", "quality:Q"])
    )
    bars = (
        base.transform_filter(alt.datum.layer == "mean")
        .mark_rule(strokeWidth=2)
        .encode(y="lo:Q", y2="hi:Q")
    )
    mean_pts = (
        base.transform_filter(alt.datum.layer == "mean")
        .mark_point(size=110, filled=True, shape="diamond")
        .encode(y=yenc, tooltip=["policy:N", "n:Q", f"{x}:Q", "quality:Q"])
    )
    front = (
        alt.Chart()
        .transform_filter(alt.datum.layer == "front")
        .mark_line(strokeDash=[4, 3], color="#666")
        .encode(x=xenc, y=yenc, order=f"{x}:Q")
    )
    return (
        alt.layer(episodes, bars, mean_pts, front, data=data)
        .properties(width=230, height=200)
        .facet(column=_columns(df))
        .resolve_scale(x="independent")
        .properties(title=_title(title))
    )


def _parallelism(timelines: pd.DataFrame, policies: list[str], tag: str) -> Any:
    seed = int(timelines["seed"].min())
    first = timelines[timelines["seed"] == seed]
    return (
        alt.Chart(first)
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("t:Q", title=f"seconds since start{' (simulated)' if tag else ''}"),
            y=alt.Y("running:Q", title="subagents running (bin mean)"),
            color=_policy_color(policies),
            tooltip=["policy:N", "t:Q", "running:Q"],
        )
        .properties(width=230, height=180)
        .facet(column=_columns(first))
        .resolve_scale(x="independent")
        .properties(title=_title(f"Parallelism over time, seed {seed}{tag}"))
    )


def _is_simulated(results: pd.DataFrame) -> bool:
    return bool((results["clock"] == "virtual").any()) if "clock" in results else True


def charts(
    results: pd.DataFrame,
    timelines: pd.DataFrame | None = None,
    *,
    simulated: bool | None = None,
) -> dict[str, Any]:
    """The standard charts: ``pareto`` (quality vs critical steps), ``cost_quality`` and,
    with timelines, ``parallelism`` over time. Titles say "simulation" when ``simulated``
    (default: any episode ran on the virtual clock)."""
    tag = " (simulation)" if (_is_simulated(results) if simulated is None else simulated) else ""
    policies = list(dict.fromkeys(results["policy"]))
    legend = "diamonds: mean ± 95% CI; dashed: Pareto front of the means"
    out = {
        "pareto": _tradeoff(
            results, "critical_steps", "critical steps (log)", policies,
            f"Quality vs critical steps{tag} — {legend}",
        ),
        "cost_quality": _tradeoff(
            results, "cost_usd", f"cost in USD (log{', simulated prices' if tag else ''})",
            policies, f"Quality vs cost{tag} — {legend}",
        ),
    }  # fmt: skip
    if timelines is not None and len(timelines):
        out["parallelism"] = _parallelism(timelines, policies, tag)
    return out


def summary_table(
    stats: pd.DataFrame, *, digits: int = 3, baseline: str = "single"
) -> pd.DataFrame:
    """A summary as display text: ``mean ± ci95`` per metric, ratios as ``×`` in columns
    named ``"<metric> ÷ <baseline>"``."""
    out = stats[[c for c in ("scenario", "policy", "n") if c in stats.columns]].copy()
    for col in stats.columns:
        if col.endswith("_mean"):
            name = col.removesuffix("_mean")
            ci = stats.get(f"{name}_ci95")
            out[name] = [
                _pm(m, c, digits)
                for m, c in zip(
                    stats[col], ci if ci is not None else [None] * len(stats), strict=True
                )
            ]
    for col in stats.columns:
        if col.endswith("_ratio"):
            out[col.replace("_ratio", f" ÷ {baseline}")] = [
                "–" if pd.isna(v) else f"{v:.3g}×" for v in stats[col]
            ]
    return out


def _pm(mean: float, ci: float | None, digits: int) -> str:
    if pd.isna(mean):
        return "–"
    text = f"{mean:.{digits}g}"
    return text if ci is None or pd.isna(ci) else f"{text} ± {ci:.2g}"


@lru_cache(maxsize=1)
def _vega_bundle() -> str:
    import vl_convert as vlc

    return vlc.javascript_bundle(vl_version=_vl_version())


def _vl_version() -> str | None:
    import vl_convert as vlc

    version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return version if version in vlc.get_vegalite_versions() else None


def save_chart(chart: Any, path: str | Path, *, scale: float = 2.0) -> Path:
    """Write ``chart`` as PNG or SVG (by suffix) with vl-convert, offline."""
    import vl_convert as vlc

    path = Path(path)
    spec = chart.to_dict()
    if path.suffix == ".png":
        path.write_bytes(vlc.vegalite_to_png(spec, scale=scale, vl_version=_vl_version()))
    elif path.suffix == ".svg":
        path.write_text(vlc.vegalite_to_svg(spec, vl_version=_vl_version()))
    else:
        raise ValueError(f"save_chart writes .png or .svg, not {path.suffix!r}")
    return path


def render_html(title: str, sections: Sequence[Section], *, notes: Sequence[str] = ()) -> str:
    """One offline HTML page: headings, charts (inline Vega bundle), tables and text."""
    body: list[str] = []
    scripts: list[str] = []
    for n, (heading, item) in enumerate(sections):
        body.append(f"<h2>{html.escape(heading)}</h2>")
        if isinstance(item, pd.DataFrame):
            body.append(item.to_html(index=False, border=0, classes="table", na_rep="–"))
        elif isinstance(item, str):
            body.append(item)
        else:
            body.append(f'<div id="chart-{n}" class="chart"></div>')
            spec = json.dumps(item.to_dict(), sort_keys=True).replace("</", "<\\/")
            scripts.append(f"vegaEmbed('#chart-{n}', {spec}, OPTS).catch(console.error);")
    notes_html = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in notes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }}
.note {{ background: #fff8e1; border-left: 4px solid #f0b400; padding: .5em 1em; }}
table.table {{ border-collapse: collapse; font-size: 13px; }}
table.table td, table.table th {{ padding: 3px 8px; border-bottom: 1px solid #ddd; }}
.chart {{ margin: 1em 0 2em; }}
</style>
<script>{_vega_bundle()}</script>
</head><body>
<h1>{html.escape(title)}</h1>
{notes_html}
{"".join(body)}
<p class="note">swarmnb {html.escape(__version__)}</p>
<script>
const OPTS = {{"renderer": "svg", "actions": false}};
{chr(10).join(scripts)}
</script>
</body></html>
"""


def _settings_html(settings: Mapping[str, Any]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in settings.items()
    )
    return f"<table class='table'>{rows}</table>"


def write_report(
    bench: Benchmark | pd.DataFrame,
    out: str | Path,
    *,
    timelines: pd.DataFrame | None = None,
    title: str = "swarmnb benchmark",
    formats: Sequence[str] = ("png", "svg"),
    extra: Sequence[Section] = (),
    simulated: bool | None = None,
) -> dict[str, Path]:
    """Write results (CSV + Parquet), the summary, timelines, ``report.html`` and chart files.

    ``bench`` is a :class:`Benchmark` or a results DataFrame (then pass ``timelines`` to get
    the parallelism chart). ``extra`` sections are appended to the HTML. The page says the
    figures are simulations when ``simulated`` (default: any episode ran on the virtual
    clock). Returns the paths written, by name.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if isinstance(bench, Benchmark):
        results, timelines, settings = bench.results, bench.timelines, bench.settings
    else:
        results, settings = bench, {}
    stats = summary(results)
    if simulated is None:
        simulated = _is_simulated(results)
    written: dict[str, Path] = {}
    for name, frame in (("results", results), ("summary", stats), ("timelines", timelines)):
        if frame is None:
            continue
        written[f"{name}.csv"] = out / f"{name}.csv"
        frame.to_csv(written[f"{name}.csv"], index=False)
        written[f"{name}.parquet"] = out / f"{name}.parquet"
        frame.to_parquet(written[f"{name}.parquet"], index=False)
    figures = charts(results, timelines, simulated=simulated)
    for name, chart in figures.items():
        for fmt in formats:
            written[f"{name}.{fmt}"] = save_chart(chart, out / f"{name}.{fmt}")
    sections: list[Section] = [
        ("Quality vs critical steps", figures["pareto"]),
        ("Quality vs cost", figures["cost_quality"]),
    ]
    if "parallelism" in figures:
        sections.append(("Parallelism over time", figures["parallelism"]))
    sections.append(("Summary: mean ± 95% CI over seeds", summary_table(stats)))
    if settings:
        sections.append(("Settings", _settings_html(settings)))
    sections.extend(extra)
    page = render_html(title, sections, notes=[SIM_NOTE] if simulated else [])
    written["report.html"] = out / "report.html"
    written["report.html"].write_text(page, encoding="utf-8")
    return written
