"""Time ``sn.vision.snapshot`` and ``sn.vision.analyze`` on runs of 100 to 5,000 tasks.

Prints, per size: the layout, the whole snapshot (layout + SVG + PNG + metadata), the PNG's
size, and one ``analyze`` round trip with ``sim/small`` (its model latency is simulated and
slept on the real clock; the sim reads the embedded metadata).

    python benchmarks/vision_snapshot.py

Targets: a 1,000-task snapshot in < 2 s; vision analysis in < 2 s.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path

import swarmnb as sn
import swarmnb.models
import swarmnb.vision
from swarmnb._layout import layout_graph


def make_run(n: int) -> sn.Run:
    rng = random.Random(n)
    g = sn.TaskGraph()
    for i in range(n):
        deps = [f"t{j}" for j in rng.sample(range(i), min(i, 2))] if i > n // 50 else []
        g.add(f"step {i}", id=f"t{i}", deps=deps, max_retries=0)

    def work(task: sn.Task, ctx: sn.Context) -> int:
        if rng.random() < 0.01:
            raise ValueError("injected failure")
        return 1

    return sn.run_graph_sync(g, work, clock="virtual", trace=None)


def main() -> None:
    print(
        "vision snapshot: layout + SVG + PNG (vl-convert) + embedded facts; analyze via sim/small"
    )
    print(f"{'tasks':>6s} {'layout s':>9s} {'snapshot s':>11s} {'PNG KB':>8s} {'analyze s':>10s}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (100, 1000, 5000):
            run = make_run(n)
            table = run.tasks
            t0 = time.perf_counter()
            layout_graph([str(i) for i in table["id"]], [tuple(d) for d in table["deps"]])
            t_layout = time.perf_counter() - t0
            t0 = time.perf_counter()
            path = sn.vision.snapshot(run, Path(tmp) / f"g{n}.png")
            t_snap = time.perf_counter() - t0
            t0 = time.perf_counter()
            answer = asyncio.run(sn.vision.analyze(path, "Which tasks failed?"))
            t_analyze = time.perf_counter() - t0
            print(f"{n:6d} {t_layout:9.2f} {t_snap:11.2f} {path.stat().st_size / 1024:8.0f} "
                  f"{t_analyze:10.2f}")  # fmt: skip
        print(f"\nlast answer (simulated): {answer.answer}")


if __name__ == "__main__":
    main()
