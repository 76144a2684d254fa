"""Swarm vs single agent on the three scenarios, Bandit convergence, and a 1,000-item episode.

Every figure comes from the offline sim/ models on the virtual clock: it is a SIMULATION
(steps, tokens, dollars and simulated time), deterministic per seed. Nothing here tunes the
sim parameters or the scenario defaults; a missed target is printed as missed.

    python benchmarks/swarm_vs_single.py            # 20 seeds, 200 Bandit episodes (~10 min)
    python benchmarks/swarm_vs_single.py --quick    # 5 seeds, 60 Bandit episodes (smoke run)
    python benchmarks/swarm_vs_single.py --jobs 2   # the comparison over 2 processes

Sections and targets:
1. Per scenario, mean ± 95 % CI over the seeds of quality (item-F1, or pass@1 for coding),
   critical steps, cost and spawn count, for Single, Heuristic and Bandit (Bandit warmed up
   on 50 episodes of other seeds). Targets: WideSearch 100 items — Heuristic ≥ 4.5× fewer
   critical steps than Single with item-F1 not lower; DeepSearch — the swarm no worse than
   Single on quality and critical steps; MixedCoding — pass@1 not lower, critical steps lower.
   "Not lower" means the paired 95 % CI of (swarm − single) over seeds reaches 0 or above.
2. Bandit convergence: a cold Bandit plays 200 WideSearch episodes; the arm it settles on
   (most played over the last 50) must have a width within 20 % of the best fixed width found
   by a sweep of FixedWidth over the same arms (same reward).
3. Scale: one WideSearch episode with 1,000 items, 100 subagents, ≥ 1,500 tool calls on the
   virtual clock, measured in a fresh process (real seconds and peak memory).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from collections import Counter
from typing import Any

import pandas as pd

import swarmnb as sn
from swarmnb.bench import Contender, ScenarioSpec, mean_ci
from swarmnb.policies import Bandit, FixedWidth, Heuristic, Single
from swarmnb.scenarios import DeepSearch, MixedCoding, WideSearch

SIM = "(simulation: sim/ models, virtual clock)"
SCENARIOS = {
    "wide_search": ScenarioSpec(WideSearch, {"n_items": 100}),
    "deep_search": ScenarioSpec(DeepSearch, {"hops": 6}),
    "mixed_coding": ScenarioSpec(MixedCoding, {"n_modules": 8}),
}
BANDIT_ARMS = (1, 2, 3, 4, 6, 8, 12, 16, 20, 25, 32, 40, 50)


def _paired(df: pd.DataFrame, scenario: str, metric: str, a: str, b: str) -> tuple[float, float]:
    """Mean and 95 % CI half-width of (a − b) over seeds, paired by seed."""
    rows = df[df["scenario"] == scenario].pivot(index="seed", columns="policy", values=metric)
    return mean_ci((rows[a] - rows[b]).tolist())


def _verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def comparison(seeds: int, jobs: int) -> pd.DataFrame:
    print(f"\n== 1. Single vs Heuristic vs Bandit, {seeds} seeds {SIM}")
    policies = {"single": Single(), "heuristic": Heuristic(), "bandit": Contender(Bandit())}
    bench = sn.bench.benchmark(SCENARIOS, policies, range(seeds), warmup=50, jobs=jobs)
    df = bench.results
    stats = bench.summary()
    table = sn.bench.summary_table(stats)
    cols = ["scenario", "policy", "n", "quality", "critical_steps", "cost_usd", "spawn_count"]
    print(table[cols].to_string(index=False))
    print(f"({len(df)} episodes in {bench.real_seconds:.0f} s real time)")
    mean = stats.set_index(["scenario", "policy"])

    def m(scenario: str, policy: str, metric: str) -> float:
        return float(mean.loc[(scenario, policy), f"{metric}_mean"])

    print("\nTargets:")
    speedup = m("wide_search", "single", "critical_steps") / m(
        "wide_search", "heuristic", "critical_steps"
    )
    d, ci = _paired(df, "wide_search", "quality", "heuristic", "single")
    print(f"  WideSearch-100: Heuristic needs {speedup:.1f}× fewer critical steps than Single "
          f"(target ≥ 4.5×) — {_verdict(speedup >= 4.5)}")  # fmt: skip
    print(f"  WideSearch-100: item-F1 Heuristic − Single = {d:+.3f} ± {ci:.3f} "
          f"(target: not lower) — {_verdict(d + ci >= 0)}")  # fmt: skip
    for swarm in ("heuristic", "bandit"):
        dq, cq = _paired(df, "deep_search", "quality", swarm, "single")
        ds, cs = _paired(df, "deep_search", "critical_steps", swarm, "single")
        ok = dq + cq >= 0 and ds - cs <= 0
        print(f"  DeepSearch-6: {swarm} − single: item-F1 {dq:+.3f} ± {cq:.3f}, critical steps "
              f"{ds:+.1f} ± {cs:.1f} (target: no worse on both) — {_verdict(ok)}")  # fmt: skip
    for swarm in ("heuristic", "bandit"):
        dq, cq = _paired(df, "mixed_coding", "quality", swarm, "single")
        steps = m("mixed_coding", swarm, "critical_steps")
        base = m("mixed_coding", "single", "critical_steps")
        ok = dq + cq >= 0 and steps < base
        print(f"  MixedCoding-8: {swarm} − single: pass@1 {dq:+.3f} ± {cq:.3f}, critical steps "
              f"{steps:.1f} vs {base:.1f} (target: pass@1 not lower, steps lower) — "
              f"{_verdict(ok)}")  # fmt: skip
    return df


def convergence(episodes: int, sweep_seeds: int, jobs: int) -> None:
    print(f"\n== 2. Bandit convergence on WideSearch-100 {SIM}")
    wide = {"wide_search": SCENARIOS["wide_search"]}
    arms = {
        f"fixed-{w}/{p}": Contender(FixedWidth(w, profile=p))
        for w in BANDIT_ARMS
        for p in ("small", "large")
    }
    sweep = sn.bench.compare(wide, arms, range(sweep_seeds), jobs=jobs)
    rewards = sweep.groupby("policy", sort=False)["reward"].mean()
    best_arm = rewards.idxmax()
    best_width = int(best_arm.split("-")[1].split("/")[0])
    top = rewards.sort_values(ascending=False).head(5)
    print(f"FixedWidth sweep ({len(arms)} arms × {sweep_seeds} seeds), mean reward, best five:")
    print("  " + ", ".join(f"{k} {v:.3f}" for k, v in top.items()))
    # The Bandit learns over its own episodes: one unit, seeds in order, starting cold.
    run = sn.bench.compare(wide, {"bandit": Bandit(widths=BANDIT_ARMS)}, range(episodes))
    tail = run.tail(50)
    (width, profile), plays = Counter(zip(tail["width"], tail["profile"], strict=True)).most_common(
        1
    )[0]
    print(f"Bandit, {episodes} episodes from cold: over the last 50 it played {width}/{profile} "
          f"{plays} times; mean reward of the last 50: {tail['reward'].mean():.3f} "
          f"(best fixed arm: {rewards.max():.3f})")  # fmt: skip
    within = abs(width - best_width) <= 0.2 * best_width
    print(f"  target: Bandit width {width} within 20 % of the best fixed width {best_width} — "
          f"{_verdict(within)}")  # fmt: skip


SCALE = textwrap.dedent(
    """
    import json, resource, sys, time
    import swarmnb as sn
    from swarmnb.policies import FixedWidth
    from swarmnb.scenarios import WideSearch
    sc = WideSearch(n_items=1000, seed=0)
    swarm = sn.Swarm(policy=FixedWidth(100), max_subagents=100, max_concurrency=100, trace=None)
    t0 = time.perf_counter()
    ep = swarm.solve_sync(sc, seed=0)
    real = time.perf_counter() - t0
    tools = sum(1 for e in ep.run.events if e["kind"] == "tool.call")
    m = ep.metrics
    print(json.dumps({"real_s": real, "tool_calls": tools, "spawn": m["spawn_count"],
                      "max_parallelism": m["max_parallelism"], "item_f1": m["item_f1"],
                      "critical_steps": m["critical_steps"], "sim_s": m["wall_clock_ms"] / 1e3,
                      "status": m["status"], "events": len(ep.run.events),
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    """
)


def scale() -> None:
    print(f"\n== 3. Scale: one WideSearch episode with 1,000 items and 100 subagents {SIM}")
    done = subprocess.run([sys.executable, "-c", SCALE], capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr[-2000:])
        raise SystemExit("the scale episode failed")
    r: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  status {r['status']}, {r['spawn']} subagents, peak parallelism "
          f"{r['max_parallelism']}, {r['tool_calls']:,} tool calls, {r['events']:,} events, "
          f"item-F1 {r['item_f1']:.3f}, critical steps {r['critical_steps']:.0f}, "
          f"{r['sim_s']:.0f} simulated s")  # fmt: skip
    print(f"  real time {r['real_s']:.1f} s, peak memory {r['peak_mb']:.0f} MB (whole process)")
    ok = r["spawn"] == 100 and r["tool_calls"] >= 1500
    print(f"  target: 100 subagents and ≥ 1,500 tool calls — {_verdict(ok)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds and episodes")
    parser.add_argument("--jobs", type=int, default=1, help="processes for sections 1 and 2")
    args = parser.parse_args()
    seeds, episodes, sweep = (5, 60, 2) if args.quick else (20, 200, 5)
    comparison(seeds, args.jobs)
    convergence(episodes, sweep, args.jobs)
    scale()


if __name__ == "__main__":
    main()
