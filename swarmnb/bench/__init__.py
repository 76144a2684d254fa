"""Benchmarks: compare policies over scenarios and seeds, summarize, chart, report.

- :func:`compare` — one row per scenario × policy × seed with every metric (a DataFrame);
- :func:`summary` — means, 95 % confidence intervals and ratios to the single-agent baseline;
- :func:`benchmark` — :func:`compare` plus parallelism timelines and settings, for reports;
- :func:`write_report` — CSV, Parquet, an offline HTML report with altair charts, PNG/SVG;
- :func:`context_pressure` — a single agent under context strategies against the swarm's
  context sharding as a WideSearch table grows, with :func:`crossover` and its chart;
- :func:`sensitivity` — sweep the sim's assumptions (context degradation, accuracy, latency,
  prices, malformed output) and see where the swarm's advantage appears, shrinks or vanishes;
- :func:`published_table` — published swarm-vs-single figures beside ours, with sources.

Figures on the ``sim/`` models are simulations (virtual clock, simulated prices).

Example::

    import swarmnb as sn

    df = sn.bench.compare(scenarios=["wide", "deep", "mixed"],
                          policies=["single", "heuristic", "bandit"],
                          seeds=range(3), size="small", warmup=10)
    sn.bench.summary(df)[["scenario", "policy", "quality_mean", "critical_steps_ratio"]]
"""

from ._stats import mean_ci
from ._tables import scenario_tables
from ._timeline import parallelism_timeline
from .context_pressure import (
    ContextPressure,
    context_pressure,
    crossover,
    pressure_chart,
)
from .harness import QUALITY_METRICS, Benchmark, benchmark, compare, summary
from .published import published_table
from .report import charts, summary_table, write_report
from .sensitivity import Sensitivity, sensitivity
from .specs import Contender, ScenarioSpec, policy_suite, scenario_suite

__all__ = [
    "QUALITY_METRICS",
    "Benchmark",
    "Contender",
    "ContextPressure",
    "ScenarioSpec",
    "Sensitivity",
    "benchmark",
    "charts",
    "compare",
    "context_pressure",
    "crossover",
    "mean_ci",
    "parallelism_timeline",
    "policy_suite",
    "pressure_chart",
    "published_table",
    "scenario_suite",
    "scenario_tables",
    "sensitivity",
    "summary",
    "summary_table",
    "write_report",
]
