"""Kill a run with SIGKILL at random moments, resume it, and get the uninterrupted result.

A child process runs a random graph (retries, hard failures, skipped descendants, JSON and
pickled results) and kills itself with SIGKILL at the K-th event of the run — any moment of
its life: a task queued, started, backing off, completing, another one finishing meanwhile.
The work function appends each execution to a file. The run is then resumed (sometimes in a
second child that is killed again) and must end exactly as an uninterrupted run of the same
graph and seed: same statuses, same results, same counts, while no task whose result was
stored before the kill executes again.
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import swarmnb as sn
from swarmnb.runtime.clock import run_in_new_loop
from swarmnb.trace.recorder import read_events
from swarmnb.trace.results import read_results, results_path

N_GRAPHS = 12
KILLS_PER_GRAPH = 3  # 36 kill points


def _kill_at(run: Any, kill_at: int) -> None:
    """SIGKILL this process when ``run`` emits its ``kill_at``-th event."""
    seen = 0

    def killer(event: dict[str, Any]) -> None:
        nonlocal seen
        seen += 1
        if seen >= kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    run.subscribe(killer)


def _graph(seed: int) -> sn.TaskGraph:
    rng = random.Random(seed)
    graph = sn.TaskGraph()
    for i in range(rng.randint(8, 24)):
        earlier = [f"t{j}" for j in range(i)]
        deps = rng.sample(earlier, min(len(earlier), rng.randint(0, 3)))
        graph.add(
            f"task {i} of graph {seed}", id=f"t{i}", deps=deps, max_retries=rng.randint(0, 2),
            fail_until=rng.choice([1, 1, 1, 2, 3, 4]),  # retryable faults before this attempt
            hard=rng.random() < 0.08,  # fails for good
            pickled=rng.random() < 0.3,  # a tuple result: the pickle fallback
        )  # fmt: skip
    return graph


def _make_work(executions: Path) -> Any:
    async def work(task: sn.Task, ctx: sn.Context) -> Any:
        with executions.open("a") as f:
            f.write(f"{task.id} {ctx.attempt}\n")
        await asyncio.sleep(ctx.rng.uniform(0.1, 2.0))  # simulated time
        ctx.record_usage(tokens_in=100 + len(task.id), tokens_out=10, cost_usd=0.001, steps=1)
        if task.meta["hard"]:
            raise ValueError(f"{task.id} cannot be done")
        if ctx.attempt < task.meta["fail_until"]:
            raise sn.RetryableError("transient")
        draw = ctx.rng.random()  # seeded by (seed, task, attempt): an attempt re-run draws alike
        key = (task.id, draw, sorted(ctx.inputs.items()))
        digest = hashlib.sha1(repr(key).encode()).hexdigest()
        return (task.id, digest[:12]) if task.meta["pickled"] else {"id": task.id, "h": digest}

    return work


def _run(graph_seed: int, trace: Path | None, executions: Path, **options: Any) -> sn.Run:
    return sn.run_graph_sync(
        _graph(graph_seed), _make_work(executions), trace=trace, clock="virtual", seed=7,
        max_concurrency=3, backoff_base=0.5, **options,
    )  # fmt: skip


def _crashing_child(
    graph_seed: int, trace: str, executions: str, kill_at: int, resume: str
) -> None:
    """Run (or resume) the graph and SIGKILL this process at the ``kill_at``-th event."""

    async def main() -> None:
        run = sn.run_graph(
            _graph(graph_seed), _make_work(Path(executions)), trace=trace, clock="virtual",
            seed=7, max_concurrency=3, backoff_base=0.5, resume=resume or None,
        )  # fmt: skip
        _kill_at(run, kill_at)
        await run

    run_in_new_loop(main, "virtual")


def _crash(graph_seed: int, trace: Path, executions: Path, kill_at: int, resume: str = "") -> Path:
    ctx = multiprocessing.get_context("forkserver")
    child = ctx.Process(
        target=_crashing_child, args=(graph_seed, str(trace), str(executions), kill_at, resume)
    )
    child.start()
    child.join(60)
    # A resumed run has fewer events (restored tasks do not run): it may finish before kill_at.
    assert child.exitcode == (-signal.SIGKILL if not resume else child.exitcode), child.exitcode
    assert child.exitcode in (-signal.SIGKILL, 0)
    traces = sorted(trace.glob("r*.jsonl"), key=lambda p: p.stat().st_mtime_ns)
    return traces[-1]


def _executed(path: Path) -> list[str]:
    return path.read_text().split("\n")[:-1] if path.exists() else []


def _outcome(run: Any) -> dict[str, tuple[str, Any]]:
    results = run.results
    return {row.id: (row.status, results.get(row.id)) for row in run.tasks.itertuples()}


def _assert_same_metrics(got: dict[str, Any], want: dict[str, Any], where: str) -> None:
    """Every metric equal — counts, usage, quality and the timeline (virtual clock)."""
    assert set(got) == set(want), where
    for name, value in want.items():
        if isinstance(value, float):  # sums of the same floats in another order: ulps apart
            assert got[name] == pytest.approx(value, rel=1e-9, abs=1e-9), (name, where)
        else:
            assert got[name] == value, (name, where)


@pytest.fixture(scope="module", autouse=True)
def _forkserver() -> None:
    # Children fork from a server that imported everything once (jsonschema alone takes
    # seconds), so each crash costs milliseconds.
    multiprocessing.set_forkserver_preload(
        ["jsonschema", "litellm", "swarmnb", "swarmnb.models", "swarmnb.models.structured",
         "swarmnb.orchestrator", "swarmnb.scenarios", __name__]
    )  # fmt: skip


@pytest.mark.parametrize("graph_seed", range(N_GRAPHS))
def test_killed_runs_resume_to_the_uninterrupted_result(tmp_path: Path, graph_seed: int) -> None:
    reference = _run(graph_seed, None, tmp_path / "reference.log")
    want = _outcome(reference)
    n_events = len(reference.events)
    rng = random.Random(graph_seed)
    for k in range(KILLS_PER_GRAPH):
        trace = tmp_path / f"kill{k}"
        executions = tmp_path / f"kill{k}.log"
        kill_at = rng.randint(1, n_events - 1)
        crashed = _crash(graph_seed, trace, executions, kill_at)
        if k == 2:  # resume once in a child that is killed again, then resume that run
            crashed = _crash(graph_seed, trace, executions, rng.randint(1, n_events - 1),
                             resume=str(crashed))  # fmt: skip
        header, stored, _ = read_results(results_path(crashed))
        ended = ("task.completed", "task.restored")
        completed_in_trace = {e["task"] for e in read_events(crashed) if e["kind"] in ended}
        assert completed_in_trace <= set(stored), "an event came before its result was stored"

        after = tmp_path / f"kill{k}-after.log"
        resumed = _run(graph_seed, trace, after, resume=crashed)

        assert _outcome(resumed) == want, f"kill at event {kill_at}"
        again = {line.split()[0] for line in _executed(after)}
        assert not again & set(stored), f"completed tasks ran again: {sorted(again & set(stored))}"
        restored = {e["task"] for e in resumed.events if e["kind"] == "task.restored"}
        assert restored == set(stored)
        _assert_same_metrics(resumed.metrics, reference.metrics, f"kill at event {kill_at}")
        resumed_from = next(e for e in resumed.events if e["kind"] == "run.resumed")
        assert resumed_from["from_run"] == header["run"] == crashed.stem


# -- episodes --------------------------------------------------------------------------------

_EPISODES = {
    "heuristic": (lambda: sn.policies.Heuristic(), 12),
    "llm": (lambda: sn.policies.LLM(), 6),
}


def _episode(kind: str, trace: Path | None, resume: str | Path | None = None) -> Any:
    make_policy, n_items = _EPISODES[kind]
    swarm = sn.Swarm(policy=make_policy(), clock="virtual", trace=trace, seed=3)
    return swarm.start(sn.scenarios.WideSearch(n_items=n_items, seed=1), resume=resume)


def _crashing_episode(kind: str, trace: str, kill_at: int, resume: str = "") -> None:
    async def main() -> None:
        episode = _episode(kind, Path(trace), resume or None)
        _kill_at(episode.run, kill_at)
        await episode

    run_in_new_loop(main, "virtual")


def _kill_episode(kind: str, trace: Path, kill_at: int, resume: Path | None = None) -> None:
    """Play the episode in a child process that SIGKILLs itself at event ``kill_at``."""
    args = (kind, str(trace), kill_at, str(resume) if resume else "")
    child = multiprocessing.get_context("forkserver").Process(target=_crashing_episode, args=args)
    child.start()
    child.join(120)
    assert child.exitcode == -signal.SIGKILL


def _finish(kind: str, trace: Path | None, resume: Path | None = None) -> Any:
    async def main() -> Any:
        return await _episode(kind, trace, resume)

    return run_in_new_loop(main, "virtual")


@pytest.mark.parametrize("kind", sorted(_EPISODES))
def test_killed_episodes_resume_to_the_same_answer_and_metrics(tmp_path: Path, kind: str) -> None:
    reference = _finish(kind, None)
    n_events = len(reference.run.events)
    rng = random.Random(kind)
    first_done = next(
        n for n, e in enumerate(reference.run.events, 1) if e["kind"] == "task.completed"
    )
    kill_points = [rng.randint(2, n_events - 2) for _ in range(2)]
    kill_points += [rng.randint(first_done, n_events - 2) for _ in range(3)]  # some stored
    for k, kill_at in enumerate(kill_points):
        trace = tmp_path / f"kill{k}"
        _kill_episode(kind, trace, kill_at)
        crashed = next(trace.glob("r*.jsonl"))
        _, stored, _ = read_results(results_path(crashed))
        if k == len(kill_points) - 1:  # the resumed episode is killed too, early on
            _kill_episode(kind, trace, 4, resume=crashed)
            crashed = max(trace.glob("r*.jsonl"), key=lambda p: p.stat().st_mtime_ns)
            _, kept, _ = read_results(results_path(crashed))
            assert set(kept) >= set(stored)  # it kept what it had not reached yet

        resumed = _finish(kind, trace, resume=crashed)

        assert resumed.answer == reference.answer, f"kill at event {kill_at}"
        _assert_same_metrics(resumed.metrics, reference.metrics, f"kill at event {kill_at}")
        restored = {e["task"] for e in resumed.run.events if e["kind"] == "task.restored"}
        # Restored work is re-enacted on the timeline (flagged), never executed: no attempt of
        # it starts for real and it calls no model.
        events = resumed.run.events
        executed = {
            e["task"] for e in events if e["kind"] == "task.started" and "restored" not in e
        }
        called = {e.get("task") for e in events if e["kind"] == "model.call"}
        assert restored == set(stored) and not restored & (executed | called)


@pytest.mark.parametrize("kind", sorted(_EPISODES))
def test_swarmnb_resume_finishes_a_killed_episode(tmp_path: Path, kind: str) -> None:
    """SIGKILL an episode, then `swarmnb resume RUN` (a new process) rebuilds it from its
    trace's recipe and ends with the uninterrupted episode's answer and every metric."""
    reference = _finish(kind, None)
    events = reference.run.events
    done = [n for n, e in enumerate(events, 1) if e["kind"] == "task.completed"]
    kill_at = (done[0] + done[-1]) // 2  # some results stored, some work still running
    _kill_episode(kind, tmp_path, kill_at)
    crashed = next(tmp_path.glob("r*.jsonl"))
    _, stored, _ = read_results(results_path(crashed))
    assert stored, "the kill point should leave stored results"

    cli = subprocess.run(
        [sys.executable, "-m", "swarmnb", "resume", crashed.stem, "--trace", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert cli.returncode == 0, cli.stderr
    assert f"{len(stored)} tasks restored" in cli.stdout
    resumed = sn.replay(cli.stdout.split("trace: ")[-1].strip())
    assert resumed.id != crashed.stem and resumed.name == reference.run.name
    assert resumed.events[-1]["answer"] == events[-1]["answer"]
    _assert_same_metrics(resumed.metrics, reference.metrics, f"kill at event {kill_at}")
