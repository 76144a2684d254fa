"""PARL against the baselines on seeds never used in training (simulated episodes).

Policies: Single, Heuristic, the best FixedWidth of a sweep (chosen on the curriculum
mixture, in this script), Bandit (trained online on training seeds first, then frozen) and
PARL (the shipped policy, greedy). Every policy is scored with the same episode reward
(``r_perf``: quality − 0.5 · critical steps / single-agent estimate). Printed: mean ± 95 % CI
over the seeds for every curriculum task, the curriculum mixture (per seed, the
curriculum-weighted mean over tasks), the acceptance checks, generalisation to WideSearch
sizes never trained on (30, 150), and the ablations (λ1 = 0 from the start; no annealing)
with their training curves in blocks. All figures are simulations (sim/ models, virtual
clock) measured on this machine.

A DeepSearch episode succeeds or fails (quality 0 or 1), so at 20 seeds each DeepSearch task's
95 % CI is about ±0.2 and the curriculum mixture's about ±0.03: differences between the
strongest policies drown in it. The shipped figures use ``--seeds 100``.

    python benchmarks/parl_vs_baselines.py [--seeds 100] [--processes 2]
        [--policy swarmnb/policies/trained/parl.json] [--ablations swarmnb/policies/trained]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import pandas as pd

import swarmnb as sn
from swarmnb.bench._stats import mean_ci
from swarmnb.training import Curriculum, CurriculumTask
from swarmnb.training.evaluate import evaluate, train_bandit

TRAINED = Path(sn.__file__).parent / "policies" / "trained"
SWEEP = (2, 4, 8, 16, 32)


def fmt(values: pd.Series) -> str:
    mean, half = mean_ci(values)
    return f"{mean:+.3f} ± {half:.3f}" if not math.isnan(half) else f"{mean:+.3f}"


def mixture(rows: pd.DataFrame, cur: Curriculum) -> pd.DataFrame:
    """Per (policy, seed): the curriculum-weighted mean reward over the tasks."""
    weights = {t.name: t.weight for t in cur.tasks}
    rows = rows[rows["task"].isin(weights)].assign(w=lambda d: d["task"].map(weights))
    rows = rows.assign(wr=rows["reward"] * rows["w"])
    g = rows.groupby(["policy", "seed"])
    return (g["wr"].sum() / g["w"].sum()).rename("reward").reset_index()


def table(rows: pd.DataFrame, policies: list[str], column: str) -> pd.DataFrame:
    out = {}
    for task, sub in rows.groupby("task", sort=False):
        out[task] = {p: fmt(sub[sub["policy"] == p][column]) for p in policies}
    return pd.DataFrame(out).T[policies]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--policy", default=str(TRAINED / "parl.json"))
    parser.add_argument("--ablations", default=str(TRAINED))
    parser.add_argument("--bandit-episodes", type=int, default=400)
    parser.add_argument("--out", default=None, help="write every evaluation episode to this CSV")
    args = parser.parse_args()
    started = time.perf_counter()
    cur = Curriculum.default()
    seeds = range(args.seeds)  # training uses scenario seeds ≥ 100,000
    tmp = Path(tempfile.mkdtemp())
    bandit = train_bandit(cur, episodes=args.bandit_episodes, seed=0).save(tmp / "bandit.json")
    specs = {"single": "single", "heuristic": "heuristic",
             **{f"fixed-{w}": f"fixed-{w}" for w in SWEEP},
             "bandit": f"bandit={bandit}", "parl": f"parl={args.policy}"}  # fmt: skip
    ablations = {
        "parl λ1=0": Path(args.ablations) / "parl_lambda0.json",
        "parl no-anneal": Path(args.ablations) / "parl_noanneal.json",
    }
    specs |= {name: f"parl={p}" for name, p in ablations.items() if p.exists()}
    rows = evaluate(specs, cur.tasks, seeds=seeds, processes=args.processes)
    mix = mixture(rows, cur)
    sweep = mix[mix["policy"].str.startswith("fixed-")].groupby("policy")["reward"].mean()
    best_fixed = str(sweep.idxmax())
    main_policies = ["single", "heuristic", best_fixed, "bandit", "parl"]
    print(f"PARL vs baselines on unseen seeds 0–{args.seeds - 1} ({args.seeds} per task); "
          "simulated episodes (sim/ models, virtual clock). Reward = r_perf.\n")  # fmt: skip
    ordered = sorted(sweep.index, key=lambda s: int(s[6:]))
    listed = ", ".join(f"{p}: {sweep[p]:+.3f}" for p in ordered)
    print(f"FixedWidth sweep, mixture reward: {listed}  → best {best_fixed}\n")
    print("Mean episode reward ± 95% CI by task:")
    print(table(rows, main_policies, "reward").to_string())
    print("\nQuality (item-F1 / pass@1 / success):")
    print(table(rows, main_policies, "quality").to_string())
    print("\nCritical steps:")
    print(table(rows, main_policies, "critical_steps").to_string())
    print("\nSubagents spawned:")
    print(table(rows, main_policies, "spawn_count").to_string())
    print("\nCurriculum mixture (curriculum-weighted mean over tasks, per seed):")
    for p in main_policies + [n for n in ablations if n in specs]:
        print(f"  {p:<16} {fmt(mix[mix['policy'] == p]['reward'])}")
    means = mix.groupby("policy")["reward"].mean()
    by = rows.groupby(["policy", "task"])[["critical_steps", "quality", "spawn_count"]].mean()
    deep = rows[(rows["policy"] == "parl") & rows["task"].str.startswith("DeepSearch")]
    ws_p, ws_h = by.loc[("parl", "WideSearch-100")], by.loc[("heuristic", "WideSearch-100")]
    print("\nAcceptance checks:")
    best_other = max(means[p] for p in main_policies if p != "parl")
    print(f"  PARL mixture reward {means['parl']:+.3f} ≥ every other ({best_other:+.3f}): "
          f"{'yes' if means['parl'] >= best_other else 'NO'}")  # fmt: skip
    print(f"  DeepSearch mean spawn count {deep['spawn_count'].mean():.2f} ≤ 1.5: "
          f"{'yes' if deep['spawn_count'].mean() <= 1.5 else 'NO'}")  # fmt: skip
    ok = ws_p["critical_steps"] <= ws_h["critical_steps"] and ws_p["quality"] >= ws_h["quality"]
    print(f"  WideSearch-100: PARL {ws_p['critical_steps']:.1f} critical steps at item-F1 "
          f"{ws_p['quality']:.3f}; Heuristic {ws_h['critical_steps']:.1f} at "
          f"{ws_h['quality']:.3f}: {'yes' if ok else 'NO'}")  # fmt: skip
    gen_tasks = [CurriculumTask("wide", 30), CurriculumTask("wide", 150)]
    gen = evaluate({"heuristic": "heuristic", "parl": f"parl={args.policy}"}, gen_tasks,
                   seeds=seeds, processes=args.processes)  # fmt: skip
    print("\nGeneralisation to WideSearch sizes never trained on (reward; item-F1; steps):")
    for task, sub in gen.groupby("task", sort=False):
        h, p = sub[sub["policy"] == "heuristic"], sub[sub["policy"] == "parl"]
        verdict = "yes" if p["reward"].mean() >= h["reward"].mean() else "NO"
        print(f"  {task:<15} heuristic {fmt(h['reward'])} ({h['quality'].mean():.3f}; "
              f"{h['critical_steps'].mean():.1f})  parl {fmt(p['reward'])} "
              f"({p['quality'].mean():.3f}; {p['critical_steps'].mean():.1f})  "
              f"PARL ≥ Heuristic: {verdict}")  # fmt: skip
    print("\nAblations (training curves: mean per block of episodes):")
    for name, path in [("parl (λ annealed)", Path(args.policy)), *ablations.items()]:
        hist = path.with_suffix(".history.csv")
        if not hist.exists():
            print(f"  {name}: no training history at {hist}")
            continue
        h = pd.read_csv(hist)
        blocks = h.assign(block=pd.cut(h["episode"], 5, labels=False)).groupby("block")
        curve = blocks[["spawn_count", "r_finish", "quality", "reward"]].mean().round(3)
        curve.index = [f"ep ≤ {e}" for e in blocks["episode"].max()]
        print(f"  {name}:\n" + curve.to_string().replace("\n", "\n    ").join(["    ", ""]))
    if args.out:
        pd.concat([rows.assign(best_fixed=best_fixed), gen]).to_csv(args.out, index=False)
        print(f"\nwrote {args.out}")
    print(f"\n{len(rows) + len(gen):,} evaluation episodes in "
          f"{time.perf_counter() - started:,.0f} s (real time)")  # fmt: skip


if __name__ == "__main__":
    main()
