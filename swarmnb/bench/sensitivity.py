"""Sensitivity: which of the simulator's assumptions the swarm's advantage comes from.

Every headline figure here comes from the ``sim/`` models, whose accuracy falls as the
context fills. :func:`sensitivity` sweeps those assumptions — one at a time, and in pairs —
and plays Single vs Heuristic vs Bandit on WideSearch and DeepSearch at every point, so a
reader sees where the swarm's *quality* advantage and its *critical-steps* advantage appear,
shrink, vanish or reverse.

The axes (each a change to every built-in profile at once; ``×1`` is the shipped default):

* ``context_drop`` — how much accuracy is lost at a full context (×0: none at all);
* ``context_shape`` — how late the loss sets in (lower: earlier);
* ``base_accuracy`` — accuracy on a short prompt (capped at 1);
* ``overhead_s`` — fixed latency per call;
* ``price_ratio`` — large ÷ small price (medium and orchestrator move on the same log scale;
  1:1 makes every profile cost what ``small`` costs);
* ``malformed_rate`` — malformed tool-call replies.

Example::

    sens = sn.bench.sensitivity(size="small", jobs=2)
    sens.headline()          # one sentence, from the sweep's own numbers
    sens.gaps                # per point × scenario × policy: quality gap, steps advantage
    sens.charts()["quality_gap"]
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pandas as pd

from ..models.sim_params import SimProfile
from ._axes import AXES, Axis, Point, point_label, profiles_at
from ._axes import points as plan_points
from .harness import _frame, _run_unit, _Unit
from .specs import ScenarioSpec, Size, resolve_contenders, resolve_scenarios

__all__ = ["AXES", "Axis", "Sensitivity", "profiles_at", "sensitivity"]
Profiles = dict[str, SimProfile]

#: Values per axis, pairs, seeds and warm-up for each size. "small" is the CI / notebook size.
_PLAN: dict[str, dict[str, Any]] = {
    "small": {
        "values": {
            "context_drop": (0.0, 1.0, 2.0), "context_shape": (0.5, 1.0, 2.0),
            "base_accuracy": (0.8, 1.0, 1.08), "overhead_s": (0.1, 1.0, 10.0),
            "price_ratio": (1.0, 20.0, 100.0), "malformed_rate": (0.0, 1.0, 5.0),
        },
        "pairs": (("context_drop", "base_accuracy"),),
        "seeds": 2, "warmup": 3,
        "scenarios": {"wide_search": ("WideSearch", {"n_items": 40}),
                      "deep_search": ("DeepSearch", {"hops": 4})},
    },
    "full": {
        "values": {
            "context_drop": (0.0, 0.5, 1.0, 1.5, 2.0), "context_shape": (0.5, 0.75, 1.0, 1.5, 2.0),
            "base_accuracy": (0.7, 0.85, 1.0, 1.08), "overhead_s": (0.1, 0.3, 1.0, 3.0, 10.0),
            "price_ratio": (1.0, 5.0, 20.0, 100.0), "malformed_rate": (0.0, 1.0, 3.0, 10.0),
        },
        "pairs": (("context_drop", "base_accuracy"), ("context_drop", "context_shape")),
        "seeds": 3, "warmup": 10,
        "scenarios": {"wide_search": ("WideSearch", {"n_items": 100}),
                      "deep_search": ("DeepSearch", {"hops": 6})},
    },
}  # fmt: skip


def _run_point(
    point: Point, profiles: Profiles, units: list[_Unit]
) -> tuple[Point, list[dict[str, Any]], float]:
    """Run every unit of one point with the profiles swapped in (in this process)."""
    from ..models import sim_fast_path
    from ..models.profiles import override_profiles

    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    with override_profiles(profiles), sim_fast_path():
        for unit in units:
            unit_rows, _lines, _secs = _run_unit(unit)
            rows.extend(unit_rows)
    return point, rows, time.perf_counter() - t0


@dataclass(slots=True)
class Sensitivity:
    """What :func:`sensitivity` returns: per-episode results, the gaps, and the settings."""

    results: pd.DataFrame  #: one row per point × scenario × policy × seed
    settings: dict[str, Any] = field(default_factory=dict)
    real_seconds: float = 0.0

    @property
    def gaps(self) -> pd.DataFrame:
        """Per point × scenario × swarm policy: means, the quality gap and steps advantage."""
        from ._sensitivity_report import gap_table

        return gap_table(self.results, baseline=self.settings.get("baseline", "single"))

    def one_at_a_time(self) -> pd.DataFrame:
        """:attr:`gaps` of the default point and the points that change a single axis."""
        from ._sensitivity_report import one_at_a_time

        return one_at_a_time(self.gaps)

    def dependence(self) -> pd.DataFrame:
        """Per scenario, policy and axis: how far the quality gap and steps advantage move."""
        from ._sensitivity_report import dependence

        return dependence(self.gaps)

    def headline(self, scenario: str = "wide_search", policy: str = "heuristic") -> str:
        """One sentence, from the sweep's own numbers: what the quality gap depends on."""
        from ._sensitivity_report import headline

        return headline(self.gaps, scenario=scenario, policy=policy)

    def charts(self) -> dict[str, Any]:
        """``quality_gap``, ``steps_advantage`` (one axis at a time) and ``pairs`` (heatmaps)."""
        from ._sensitivity_report import sensitivity_charts

        return sensitivity_charts(self.gaps, self.settings)

    def write(self, out: str | Path, *, formats: Sequence[str] = ("png", "svg")) -> dict[str, Path]:
        """Results and gaps (CSV), ``sensitivity.html`` and the charts as PNG/SVG."""
        from ._sensitivity_report import write_sensitivity

        return write_sensitivity(self, out, formats=formats)

    def __repr__(self) -> str:
        s = self.settings
        return (
            f"<Sensitivity {len(self.results):,} episodes over {s.get('n_points')} points: "
            f"axes={list(s.get('values', {}))} size={s.get('size')!r} (simulation)>"
        )


