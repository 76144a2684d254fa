"""``swarmnb`` on the command line: demo, bench, replay, runs, train, serve, resume.

Example::

    swarmnb demo --out reports/demo
    swarmnb bench --size small --out reports/bench
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


_BENCH_DEFAULTS = {"small": {"seeds": 3, "warmup": 10}, "full": {"seeds": 20, "warmup": 50}}


def _seed_list(text: str) -> list[int]:
    """``"5"`` → 0…4, ``"3-7"`` → 3…7, ``"0,2,9"`` → those seeds."""
    text = text.strip()
    if "," in text:
        return [int(s) for s in text.split(",") if s.strip()]
    if "-" in text:
        lo, hi = (int(s) for s in text.split("-", 1))
        return list(range(lo, hi + 1))
    return list(range(int(text)))


def _names(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def _bench(args: argparse.Namespace) -> int:
    import swarmnb as sn

    defaults = _BENCH_DEFAULTS[args.size]
    seeds = _seed_list(args.seeds) if args.seeds else list(range(defaults["seeds"]))
    warmup = defaults["warmup"] if args.warmup is None else args.warmup
    formats = _names(args.formats)
    out = Path(args.out)
    progress = not args.no_progress
    options: dict[str, Any] = {}
    if args.subagents:
        options["subagents"] = dict(pair.split("=", 1) for pair in _names(args.subagents))
    if args.orchestrator:
        options["orchestrator_model"] = args.orchestrator
    if args.budget_usd is not None:
        options["budget"] = sn.Budget(usd=args.budget_usd)
    models = [*options.get("subagents", {}).values(), args.orchestrator]
    sim = args.clock == "virtual" and all(m.startswith("sim/") for m in models if m)
    what = "sim models on the virtual clock (figures are simulations)" if sim else "real models"
    plan = "sweep plan" if args.experiment == "sensitivity" else f"{len(seeds)} seeds"
    print(f"swarmnb bench: size={args.size}, {plan}, jobs={args.jobs}, {what} → {out}")
    if args.experiment in ("compare", "all"):
        bench = sn.bench.benchmark(
            _names(args.scenarios), _names(args.policies), seeds, args.clock, size=args.size,
            warmup=warmup, jobs=args.jobs, progress=progress, swarm_options=options,
        )  # fmt: skip
        files = sn.bench.write_report(bench, out, formats=formats, simulated=sim)
        table = sn.bench.summary_table(bench.summary())
        cols = ["scenario", "policy", "n", "quality", "critical_steps", "cost_usd",
                "spawn_count", "critical_steps ÷ single"]  # fmt: skip
        print(table[[c for c in cols if c in table.columns]].to_string(index=False))
        print(f"\n{len(bench.results)} episodes in {bench.real_seconds:.1f} s (real time); "
              f"wrote {', '.join(sorted(files))} to {out}")  # fmt: skip
    if args.experiment in ("context", "all"):
        if not sim:
            print("the context-pressure experiment runs on the sim models only", file=sys.stderr)
            return 2
        cp = sn.bench.context_pressure(size=args.size, jobs=args.jobs, progress=progress)
        files = cp.write(out, formats=formats)
        print(cp.crossover().to_string(index=False))
        print(f"\ncontext pressure: {len(cp.results)} episodes in {cp.real_seconds:.1f} s "
              f"(real time); wrote {', '.join(sorted(files))} to {out}")  # fmt: skip
    if args.experiment in ("sensitivity", "all"):
        if not sim:
            print("the sensitivity sweep runs on the sim models only", file=sys.stderr)
            return 2
        sens = sn.bench.sensitivity(size=args.size, jobs=args.jobs, progress=progress)
        files = sens.write(out, formats=formats)
        for scenario in sens.settings["scenarios"]:
            print(sens.headline(scenario, "heuristic"))
        print(f"\nsensitivity: {len(sens.results)} episodes over {sens.settings['n_points']} "
              f"points in {sens.real_seconds:.1f} s (real time); wrote "
              f"{', '.join(sorted(files))} to {out}")  # fmt: skip
    return 0


def _add_bench(sub: Any) -> None:
    bench = sub.add_parser(
        "bench",
        help="compare policies over scenarios and seeds; write CSV, Parquet, HTML and PNG",
    )
    bench.add_argument("--scenarios", default="wide,deep,mixed", help="comma-separated")
    bench.add_argument(
        "--policies",
        default="single,heuristic,bandit",
        help="comma-separated: single, heuristic, bandit, llm, fixed-<width>, "
        "parl=<DIR/policy.json> (a trained PARL policy), bandit=<file>",
    )
    bench.add_argument(
        "--seeds",
        default=None,
        help="a count (20), a range (0-19) or a list (0,3,7); default by size",
    )
    bench.add_argument(
        "--size",
        choices=("small", "full"),
        default="small",
        help="small: quick CI sizes; full: the published report",
    )
    bench.add_argument(
        "--warmup",
        type=int,
        default=None,
        help="training episodes for learning policies (default by size)",
    )
    bench.add_argument(
        "--experiment",
        choices=("compare", "context", "sensitivity", "all"),
        default="compare",
        help="the policy comparison, the context-pressure experiment, the sensitivity sweep "
        "of the sim's assumptions, or all of them",
    )
    bench.add_argument(
        "--subagents",
        default=None,
        help="subagent models as profile=model pairs, e.g. small=openai/gpt-4o-mini "
        "(default: the sim/ models)",
    )
    bench.add_argument("--orchestrator", default=None, help="the orchestrator model (LLM policy)")
    bench.add_argument("--clock", choices=("virtual", "real"), default="virtual")
    bench.add_argument("--budget-usd", type=float, default=None, help="a budget per episode")
    bench.add_argument("--out", default="reports/bench", help="folder for the files")
    bench.add_argument("--jobs", type=int, default=1, help="worker processes")
    bench.add_argument("--formats", default="png,svg", help="chart copies: png, svg")
    bench.add_argument("--no-progress", action="store_true", help="no progress bar")
    bench.set_defaults(func=_bench)


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
    _add_bench(sub)
    rep = sub.add_parser("replay", help="print the metrics of a recorded run")
    rep.add_argument("trace", help="a JSONL trace file")
    rep.set_defaults(func=_replay)
    runs = sub.add_parser("runs", help="list the runs indexed under a trace folder")
    runs.add_argument("trace_dir", nargs="?", default="runs/")
    runs.set_defaults(func=_runs)
    from ._cli_resume import add_resume
    from .agents._cli import add_agents
    from .api._cli import add_serve
    from .training._cli import add_train

    add_serve(sub)
    add_train(sub)
    add_agents(sub)
    add_resume(sub)
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
