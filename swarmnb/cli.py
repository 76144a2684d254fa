"""``swarmnb`` on the command line: ``demo``, ``replay``, ``runs``.

Example::

    swarmnb demo --out reports/demo
    swarmnb replay runs/r20261121-104501-1a2b3c4d.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]


def _print_metrics(metrics: dict[str, Any], *, simulated: bool) -> None:
    note = "  (virtual clock: simulated time)" if simulated else ""
    width = max(len(k) for k in metrics)
    for name, value in metrics.items():
        shown = f"{value:,.4f}" if isinstance(value, float) else str(value)
        suffix = note if name == "wall_clock_ms" else ""
        print(f"  {name:<{width}}  {shown}{suffix}")


async def _graph_demo_work(task: Any, ctx: Any) -> str:
    """Simulated agent work: 1–10 simulated seconds, with injected transient and hard faults."""
    rng = ctx.rng
    await asyncio.sleep(rng.uniform(1.0, 10.0))
    draw = rng.random()
    if draw < 0.05:
        import swarmnb as sn

        raise sn.RetryableError("injected transient fault (simulated 429)")
    if draw < 0.052:
        raise RuntimeError("injected hard fault")
    ctx.record_usage(tokens_in=rng.randint(200, 2000), tokens_out=rng.randint(50, 400),
                     cost_usd=rng.uniform(1e-4, 1e-3), steps=rng.randint(1, 4))  # fmt: skip
    return f"done {task.id}"


def _graph_demo(args: argparse.Namespace) -> int:
    import swarmnb as sn
    from swarmnb._progress import follow_progress

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    graph = sn.TaskGraph.random(args.tasks, max_deps=3, window=200, seed=args.seed)
    print(f"swarmnb demo: a random DAG of {len(graph):,} tasks with injected faults, "
          f"virtual clock (simulated time), concurrency {args.concurrency}")  # fmt: skip

    async def main() -> Any:
        run = sn.run_graph(
            graph,
            _graph_demo_work,
            max_concurrency=args.concurrency,
            clock="virtual",
            trace=out / "runs",
            seed=args.seed,
            name="graph-demo",
        )
        follow_progress(run, total=len(graph))
        return await run

    from swarmnb.runtime.clock import run_in_new_loop

    run = run_in_new_loop(main, "virtual")
    print(f"\nstatus: {run.status}")
    _print_metrics(run.metrics, simulated=True)
    (out / "metrics.json").write_text(json.dumps(run.metrics, indent=2))
    run.tasks.to_csv(out / "tasks.csv", index=False)
    print(f"\nwrote {out / 'metrics.json'}, {out / 'tasks.csv'} and the trace {run.trace_path}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    if args.graph:
        return _graph_demo(args)
    from swarmnb.orchestrator import demo as swarm_demo

    return swarm_demo.main(args)


def _replay(args: argparse.Namespace) -> int:
    import swarmnb as sn

    run = sn.replay(args.trace)
    print(f"{run.name} ({run.id}): {run.status}")
    _print_metrics(run.metrics, simulated=run.clock == "virtual")
    return 0


def _runs(args: argparse.Namespace) -> int:
    import swarmnb as sn

    print(sn.runs(args.trace_dir).to_string(index=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="swarmnb", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the main job headless on the embedded sim models")
    demo.add_argument("--out", default="reports/demo", help="folder for the report and trace")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--items", type=int, default=100, help="WideSearch items (swarm demo)")
    demo.add_argument("--episodes", type=int, default=3, help="seeds per policy (swarm demo)")
    demo.add_argument("--graph", action="store_true", help="run the task-graph demo instead")
    demo.add_argument("--tasks", type=int, default=3000, help="graph demo size")
    demo.add_argument("--concurrency", type=int, default=64, help="graph demo concurrency")
    demo.set_defaults(func=_demo)
    rep = sub.add_parser("replay", help="print the metrics of a recorded run")
    rep.add_argument("trace", help="a JSONL trace file")
    rep.set_defaults(func=_replay)
    runs = sub.add_parser("runs", help="list the runs indexed under a trace folder")
    runs.add_argument("trace_dir", nargs="?", default="runs/")
    runs.set_defaults(func=_runs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (FileNotFoundError, ValueError) as exc:
        print(f"swarmnb: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