def sensitivity(
    *,
    size: Size = "small",
    axes: Iterable[str] | None = None,
    values: Mapping[str, Sequence[float]] | None = None,
    pairs: Iterable[tuple[str, str]] | None = None,
    scenarios: Any = None,
    policies: Any = ("single", "heuristic", "bandit"),
    seeds: Iterable[int] | int | None = None,
    warmup: int | None = None,
    jobs: int = 1,
    progress: bool = False,
) -> Sensitivity:
    """Sweep the sim's assumptions; at each point play every policy on WideSearch and DeepSearch.

    ``size`` picks the values, pairs, seeds and scenario sizes (``"small"``: 3 values per
    axis, 1 pair, 2 seeds, WideSearch-40 and DeepSearch-4; ``"full"``: more of each).
    ``axes`` keeps only some axes (and the pairs among them); ``values``/``pairs``/
    ``scenarios``/``seeds``/``warmup`` override the plan (``scenarios`` as for
    :func:`compare`; the reports name ``wide_search`` and ``deep_search``).
    Each point runs in one process with the built-in profiles changed (``jobs=N`` spreads
    points over N processes; the numbers do not change).
    Everything is a simulation on the virtual clock.
    """
    from .. import scenarios as scenario_mod

    if size not in _PLAN:
        raise ValueError(f"size must be one of {sorted(_PLAN)}, not {size!r}")
    plan = _PLAN[size]
    chosen = dict(plan["values"]) if values is None else {k: tuple(v) for k, v in values.items()}
    if axes is not None:
        wanted = list(axes)
        unknown = [a for a in wanted if a not in AXES]
        if unknown:
            raise ValueError(f"unknown axes {unknown}; choose from {list(AXES)}")
        chosen = {a: chosen.get(a, plan["values"][a]) for a in wanted}
    unknown = [a for a in chosen if a not in AXES]
    if unknown:
        raise ValueError(f"unknown axes {unknown}; choose from {list(AXES)}")
    pair_list = [
        (a, b)
        for a, b in (plan["pairs"] if pairs is None else pairs)
        if a in chosen and b in chosen
    ]
    if seeds is None:
        seeds = plan["seeds"]
    seed_list = tuple(range(seeds)) if isinstance(seeds, int) else tuple(seeds)
    if not seed_list:
        raise ValueError("seeds must not be empty")
    warm = plan["warmup"] if warmup is None else warmup
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an int ≥ 1, not {jobs!r}")
    if scenarios is None:
        specs = [
            ScenarioSpec(getattr(scenario_mod, cls), params, label)
            for label, (cls, params) in plan["scenarios"].items()
        ]
    else:
        specs = resolve_scenarios(scenarios, size=size)
    contenders = resolve_contenders(policies)
    options = {"trace": None, "clock": "virtual"}
    points = plan_points(chosen, pair_list)
    work = []
    for point in points:
        units = [
            _Unit(i, spec, c, seed_list, warm, options, 1)
            for i, (spec, c) in enumerate((s, c) for s in specs for c in contenders)
        ]
        work.append((point, profiles_at(point), units))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(work), desc="sweep points", unit="pt", mininterval=0.2)
    t0 = time.perf_counter()
    outputs: dict[Point, list[dict[str, Any]]] = {}
    try:
        if jobs == 1:
            for args in work:
                point, rows, _ = _run_point(*args)
                outputs[point] = rows
                if bar is not None:
                    bar.update(1)
        else:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
                futures = [pool.submit(_run_point, *args) for args in work]
                for future in as_completed(futures):
                    point, rows, _ = future.result()
                    outputs[point] = rows
                    if bar is not None:
                        bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    frames = []
    for point in points:  # in plan order, however the processes finished
        frame = _frame(outputs[point])
        settings_of = dict(point)
        for name in chosen:
            frame[name] = settings_of.get(name, AXES[name].default)
        frame.insert(0, "varied", " × ".join(n for n, _ in point) or "none")
        frame.insert(1, "point", point_label(point))
        frames.append(frame)
    results = pd.concat(frames, ignore_index=True)
    settings = {
        "size": size,
        "values": {k: list(v) for k, v in chosen.items()},
        "defaults": {k: AXES[k].default for k in chosen},
        "pairs": [list(p) for p in pair_list],
        "scenarios": [s.label for s in specs],
        "params": {s.label: s.describe for s in specs},
        "policies": [c.label for c in contenders],
        "seeds": list(seed_list),
        "warmup": warm,
        "n_points": len(points),
        "clock": "virtual",
        "baseline": "single",
    }
    return Sensitivity(results=results, settings=settings, real_seconds=time.perf_counter() - t0)
