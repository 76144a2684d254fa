"""``swarmnb train``: train a PARL policy headless; writes DIR/policy.json and a report.

Example::

    swarmnb train --episodes 3000 --out runs/parl --processes 2
    swarmnb bench --policies heuristic,parl=runs/parl/policy.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["add_train"]


def _train(args: argparse.Namespace) -> int:
    import swarmnb as sn

    from .report import write_report

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    policy = sn.policies.PARL(seed=args.seed)
    trainer = sn.training.Trainer(
        policy,
        curriculum=sn.training.Curriculum.default(),
        group_size=args.group_size,
        lambda_parallel=args.lambda_parallel,
        lambda_finish=args.lambda_finish,
        anneal_episodes=args.anneal_episodes or max(1, args.episodes // 2),
        anneal=not args.no_anneal,
        learning_rate=args.learning_rate,
        seed=args.seed,
        processes=args.processes,
        checkpoint_every=args.checkpoint_every,
        checkpoint_dir=out / "checkpoints",
    )
    print(
        f"swarmnb train: {args.episodes:,} episodes, {args.processes} processes, "
        f"curriculum {trainer.curriculum}; simulated episodes (sim/ models, virtual clock)"
    )
    started = time.perf_counter()
    last = [started]

    def progress(t: Any, rows: list[dict[str, Any]]) -> None:
        now = time.perf_counter()
        if now - last[0] < 5 and t.episode < args.episodes:
            return
        last[0] = now
        h = t.history.tail(200)
        print(
            f"  episode {t.episode:>6,}/{args.episodes:,}  reward {h['reward'].mean():+.3f}  "
            f"quality {h['quality'].mean():.3f}  critical steps {h['critical_steps'].mean():.1f}"
            f"  spawns {h['spawn_count'].mean():.1f}  λ=({rows[-1]['lambda_parallel']:.2f}, "
            f"{rows[-1]['lambda_finish']:.2f})  {now - started:,.0f} s",
            flush=True,
        )

    trainer.on_group(progress)
    history = trainer.train_sync(args.episodes, resume=args.resume)
    seconds = time.perf_counter() - started
    policy.save(out / "policy.json")
    history.to_csv(out / "history.csv", index=False)
    settings = {
        "episodes": f"{len(history):,}", "real time": f"{seconds:,.0f} s",
        "processes": args.processes, "seed": args.seed, "group size": args.group_size,
        "λ1 (parallel)": args.lambda_parallel, "λ2 (finish)": args.lambda_finish,
        "annealing": "none" if args.no_anneal else f"to 0 over {trainer.anneal_episodes:,}",
    }  # fmt: skip
    write_report(history, out / "report.html", title="PARL training", settings=settings)
    print(f"\nfinal policy after {seconds:,.0f} s (real time): {out / 'policy.json'}; "
          f"report: {out / 'report.html'}")  # fmt: skip
    return 0


def add_train(sub: Any) -> None:
    train = sub.add_parser("train", help="train a PARL policy; writes DIR/policy.json + report")
    train.add_argument("--episodes", type=int, default=3000)
    train.add_argument("--out", default="runs/parl", help="folder for policy.json and report")
    train.add_argument("--processes", type=int, default=2, help="rollout worker processes")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--group-size", type=int, default=8)
    train.add_argument("--lambda-parallel", type=float, default=0.3)
    train.add_argument("--lambda-finish", type=float, default=0.2)
    train.add_argument("--anneal-episodes", type=int, default=None,
                       help="λ's reach 0 here (default: half the episodes)")  # fmt: skip
    train.add_argument("--no-anneal", action="store_true", help="keep λ's constant (ablation)")
    train.add_argument("--learning-rate", type=float, default=0.05)
    train.add_argument("--checkpoint-every", type=int, default=None)
    train.add_argument("--resume", default=None, help="a checkpoint to continue from")
    train.set_defaults(func=_train)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: swarmnb train …")
