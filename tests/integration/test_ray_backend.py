"""The Ray backend: same invariants, same metrics as the local backend, nothing lost when an
actor dies. One local Ray cluster (2 CPUs) serves the whole test session."""

from __future__ import annotations

import asyncio
import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import swarmnb as sn
from tests.property.test_scheduler_properties import assert_invariants, make_work, scenarios

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="the [ray] extra is not installed"
)


@pytest.fixture(scope="session")
def ray_backend() -> Iterator[Any]:
    backend = sn.backends.Ray(actors=2)
    backend.actors  # start the local cluster once for the session  # noqa: B018
    yield backend
    backend.close()


def test_ray_is_imported_only_when_the_backend_is_used() -> None:
    code = (
        "import sys, swarmnb as sn; b = sn.backends.Ray(); "
        "assert 'ray' not in sys.modules, 'imported'; print(repr(b))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Ray(address='local cluster'" in out.stdout


def test_a_missing_ray_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a)
    )
    with pytest.raises(sn.BackendUnavailable, match=r"pip install swarmnb\[ray\]") as caught:
        sn.backends.Ray()
    assert isinstance(caught.value, ImportError)


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenarios())
def test_the_scheduler_invariants_hold_on_ray(ray_backend: Any, case: Any) -> None:
    graph, script, limit, profile_limits = case
    run = sn.run_graph_sync(
        graph, make_work(script), max_concurrency=limit, profile_limits=profile_limits,
        clock="virtual", trace=None, backoff_base=0.2, backend=ray_backend,
    )  # fmt: skip
    assert_invariants(run, graph, limit, profile_limits)


async def _simulated(task: sn.Task, ctx: sn.Context) -> str:
    rng = ctx.rng
    await asyncio.sleep(rng.uniform(0.5, 4.0))
    ctx.record_usage(tokens_in=rng.randint(100, 900), tokens_out=rng.randint(10, 90),
                     cost_usd=rng.uniform(1e-4, 1e-3), steps=rng.randint(1, 3))  # fmt: skip
    ctx.emit("model.call", model="sim/small")
    await asyncio.sleep(rng.uniform(0.1, 1.0))
    if rng.random() < 0.15:
        raise sn.RetryableError("simulated 429")
    if rng.random() < 0.03:
        raise ValueError("simulated hard fault")
    return f"{task.id}<-{sorted(ctx.inputs)}"


def _same_metrics(a: dict[str, Any], b: dict[str, Any]) -> None:
    """Equal, times up to float rounding (offsets are added to a different running sum)."""
    assert a.keys() == b.keys()
    for name, value in a.items():
        if isinstance(value, float):
            assert b[name] == pytest.approx(value, rel=1e-9, abs=1e-9), name
        else:
            assert b[name] == value, name


def _masked(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(e["kind"], e.get("task"), round(e["t"], 9)) for e in events]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_run_on_ray_has_the_local_metrics_and_events(ray_backend: Any, seed: int) -> None:
    graph = sn.TaskGraph.random(60, max_deps=2, window=10, seed=seed)
    options = {"clock": "virtual", "trace": None, "seed": seed, "max_concurrency": 8}
    local = sn.run_graph_sync(graph, _simulated, **options)
    on_ray = sn.run_graph_sync(graph, _simulated, backend=ray_backend, **options)
    _same_metrics(on_ray.metrics, local.metrics)
    assert on_ray.results == local.results
    assert sorted(_masked(on_ray.events)) == sorted(_masked(local.events))


def test_an_episode_on_ray_matches_the_local_one(ray_backend: Any) -> None:
    scenario = sn.scenarios.WideSearch(n_items=8, seed=2)
    local = sn.Swarm(policy=sn.policies.Heuristic(), trace=None, seed=1).solve_sync(scenario)
    swarm = sn.Swarm(policy=sn.policies.Heuristic(), trace=None, seed=1, backend=ray_backend)
    on_ray = swarm.solve_sync(scenario)
    assert on_ray.answer == local.answer
    _same_metrics(on_ray.metrics, local.metrics)


def test_killing_an_actor_mid_task_loses_nothing(ray_backend: Any) -> None:
    import ray

    graph = sn.TaskGraph.random(12, max_deps=1, seed=5)
    killed: list[Any] = []

    async def slow(task: sn.Task, ctx: sn.Context) -> str:
        await asyncio.sleep(0.3)  # real seconds: the kill lands while attempts run
        return f"{task.id}:{sorted(ctx.inputs.items())}"

    expected = sn.run_graph_sync(graph, slow, trace=None, max_concurrency=4).results
    before = ray_backend.restarts

    async def main() -> sn.Run:
        run = sn.run_graph(graph, slow, trace=None, max_concurrency=4, backend=ray_backend)

        def kill_once(event: dict[str, Any]) -> None:
            if event["kind"] == "task.started" and event["task"] == "t3" and not killed:
                killed.append(ray_backend.actors[0])
                ray.kill(killed[0], no_restart=False)

        run.subscribe(kill_once)
        return await run

    run = asyncio.run(main())
    assert killed and ray_backend.restarts > before
    assert run.status == "completed" and run.results == expected
    starts = [e["task"] for e in run.events if e["kind"] == "task.started"]
    assert sorted(starts) == sorted(graph.ids)  # each task started once: no retry was spent


def test_events_stream_back_while_the_attempt_runs(ray_backend: Any, tmp_path: Any) -> None:
    flag = tmp_path / "kernel-saw-the-event"

    async def waits_for_the_kernel(task: sn.Task, ctx: sn.Context) -> str:
        ctx.emit("tool.call", tool="search", ok=True)
        for _ in range(400):  # up to 20 s: the kernel writes the flag once the event arrives
            if flag.exists():
                return "seen while running"
            await asyncio.sleep(0.05)
        return "not seen while running"

    g = sn.TaskGraph()
    g.add("look", id="a")

    async def main() -> sn.Run:
        run = sn.run_graph(g, waits_for_the_kernel, trace=None, backend=ray_backend)
        run.subscribe(lambda e: e["kind"] == "tool.call" and flag.write_text("yes"))
        return await run

    run = asyncio.run(main())
    assert run.result_of("a") == "seen while running"
    kinds = [e["kind"] for e in run.events]
    assert kinds.index("tool.call") < kinds.index("task.completed")
