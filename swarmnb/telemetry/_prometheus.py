"""Prometheus metrics folded from run events.

Like the OpenTelemetry sink, this is an event subscriber: the runtime never imports
prometheus-client. One :class:`PrometheusMetrics` can follow any number of runs (the swarm
service feeds every swarm into one) and serves the text exposition format from :meth:`render`.

Metrics (all prefixed ``swarmnb_``):

=====================================  ======================================================
``tasks{state}``                        tasks now in each state (queued, running, backoff,
                                        completed, failed, skipped, cancelled)
``task_retries_total``                  attempts that ended in ``task.retrying``
``queue_depth``                         tasks waiting to start (queued or backing off)
``model_calls_total{model}``            model replies
``tokens_total{direction}``             tokens in / out
``cost_usd_total``                      dollars spent (simulated for ``sim/`` models)
``tool_calls_total{tool,ok}``           tool calls
``agents{health}``                      agents by health (healthy, unhealthy, quarantined,
                                        finished)
``agent_restarts_total``                agent restarts
``runs{status}``                        runs by status (running, completed, failed, …)
=====================================  ======================================================

Example::

    metrics = sn.telemetry.PrometheusMetrics()
    run.subscribe(metrics)
    print(metrics.render().decode())
"""

from __future__ import annotations

import threading
from collections import Counter as _Tally
from collections.abc import Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

__all__ = ["PrometheusMetrics", "prometheus_sink"]

_TASK_STATES = ("queued", "running", "backoff", "completed", "failed", "skipped", "cancelled")
_AGENT_STATES = ("healthy", "unhealthy", "quarantined", "finished")
_TASK_KIND_STATE = {
    "task.queued": "queued",
    "task.restored": "completed",
    "task.started": "running",
    "task.retrying": "backoff",
    "task.completed": "completed",
    "task.failed": "failed",
    "task.skipped": "skipped",
    "task.cancelled": "cancelled",
}
_AGENT_KIND_STATE = {
    "agent.spawned": "healthy",
    "agent.heartbeat": "healthy",
    "agent.restarted": "healthy",
    "agent.unhealthy": "unhealthy",
    "agent.quarantined": "quarantined",
    "agent.finished": "finished",
}


def _move(
    states: dict[tuple[str, str], str], counts: _Tally[str], key: tuple[str, str], state: str
) -> None:
    """Put ``key`` in ``state``, keeping ``counts`` (how many keys are in each state) in step."""
    old = states.get(key)
    if old != state:
        if old is not None:
            counts[old] -= 1
        states[key] = state
        counts[state] += 1


class PrometheusMetrics:
    """Event subscriber keeping Prometheus metrics; ``render()`` gives the text format.

    Per event it only updates plain counts under one lock; the metric families are built when
    scraped (a custom collector), so a run emitting thousands of events a second pays next to
    nothing for being watched.
    """

    def __init__(self, *, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self._lock = threading.Lock()
        self._task_state: dict[tuple[str, str], str] = {}
        self._agent_state: dict[tuple[str, str], str] = {}
        self._run_status: dict[str, str] = {}
        self._task_counts: _Tally[str] = _Tally()
        self._agent_counts: _Tally[str] = _Tally()
        self._model_calls: _Tally[str] = _Tally()
        self._tool_calls: _Tally[tuple[str, str]] = _Tally()
        self._tokens = {"in": 0, "out": 0}
        self._cost = 0.0
        self._retries = 0
        self._restarts = 0
        self.registry.register(self)

    def __repr__(self) -> str:
        return f"<PrometheusMetrics runs={len(self._run_status)} tasks={len(self._task_state)}>"

    # -- as an event sink (run_graph(..., sinks=[this])) ------------------------------------
    def on_event(self, event: Mapping[str, Any], line: str) -> None:
        self(event)

    def close(self) -> None:
        """Nothing to release: spans and metrics close with the run's own events."""

    def __call__(self, event: Mapping[str, Any]) -> None:
        kind = event.get("kind", "")
        run = str(event.get("run", ""))
        with self._lock:
            state = _TASK_KIND_STATE.get(kind)
            if state is not None:
                _move(self._task_state, self._task_counts, (run, str(event.get("task"))), state)
                if kind == "task.retrying":
                    self._retries += 1
                return
            agent_state = _AGENT_KIND_STATE.get(kind)
            if agent_state is not None:
                key = (run, str(event.get("agent")))
                _move(self._agent_state, self._agent_counts, key, agent_state)
                if kind == "agent.restarted":
                    self._restarts += 1
            elif kind == "model.call":
                self._model_calls[str(event.get("model", ""))] += 1
                self._tokens["in"] += int(event.get("tokens_in", 0) or 0)
                self._tokens["out"] += int(event.get("tokens_out", 0) or 0)
                self._cost += max(0.0, float(event.get("cost_usd", 0.0) or 0.0))
            elif kind == "tool.call":
                ok = "false" if event.get("ok") is False else "true"
                self._tool_calls[(str(event.get("tool", "")), ok)] += 1
            elif kind in ("run.started", "run.finished"):
                status = "running" if kind == "run.started" else str(event.get("status", ""))
                self._run_status[run] = status

    def collect(self) -> Iterator[Metric]:
        """The metric families now (prometheus-client's collector protocol)."""
        with self._lock:
            tasks = GaugeMetricFamily("swarmnb_tasks", "Tasks now in each state", labels=["state"])
            for state in _TASK_STATES:
                tasks.add_metric([state], self._task_counts[state])
            depth = self._task_counts["queued"] + self._task_counts["backoff"]
            agents = GaugeMetricFamily("swarmnb_agents", "Agents by health", labels=["health"])
            for health in _AGENT_STATES:
                agents.add_metric([health], self._agent_counts[health])
            runs = GaugeMetricFamily("swarmnb_runs", "Runs by status", labels=["status"])
            for status, n in sorted(_Tally(self._run_status.values()).items()):
                runs.add_metric([status], n)
            models = CounterMetricFamily(
                "swarmnb_model_calls", "Model replies received", labels=["model"]
            )
            for model, n in sorted(self._model_calls.items()):
                models.add_metric([model], n)
            tokens = CounterMetricFamily("swarmnb_tokens", "Tokens used", labels=["direction"])
            for direction, n in self._tokens.items():
                tokens.add_metric([direction], n)
            tools = CounterMetricFamily("swarmnb_tool_calls", "Tool calls", labels=["tool", "ok"])
            for (tool, ok), n in sorted(self._tool_calls.items()):
                tools.add_metric([tool, ok], n)
            families: list[Metric] = [
                tasks,
                CounterMetricFamily(
                    "swarmnb_task_retries", "Task attempts retried", value=self._retries
                ),
                GaugeMetricFamily("swarmnb_queue_depth", "Tasks waiting to start", value=depth),
                models,
                tokens,
                CounterMetricFamily(
                    "swarmnb_cost_usd", "Dollars spent (sim: simulated)", value=self._cost
                ),
                tools,
                agents,
                CounterMetricFamily(
                    "swarmnb_agent_restarts", "Agent restarts", value=self._restarts
                ),
                runs,
            ]
        yield from families

    def render(self) -> bytes:
        """The metrics in Prometheus' text exposition format."""
        return generate_latest(self.registry)


def prometheus_sink(*, registry: CollectorRegistry | None = None) -> PrometheusMetrics:
    """A :class:`PrometheusMetrics` event sink (its own registry unless one is given)."""
    return PrometheusMetrics(registry=registry)
