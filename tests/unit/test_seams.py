"""The runtime's seams: event sinks, execution backends, and one RunOptions."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

import swarmnb as sn
from swarmnb.events import encode_event
from swarmnb.runtime import RunOptions
from swarmnb.scenarios import WideSearch


class Recording:
    """A sink that keeps what it was given and what the run looked like when closed."""

    def __init__(self, run: Any = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.lines: list[str] = []
        self.closed = 0
        self.run = run
        self.status_at_close: str | None = None

    def on_event(self, event: dict[str, Any], line: str) -> None:
        self.events.append(event)
        self.lines.append(line)

    def close(self) -> None:
        self.closed += 1
        if self.run is not None:
            self.status_at_close = self.run.status


class CountingBackend:
    def __init__(self) -> None:
        self.inner = sn.backends.LocalBackend()
        self.attempts: list[str] = []
        self.closed = False

    async def run(self, work: Any, task: sn.Task, ctx: sn.Context) -> Any:
        self.attempts.append(f"{task.id}#{ctx.attempt}")
        return await self.inner.run(work, task, ctx)

    def close(self) -> None:
        self.closed = True
        self.inner.close()


def _graph() -> sn.TaskGraph:
    g = sn.TaskGraph()
    g.add("a", id="a", max_retries=1)
    g.add("b", id="b", deps=["a"])
    return g


def _flaky(task: sn.Task, ctx: sn.Context) -> str:  # sync: exercises the thread-pool path
    if task.id == "a" and ctx.attempt == 1:
        raise sn.RetryableError("once")
    return task.id


def test_a_sink_sees_every_event_in_order_and_is_closed_once_after_the_end() -> None:
    made: list[Recording] = []

    def factory(run: Any) -> Recording:
        made.append(Recording(run))
        return made[-1]

    plain = Recording()
    run = sn.run_graph_sync(_graph(), _flaky, clock="virtual", trace=None, sinks=[plain, factory])
    assert run.status == "completed"
    for sink in (plain, made[0]):
        assert sink.events == run.events and sink.closed == 1
        assert sink.lines == [encode_event(e) for e in run.events]
    assert made[0].status_at_close == "completed"
    assert plain.events[0]["kind"] == "run.started" and plain.events[-1]["kind"] == "run.finished"


def test_a_broken_sink_spec_is_refused_before_the_run_starts() -> None:
    with pytest.raises(TypeError, match="sink"):
        sn.run_graph_sync(_graph(), _flaky, clock="virtual", trace=None, sinks=[42])


def test_work_runs_on_the_given_backend_and_the_run_leaves_it_open() -> None:
    backend = CountingBackend()
    run = sn.run_graph_sync(_graph(), _flaky, clock="virtual", trace=None, backend=backend)
    assert run.status == "completed"
    assert backend.attempts == ["a#1", "a#2", "b#1"]
    assert not backend.closed
    backend.close()


def test_backend_events_match_the_default_backend() -> None:
    def strip(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in e.items() if k != "run"} for e in events]

    default = sn.run_graph_sync(_graph(), _flaky, clock="virtual", trace=None)
    custom = sn.run_graph_sync(
        _graph(), _flaky, clock="virtual", trace=None, backend=CountingBackend()
    )
    assert strip(custom.events) == strip(default.events)


def test_a_swarm_hands_its_backend_and_sinks_to_every_episode() -> None:
    backend = CountingBackend()
    made: list[Recording] = []
    swarm = sn.Swarm(
        policy=sn.policies.Heuristic(), trace=None, backend=backend,
        sinks=[lambda run: made.append(Recording(run)) or made[-1]],
    )  # fmt: skip
    swarm.solve_sync(WideSearch(n_items=8, seed=0))
    swarm.solve_sync(WideSearch(n_items=8, seed=1))
    assert len(made) == 2 and all(s.closed == 1 for s in made)
    assert len(backend.attempts) >= 2 and not backend.closed


def test_backends_module_and_protocol() -> None:
    assert isinstance(sn.backends.LocalBackend(), sn.backends.Backend)
    assert not isinstance(object(), sn.backends.Backend)
    with pytest.raises(TypeError, match="backend"):
        RunOptions(backend=object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_workers"):
        sn.backends.LocalBackend(max_workers=0)


def test_run_options_validate_once_and_copy_with_changes() -> None:
    opts = RunOptions(max_concurrency=8, clock="virtual", trace=None, seed=3)
    assert opts.replace(seed=4).seed == 4 and opts.seed == 3
    with pytest.raises(ValueError, match="clock"):
        RunOptions(clock="wall")
    with pytest.raises(ValueError, match="max_concurrency"):
        opts.replace(max_concurrency=0)
    run = sn.run_graph_sync(_graph(), _flaky, clock="virtual", trace=None, max_concurrency=2)
    assert run.options.max_concurrency == 2
    run.set_concurrency(5)
    assert run.max_concurrency == 5


_ABOVE_RUNTIME = ("trace", "view", "ui", "models", "scenarios", "orchestrator", "policies")


def test_the_runtime_imports_nothing_above_it() -> None:
    root = Path(sn.__file__).parent
    offending = []
    for path in (root / "runtime").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level >= 2:
                top = node.module.split(".")[0]
                is_dashboard_hop = path.name == "view.py" and top == "ui"
                if top in _ABOVE_RUNTIME and not is_dashboard_hop:
                    offending.append(f"{path.relative_to(root)}: {node.module}")
    assert offending == []


def test_telemetry_sinks_plug_in_as_event_sinks() -> None:
    metrics = sn.telemetry.PrometheusMetrics()
    run = sn.run_graph_sync(_graph(), _flaky, clock="virtual", trace=None, sinks=[metrics])
    assert run.status == "completed"
    assert isinstance(metrics, sn.events.EventSink)
    assert b'status="completed"' in metrics.render()
