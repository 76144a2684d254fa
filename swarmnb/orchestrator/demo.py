"""``swarmnb demo``: Single agent vs Heuristic swarm on WideSearch, on the embedded sim models.

Runs headless with a progress bar, prints a comparison table and writes the benchmark report
(HTML, CSV, Parquet, PNG) plus the traces. Every figure comes from ``sim/`` models on the
virtual clock: a simulation.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["main"]

SIM_NOTE = (
    "Simulation: embedded sim/ models on the virtual clock. Latency, tokens, prices and accuracy "
    "come from the simulator's parameters (swarmnb/models/sim_params.py), not from a real provider."
)
SHOWN = ("quality", "critical_steps", "wall_clock_ms", "cost_usd", "spawn_count")


def main(args: argparse.Namespace) -> int:
    import swarmnb as sn

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n_items = getattr(args, "items", 100)
    seeds = range(args.seed, args.seed + getattr(args, "episodes", 3))
    print(f"swarmnb demo: Single agent vs Heuristic swarm on WideSearch ({n_items} items), "
          f"seeds {seeds.start}–{seeds.stop - 1}\n{SIM_NOTE}\n")  # fmt: skip
    scenarios = {f"WideSearch-{n_items}": sn.scenarios.WideSearch(n_items=n_items, seed=0)}
    bench = sn.bench.benchmark(
        scenarios=scenarios,
        policies=("single", "heuristic"),
        seeds=seeds,
        progress=True,
        trace=str(out / "runs"),
    )
    stats = sn.bench.summary(bench.results)
    shown = sn.bench.summary_table(stats)[["policy", *SHOWN]]
    shown.columns = ["policy", "item-F1", "critical steps", "simulated time (s)",
                     "cost (simulated)", "subagents"]  # fmt: skip
    print("\n" + shown.to_string(index=False) + "\n")
    mean = stats.set_index("policy")["critical_steps_mean"]
    speedup = mean["single"] / mean["heuristic"]
    print(f"the swarm needed {speedup:.1f}× fewer critical steps than the single agent\n")
    written = sn.bench.write_report(
        bench, out, title=f"swarmnb demo — Single vs Heuristic, WideSearch ({n_items} items)"
    )
    print(f"wrote {written['report.html']} (and CSV, Parquet, PNG); traces in {out / 'runs'}")
    return 0
