"""``compare`` and ``summary``: run scenarios × policies × seeds, then average with 95 % CIs.

Every (scenario, contender) pair is one *unit*: a fresh :class:`~swarmnb.Swarm` with a fresh
copy of the policy plays the seeds in order, so a learning policy (``Bandit``) learns across
the seeds of its unit — after ``warmup`` training episodes on seeds disjoint from the
evaluated ones — and nothing leaks between units. Units are independent, which is what lets
``jobs=N`` spread them over N processes and still give exactly the numbers one process gives.

Example::

    df = sn.bench.compare(scenarios=["wide", "deep"], policies=["single", "heuristic"],
                          seeds=range(5), size="small")
    sn.bench.summary(df)      # one row per scenario × policy: means, 95 % CIs, ratios to single
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

import pandas as pd

from ..metrics import METRIC_NAMES, QUALITY_METRICS
from ..metrics import quality as episode_quality
from ._stats import mean_ci
from ._timeline import parallelism_timeline
from .specs import Contender, ScenarioSpec, Size, resolve_contenders, resolve_scenarios

__all__ = ["QUALITY_METRICS", "Benchmark", "benchmark", "compare", "summary"]

#: Training seeds of learning policies start here, far from any evaluated seed.
WARMUP_SEED_BASE = 1_000_000
_ID = ["scenario", "params", "policy", "seed"]
_EXTRA = [
    "row_f1",
    "status",
    "clock",
    "n_tasks",
    "n_completed",
    "n_failed",
    "n_skipped",
    "n_cancelled",
]
_DECISION = ["mode", "width", "profile", "reward", "context_rewrites"]
SUMMARY_METRICS = (
    "quality", "success_rate", "critical_steps", "wall_clock_ms", "cost_usd", "tokens_in",
    "spawn_count", "avg_parallelism", "max_parallelism", "failure_rate", "subtask_finish_rate",
)  # fmt: skip
RATIO_METRICS = ("quality", "critical_steps", "wall_clock_ms", "cost_usd")


@dataclass(slots=True)
class Benchmark:
    """What :func:`benchmark` returns: per-episode results, parallelism timelines, settings."""

    results: pd.DataFrame
    timelines: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    real_seconds: float = 0.0  #: wall time of the whole benchmark (real, not simulated)

    def summary(self, **options: Any) -> pd.DataFrame:
        return summary(self.results, **options)

    def __repr__(self) -> str:
        s = self.settings
        return (
            f"<Benchmark {len(self.results)} episodes: scenarios={s.get('scenarios')} "
            f"policies={s.get('policies')} seeds={len(s.get('seeds', ()))} "
            f"clock={s.get('clock')!r}>"
        )


@dataclass(frozen=True, slots=True)
class _Unit:
    index: int
    scenario: ScenarioSpec
    contender: Contender
    seeds: tuple[int, ...]
    warmup: int
    options: Mapping[str, Any]
    points: int
    #: Registered ``sim/<name>`` profiles, so a worker process plays them too.
    profiles: tuple[tuple[str, Any], ...] = ()

    @property
    def episodes(self) -> int:
        trains = self.warmup if getattr(self.contender.policy, "trainable", False) else 0
        return trains + len(self.seeds)


async def _play(swarm: Any, spec: ScenarioSpec, seed: int) -> Any:
    scenario = spec.build(seed)
    try:
        return await swarm.solve(scenario, seed=seed)
    finally:
        await scenario.close()


async def _unit_main(
    unit: _Unit, tick: Callable[[], None] | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], float]:
    from ..orchestrator import Swarm

    t0 = time.perf_counter()
    contender = unit.contender.fresh()
    swarm = Swarm(policy=contender.policy, **{**unit.options, **contender.options})
    strategy = swarm.context_strategy
    if contender.policy.trainable:
        for k in range(unit.warmup):
            await _play(swarm, unit.scenario, WARMUP_SEED_BASE + k)
            if tick is not None:
                tick()
    rows: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    ids = {"scenario": unit.scenario.label, "policy": contender.label}
    for seed in unit.seeds:
        before = getattr(strategy, "triggered", None)
        ep = await _play(swarm, unit.scenario, seed)
        m = ep.metrics
        quality, quality_name = episode_quality(m)
        row: dict[str, Any] = {**ids, "params": unit.scenario.describe, "seed": seed}
        row.update(quality=quality, quality_metric=quality_name)
        row.update({name: m.get(name) for name in (*METRIC_NAMES, *_EXTRA)})
        row.update(mode=ep.decision.mode, width=ep.decision.width, profile=ep.decision.profile)
        row["reward"] = ep.reward
        row["context_rewrites"] = None if before is None else strategy.triggered - before
        rows.append(row)
        for t, running in parallelism_timeline(ep.run.events, points=unit.points):
            lines.append({**ids, "seed": seed, "t": t, "running": running})
        if tick is not None:
            tick()
    return rows, lines, time.perf_counter() - t0


def _run_unit(unit: _Unit, tick: Callable[[], None] | None = None) -> Any:
    """Run one unit on a fresh loop of its clock (in a worker thread if a loop is running)."""
    from ..models.sim_params import SIM_PROFILES
    from ..runtime.clock import run_blocking

    for name, profile in unit.profiles:  # a spawned worker starts with the built-ins only
        SIM_PROFILES.setdefault(name, profile)
    return run_blocking(lambda: _unit_main(unit, tick), unit.options["clock"])


def _registered() -> tuple[tuple[str, Any], ...]:
    from ..models.profiles import BUILTIN_PROFILES
    from ..models.sim_params import SIM_PROFILES

    return tuple((n, p) for n, p in SIM_PROFILES.items() if n not in BUILTIN_PROFILES)


def _bar(progress: Any, total: int) -> Any:
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="episodes", unit="ep", mininterval=0.2)


def benchmark(
    scenarios: Any = ("wide", "deep", "mixed"),
    policies: Any = ("single", "heuristic", "bandit"),
    seeds: Iterable[int] | int = range(3),
    clock: str = "virtual",
    *,
    size: Size = "full",
    warmup: int = 0,
    jobs: int = 1,
    progress: bool = False,
    swarm_options: Mapping[str, Any] | None = None,
    trace: str | None = None,
    timeline_points: int = 100,
) -> Benchmark:
    """:func:`compare`, keeping everything: results, parallelism timelines and settings."""
    seed_list = tuple(range(seeds)) if isinstance(seeds, int) else tuple(int(s) for s in seeds)
    if not seed_list:
        raise ValueError("seeds must not be empty")
    if len(set(seed_list)) < len(seed_list):
        raise ValueError(f"seeds must be distinct, got {list(seed_list)}")
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an int ≥ 1, not {jobs!r}")
    if warmup < 0:
        raise ValueError(f"warmup must be ≥ 0, not {warmup}")
    specs = resolve_scenarios(scenarios, size=size)
    contenders = resolve_contenders(policies)
    options = {"trace": trace, **dict(swarm_options or {}), "clock": clock}
    units = [
        _Unit(i, spec, c, seed_list, warmup, options, timeline_points, _registered())
        for i, (spec, c) in enumerate((s, c) for s in specs for c in contenders)
    ]
    bar = _bar(progress, sum(u.episodes for u in units))
    t0 = time.perf_counter()
    outputs: dict[int, Any] = {}
    try:
        if jobs == 1 or len(units) == 1:
            tick = (lambda: bar.update(1)) if bar is not None else None
            for unit in units:
                outputs[unit.index] = _run_unit(unit, tick)
        else:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
                futures = {pool.submit(_run_unit, u): u for u in units}
                for future in as_completed(futures):
                    unit = futures[future]
                    outputs[unit.index] = future.result()
                    if bar is not None:
                        bar.update(unit.episodes)
    finally:
        if bar is not None:
            bar.close()
    rows = [r for i in sorted(outputs) for r in outputs[i][0]]
    lines = [r for i in sorted(outputs) for r in outputs[i][1]]
    settings = {
        "scenarios": [s.label for s in specs],
        "params": {s.label: s.describe for s in specs},
        "policies": [c.label for c in contenders],
        "seeds": list(seed_list),
        "clock": clock,
        "size": size,
        "warmup": warmup,
    }
    return Benchmark(
        results=_frame(rows),
        timelines=pd.DataFrame(lines, columns=["scenario", "policy", "seed", "t", "running"]),
        settings=settings,
        real_seconds=time.perf_counter() - t0,
    )


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = [*_ID, "quality", "quality_metric", *METRIC_NAMES, *_EXTRA, *_DECISION]
    df = pd.DataFrame.from_records(rows, columns=columns)
    for name in ("quality", *METRIC_NAMES, "row_f1", "reward", "context_rewrites"):
        df[name] = pd.to_numeric(df[name], errors="coerce").astype("float64")
    return df


def compare(
    scenarios: Any = ("wide", "deep", "mixed"),
    policies: Any = ("single", "heuristic", "bandit"),
    seeds: Iterable[int] | int = range(3),
    clock: str = "virtual",
    **options: Any,
) -> pd.DataFrame:
    """One row per scenario × policy × seed with every metric of docs/metrics.md.

    ``scenarios``: scenarios, scenario classes, :class:`ScenarioSpec` s or the presets
    ``"wide"``, ``"deep"``, ``"mixed"`` (at ``size="small"|"full"``), or a mapping label →
    one of those. A scenario's own seed is ignored: each seed builds its own world.
    ``policies``: policies, :class:`Contender` s or names (``"single"``, ``"heuristic"``,
    ``"bandit"``, ``"llm"``, ``"fixed-8"``), or a mapping label → one of those.
    Options: ``warmup`` (training episodes for learning policies, on seeds ≥ 1,000,000),
    ``jobs`` (processes), ``progress`` (a progress bar), ``swarm_options`` (for every
    :class:`~swarmnb.Swarm`), ``trace`` (a folder for the runs' traces; default none).

    Columns: ``scenario, params, policy, seed``, ``quality`` (the scenario's main score:
    item-F1, else pass@1, else success) and ``quality_metric``, the DESIGN §4 metrics, grader
    extras, task counts, the decision (``mode, width, profile``), the learning ``reward``,
    and ``context_rewrites`` (conversations a context strategy rewrote, if one is set).
    Figures on ``sim/`` models are simulations.
    """
    return benchmark(scenarios, policies, seeds, clock, **options).results


def summary(
    df: pd.DataFrame,
    *,
    baseline: str | None = "single",
    metrics: Sequence[str] = SUMMARY_METRICS,
    by: Sequence[str] = ("scenario", "policy"),
) -> pd.DataFrame:
    """Per group: ``n``, ``<metric>_mean`` and ``<metric>_ci95`` (half-width of the 95 %
    t-interval over seeds), and ``<metric>_ratio`` = mean ÷ the ``baseline`` policy's mean in
    the same scenario (for quality, critical steps, wall clock and cost; absent without the
    baseline). Groups keep the order they first appear in.
    """
    missing = [c for c in (*by, *metrics) if c not in df.columns]
    if missing:
        raise KeyError(f"summary: the results have no column(s) {missing}")
    records = []
    for keys, group in df.groupby(list(by), sort=False):
        record: dict[str, Any] = dict(zip(by, keys, strict=True))
        record["n"] = len(group)
        for name in metrics:
            mean, ci = mean_ci(group[name].tolist())
            record[f"{name}_mean"], record[f"{name}_ci95"] = mean, ci
        records.append(record)
    out = pd.DataFrame.from_records(records)
    if baseline is None or "policy" not in by or not (out["policy"] == baseline).any():
        return out
    rest = [b for b in by if b != "policy"]
    for name in (m for m in RATIO_METRICS if m in metrics):
        col = f"{name}_mean"
        base = out.loc[out["policy"] == baseline, [*rest, col]].rename(columns={col: "_base"})
        if rest:
            ref = out[rest].merge(base, on=rest, how="left")["_base"].to_numpy()
        else:
            ref = base["_base"].iloc[0]
        ratio = out[col] / ref
        out[f"{name}_ratio"] = ratio.where(ratio.abs() != float("inf"))
    return out
