"""Start-up cost of one sandboxed process, per confinement, next to a bare subprocess.

python benchmarks/sandbox_overhead.py [--n 20]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time

import swarmnb as sn


def _mean_ms(fn, n: int) -> float:
    fn()  # warm up
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20)
    n = ap.parse_args().n
    cmd = [sys.executable, "-I", "-c", "pass"]
    with tempfile.TemporaryDirectory() as ws:
        rows = [("bare subprocess", _mean_ms(lambda: subprocess.run(cmd, check=True), n))]
        for how in sn.sandbox.available():
            for procs in (64, None):
                label = f"{how}" + (" + pids cgroup" if procs else " (no process cap)")

                def one(how: str = how, procs: int | None = procs) -> None:
                    sn.sandbox.run_sync(cmd, workspace=ws, confinement=how, max_procs=procs)

                rows.append((label, _mean_ms(one, n)))
    base = rows[0][1]
    print(f"{'how':32} {'ms/run':>8} {'x bare':>7}")
    for label, ms in rows:
        print(f"{label:32} {ms:8.1f} {ms / base:7.1f}")


if __name__ == "__main__":
    main()
