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
from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

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


class PrometheusMetrics:
    """Event subscriber keeping Prometheus metrics; ``render()`` gives the text format."""

    def __init__(self, *, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.tasks = Gauge("swarmnb_tasks", "Tasks now in each state", ["state"], registry=r)
        self.retries = Counter("swarmnb_task_retries", "Task attempts retried", registry=r)
        self.queue_depth = Gauge("swarmnb_queue_depth", "Tasks waiting to start", registry=r)
        self.model_calls = Counter(
            "swarmnb_model_calls", "Model replies received", ["model"], registry=r
        )
        self.tokens = Counter("swarmnb_tokens", "Tokens used", ["direction"], registry=r)
        self.cost = Counter("swarmnb_cost_usd", "Dollars spent (sim: simulated)", registry=r)
        self.tool_calls = Counter("swarmnb_tool_calls", "Tool calls", ["tool", "ok"], registry=r)
        self.agents = Gauge("swarmnb_agents", "Agents by health", ["health"], registry=r)
        self.restarts = Counter("swarmnb_agent_restarts", "Agent restarts", registry=r)
        self.runs = Gauge("swarmnb_runs", "Runs by status", ["status"], registry=r)
        for state in _TASK_STATES:
            self.tasks.labels(state)
        for state in _AGENT_STATES:
            self.agents.labels(state)
        self._lock = threading.Lock()
        self._task_state: dict[tuple[str, str], str] = {}
        self._agent_state: dict[tuple[str, str], str] = {}
        self._run_status: dict[str, str] = {}
        self._task_counts: _Tally[str] = _Tally()
        self._agent_counts: _Tally[str] = _Tally()

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
                self._move_task((run, str(event.get("task"))), state)
                if kind == "task.retrying":
                    self.retries.inc()
                return
            agent_state = _AGENT_KIND_STATE.get(kind)
            if agent_state is not None:
                self._move_agent((run, str(event.get("agent"))), agent_state)
                if kind == "agent.restarted":
                    self.restarts.inc()
            elif kind == "model.call":
                self.model_calls.labels(str(event.get("model", ""))).inc()
                self.tokens.labels("in").inc(int(event.get("tokens_in", 0) or 0))
                self.tokens.labels("out").inc(int(event.get("tokens_out", 0) or 0))
                self.cost.inc(max(0.0, float(event.get("cost_usd", 0.0) or 0.0)))
            elif kind == "tool.call":
                ok = "false" if event.get("ok") is False else "true"
                self.tool_calls.labels(str(event.get("tool", "")), ok).inc()
            elif kind == "run.started":
                self._move_run(run, "running")
            elif kind == "run.finished":
                self._move_run(run, str(event.get("status", "finished")))

    def _move_task(self, key: tuple[str, str], state: str) -> None:
        old = self._task_state.get(key)
        if old == state:
            return
        if old is not None:
            self._task_counts[old] -= 1
            self.tasks.labels(old).set(self._task_counts[old])
        self._task_state[key] = state
        self._task_counts[state] += 1
        self.tasks.labels(state).set(self._task_counts[state])
        self.queue_depth.set(self._task_counts["queued"] + self._task_counts["backoff"])

    def _move_agent(self, key: tuple[str, str], state: str) -> None:
        old = self._agent_state.get(key)
        if old == state:
            return
        if old is not None:
            self._agent_counts[old] -= 1
            self.agents.labels(old).set(self._agent_counts[old])
        self._agent_state[key] = state
        self._agent_counts[state] += 1
        self.agents.labels(state).set(self._agent_counts[state])

    def _move_run(self, run: str, status: str) -> None:
        old = self._run_status.get(run)
        if old is not None:
            self.runs.labels(old).dec()
        self._run_status[run] = status
        self.runs.labels(status).inc()

    def render(self) -> bytes:
        """The metrics in Prometheus' text exposition format."""
        return generate_latest(self.registry)


def prometheus_sink(*, registry: CollectorRegistry | None = None) -> PrometheusMetrics:
    """A :class:`PrometheusMetrics` event sink (its own registry unless one is given)."""
    return PrometheusMetrics(registry=registry)
