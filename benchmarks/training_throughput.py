"""Training throughput: simulated Heuristic episodes per minute, litellm path vs fast sim path.

Training lives on simulated episodes per minute. This script runs Heuristic episodes of
WideSearch-20 and WideSearch-100 (virtual clock, no trace files) in worker processes and
prints episodes per minute for the litellm call path and for the fast in-process ``sim/``
path side by side (targets with the fast path on 2 processes: ≥ 3,000/min for WideSearch-20
and ≥ 600/min for WideSearch-100): as measured in real time, and "own-core" — the episodes
divided by the worker processes' CPU time, i.e. the rate if each process had a core to
itself, which a machine shared with other jobs does not give. Process start-up and imports
are not timed (nor the import of jsonschema, which a worker otherwise pays on its first
malformed reply); each worker runs one warm-up episode first, then leaves its heap so far out
of garbage collection (``gc.freeze()``, as the rollout workers of ``Trainer`` do). The
episodes are simulations.

    python benchmarks/training_throughput.py [--processes 2] [--seconds 10]
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing as mp
import os
import time
from concurrent.futures import ProcessPoolExecutor


def _warm(_: int) -> int:
    import jsonschema  # noqa: F401 — imported on the first reply that needs the full validator

    import swarmnb as sn

    sn.Swarm(policy=sn.policies.Heuristic(), trace=None, learn=False).solve_sync(
        sn.scenarios.WideSearch(n_items=20, seed=10_000)
    )
    gc.freeze()  # as training's rollout workers do: the collector skips the imported heap
    return os.getpid()


def _episodes(args: tuple[int, int, bool, float]) -> tuple[int, float]:
    """Run episodes for ``seconds`` of real time; how many finished and the CPU seconds used."""
    n_items, first_seed, fast, seconds = args
    import swarmnb as sn
    from swarmnb.models import sim_fast_path

    swarm = sn.Swarm(policy=sn.policies.Heuristic(), trace=None, learn=False)
    done = 0
    cpu0 = time.process_time()
    deadline = time.perf_counter() + seconds
    with sim_fast_path(fast):
        while time.perf_counter() < deadline:
            seed = first_seed + done
            swarm.solve_sync(sn.scenarios.WideSearch(n_items=n_items, seed=seed), seed=seed)
            done += 1
    return done, time.process_time() - cpu0


def measure(
    pool: ProcessPoolExecutor, processes: int, n_items: int, fast: bool, seconds: float
) -> tuple[float, float]:
    """Episodes per real minute, and per minute if every process had a core to itself."""
    started = time.perf_counter()
    jobs = [(n_items, 1_000 * w, fast, seconds) for w in range(processes)]
    results = list(pool.map(_episodes, jobs))
    done = sum(n for n, _ in results)
    cpu = sum(c for _, c in results)
    wall = time.perf_counter() - started
    return done / wall * 60.0, done / max(cpu, 1e-9) * 60.0 * processes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0, help="real seconds per measurement")
    args = parser.parse_args()
    ctx = mp.get_context("fork")
    with ProcessPoolExecutor(max_workers=args.processes, mp_context=ctx) as pool:
        list(pool.map(_warm, range(args.processes)))
        print(
            f"Heuristic episodes per minute, {args.processes} processes, virtual clock "
            f"(simulated episodes; {os.cpu_count()} cores, shared machine: load average "
            f"{os.getloadavg()[0]:.1f})"
        )
        print(
            "  real: episodes per real minute as measured; own-core: the same work per minute "
            "if each process had a core to itself (episodes / CPU time of the workers)"
        )
        print(
            f"{'scenario':<16}{'litellm real':>14}{'fast real':>11}{'litellm own-core':>18}"
            f"{'fast own-core':>15}{'speed-up':>10}{'target':>9}"
        )
        for n_items, target in ((20, 3_000), (100, 600)):
            old, old_cpu = measure(pool, args.processes, n_items, False, args.seconds)
            fast, fast_cpu = measure(pool, args.processes, n_items, True, args.seconds)
            verdict = f"real {'met' if fast >= target else 'missed'}, own-core " + (
                "met" if fast_cpu >= target else "missed"
            )
            print(
                f"{f'WideSearch-{n_items}':<16}{old:>14,.0f}{fast:>11,.0f}{old_cpu:>18,.0f}"
                f"{fast_cpu:>15,.0f}{fast_cpu / old_cpu:>9.1f}×{f'≥{target:,}':>9}  {verdict}"
            )


if __name__ == "__main__":
    main()
