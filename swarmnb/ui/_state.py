"""Fold a run's events into the plain state the dashboard draws.

The dashboard never asks the scheduler anything: it reads the same events the trace records,
so a live dashboard, a dashboard opened on a finished run and one fed from a replayed trace end
in the same state. Folding is incremental (one event at a time) and remembers what changed
since the last :meth:`SwarmState.take_changes`, so widgets send diffs, not whole graphs.

Statuses use the dashboard's vocabulary: ``queued``, ``running``, ``retrying`` (waiting out a
backoff), ``done``, ``failed``, ``skipped``, ``cancelled``.

Tasks without an agent are drawn on *worker lanes*: an attempt takes the lowest free lane when
it starts and frees it when it ends, so a plain graph run shows at most ``max_concurrency``
lanes and each lane reads as one worker.

Example::

    state = SwarmState()
    state.apply_many(run.events)
    state.tasks["a"].status        # 'done'
    state.totals.cost_usd
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable, Mapping
from typing import Any

from ..events import STATUS_OF_KIND
from ._records import (
    AGENT_FIELDS,
    STATUS_CODE,
    STATUSES,
    AgentState,
    Changes,
    TaskState,
    Totals,
)

__all__ = [
    "AGENT_FIELDS",
    "STATUSES",
    "STATUS_CODE",
    "AgentState",
    "Changes",
    "SwarmState",
    "TaskState",
    "Totals",
]

_TERMINAL = STATUS_OF_KIND
_WORKER = "worker {}"


class SwarmState:
    """Everything the dashboard shows, folded from events; not thread-safe (one folder)."""

    def __init__(self) -> None:
        self.run_id: str | None = None
        self.name: str | None = None
        self.clock: str | None = None
        self.status = "pending"
        self.budget: dict[str, Any] = {}
        self.max_concurrency: int | None = None
        self.n_events = 0
        self.now = 0.0
        self.answer: Any = None
        self.quality: dict[str, Any] = {}
        self.budget_exceeded: str | None = None
        self.decisions = 0
        self.tasks: dict[str, TaskState] = {}
        self.order: list[TaskState] = []
        self.counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        self.agents: dict[str, AgentState] = {}
        self.lanes: list[str] = []
        self.lane_of: dict[str, int] = {}
        self.bars: list[list[Any]] = []  # [lane, t0, t1 | None, code, task id]
        self.curve: list[list[float]] = []  # [t, running] steps
        self.limits: list[list[Any]] = []  # [t, limit | None] steps
        self.cost_series: list[list[float]] = []  # [t, cumulative $]
        self.totals = Totals()
        self.running = 0
        self._free_workers: list[int] = []
        self._workers: list[AgentState] = []
        self._changes = Changes(full=True)
        self._handlers: dict[str, Any] = {
            "task.queued": self._on_queued,
            "task.started": self._on_started,
            "task.retrying": self._on_retrying,
            "task.completed": self._on_terminal,
            "task.failed": self._on_terminal,
            "task.skipped": self._on_terminal,
            "task.cancelled": self._on_terminal,
            "task.restored": self._on_terminal,
            "agent.spawned": self._on_spawned,
            "agent.finished": self._on_agent_finished,
            "agent.heartbeat": self._on_supervision,
            "agent.unhealthy": self._on_supervision,
            "agent.restarted": self._on_supervision,
            "agent.quarantined": self._on_supervision,
            "capability.denied": self._on_supervision,
            "run.started": self._on_run_started,
            "run.finished": self._on_run_finished,
            "budget.exceeded": self._on_budget,
            "policy.decision": self._on_decision,
        }

    def __repr__(self) -> str:
        return (
            f"<SwarmState tasks={len(self.order)} agents={len(self.agents)} status={self.status}>"
        )

    # -- reading -----------------------------------------------------------------------------
    @property
    def running_tasks(self) -> int:
        return self.running

    def take_changes(self) -> Changes:
        changes, self._changes = self._changes, Changes()
        return changes

    def agent_totals(self) -> dict[str, dict[str, float]]:
        """Usage per agent id (worker lanes included), for checks against the trace."""
        return {
            a.id: {
                "tokens_in": a.tokens_in, "tokens_out": a.tokens_out,
                "cost_usd": a.cost_usd, "steps": a.steps, "tasks_done": a.tasks_done,
            }
            for a in self.agents.values()
        }  # fmt: skip

    def usd_per_minute(self, window: float | None = None) -> float:
        """Spend rate over the whole run, or over the last ``window`` seconds of run time."""
        if not self.cost_series or self.now <= 0:
            return 0.0
        if window is None or window >= self.now:
            return self.totals.cost_usd / self.now * 60.0
        since = self.now - window
        i = bisect.bisect_right(self.cost_series, [since, float("inf")]) - 1
        before = self.cost_series[i][1] if i >= 0 else 0.0
        return (self.totals.cost_usd - before) / window * 60.0

    # -- folding -----------------------------------------------------------------------------
    # The hot path: one dict lookup picks a handler per kind; handlers touch only what changes.
    def apply_many(self, events: Iterable[Mapping[str, Any]]) -> None:
        handlers = self._handlers
        now = self.now
        count = 0
        for event in events:
            count += 1
            t = event["t"]
            if t > now:
                now = self.now = t
            handler = handlers.get(event["kind"])
            if handler is not None:
                handler(event, t)
        self.n_events += count

    def apply(self, event: Mapping[str, Any]) -> None:
        """Fold one event (unknown kinds only advance the clock)."""
        self.apply_many((event,))

    def observe_limit(self, limit: int | None) -> None:
        """Record a concurrency limit change seen on a live run (``set_concurrency``)."""
        if self.limits and self.limits[-1][1] == limit:
            return
        if self.limits and self.limits[-1][0] == self.now:
            self.limits[-1][1] = limit
        else:
            self.limits.append([self.now, limit])
        self.max_concurrency = limit
        self._changes.run = True
        self._changes.limits = True

    def _on_run_started(self, event: Mapping[str, Any], t: float) -> None:
        self.run_id = event.get("run")
        self.name = event.get("name")
        self.clock = event.get("clock")
        self.status = "running"
        self.budget = {k: v for k, v in dict(event.get("budget") or {}).items() if v is not None}
        self.max_concurrency = event.get("max_concurrency")
        self.limits = [[t, self.max_concurrency]]
        self._changes.run = True
        self._changes.limits = True

    def _on_run_finished(self, event: Mapping[str, Any], t: float) -> None:
        self.status = str(event.get("status", "completed"))
        self.answer = event.get("answer")
        self.quality = dict(event.get("quality") or {})
        self._changes.run = True
        self._changes.finished = True

    def _on_budget(self, event: Mapping[str, Any], t: float) -> None:
        self.budget_exceeded = str(event.get("resource", "budget"))
        self._changes.run = True

    def _on_decision(self, event: Mapping[str, Any], t: float) -> None:
        self.decisions += 1
        self._changes.run = True

    def _on_queued(self, event: Mapping[str, Any], t: float) -> None:
        if event["task"] not in self.tasks:
            self._add_task(event)

    def _task(self, event: Mapping[str, Any]) -> TaskState:
        task = self.tasks.get(event["task"])
        if task is None:  # a trace cut before the queue event: keep what we can
            task = self._add_task(event)
        self._changes.tasks.add(task.index)
        return task

    def _on_started(self, event: Mapping[str, Any], t: float) -> None:
        task = self._task(event)
        task.attempts += 1
        if task.started is None:
            task.started = t
        agent = event.get("agent")
        if agent is not None:
            task.agent = agent
        self._set_status(task, "running")
        self._open_bar(task, t)

    def _on_retrying(self, event: Mapping[str, Any], t: float) -> None:
        task = self._task(event)
        self._close_bar(task, t, "b", event)
        task.retries += 1
        task.error = event.get("error")
        self._set_status(task, "retrying")

    def _on_terminal(self, event: Mapping[str, Any], t: float) -> None:
        task = self._task(event)
        kind = event["kind"]
        status = _TERMINAL[kind]
        if kind != "task.skipped":  # a restored task has no bar but brings its usage
            self._close_bar(task, t, STATUS_CODE[status], event)
        task.finished = t
        if kind == "task.restored":
            task.attempts = int(event.get("attempts", 0))
            task.retries = int(event.get("retries", 0))
        if kind in ("task.completed", "task.restored"):
            task.result = event.get("result")
            task.error = None
        elif kind == "task.failed":
            task.error = event.get("error")
        else:
            task.reason = event.get("reason")
        self._set_status(task, status)

    def _add_task(self, event: Mapping[str, Any]) -> TaskState:
        task = TaskState(
            index=len(self.order),
            id=event["task"],
            deps=tuple(event.get("deps") or ()),
            prompt=str(event.get("prompt") or ""),
            profile=event.get("profile"),
            role=event.get("role"),
            stage=event.get("stage"),
            agent=event.get("agent"),
        )
        self.tasks[task.id] = task
        self.order.append(task)
        self.counts["queued"] += 1
        changes = self._changes
        changes.shape = True
        changes.tasks.add(task.index)
        changes.run = True
        return task

    def _set_status(self, task: TaskState, status: str) -> None:
        old = task.status
        if old != status:
            counts = self.counts
            counts[old] -= 1
            counts[status] += 1
            task.status = status
            self._changes.run = True

    # -- attempts, lanes, agents ---------------------------------------------------------------
    def _open_bar(self, task: TaskState, t: float) -> None:
        if task.bar is not None:  # a start without an end: close the dangling bar
            self._close_bar(task, t, "c", {})
        if task.agent is not None:
            agent = self.agents.get(task.agent) or self._agent(
                task.agent, profile=task.profile, role=task.role
            )
        else:
            free = self._free_workers
            slot = heapq.heappop(free) if free else self._new_worker()
            agent = self._workers[slot]
        task.lane_agent = agent.id
        agent.running += 1
        agent.task = task.id
        agent.state = "busy"
        changes = self._changes
        changes.agents.add(agent.id)
        lane = self.lane_of.get(agent.id)
        if lane is None:
            lane = self._lane(agent.id)
        bars = self.bars
        task.bar = len(bars)
        changes.bars.add(task.bar)
        bars.append([lane, t, None, "r", task.id])
        self.running += 1
        self._curve_point(t)

    def _new_worker(self) -> int:
        slot = len(self._workers)
        agent = self._agent(_WORKER.format(slot), profile=None, role=None, worker=True)
        agent.slot = slot
        self._workers.append(agent)
        return slot

    def _close_bar(self, task: TaskState, t: float, code: str, event: Mapping[str, Any]) -> None:
        tokens_in = event.get("tokens_in") or 0
        tokens_out = event.get("tokens_out") or 0
        cost = event.get("cost_usd") or 0.0
        steps = event.get("steps") or 0
        used = tokens_in or tokens_out or cost or steps
        if used:
            task.tokens_in += tokens_in
            task.tokens_out += tokens_out
            task.cost_usd += cost
            task.steps += steps
            totals = self.totals
            totals.tokens_in += tokens_in
            totals.tokens_out += tokens_out
            totals.cost_usd += cost
            totals.steps += steps
            self._cost_point(t)
        bar_index = task.bar
        if bar_index is None and not used:  # ended before it ever started
            return
        agent_id = task.lane_agent or task.agent
        agent = None
        if agent_id is not None:
            agent = self.agents.get(agent_id) or self._agent(
                agent_id, profile=task.profile, role=task.role
            )
            if used:
                agent.tokens_in += tokens_in
                agent.tokens_out += tokens_out
                agent.cost_usd += cost
                agent.steps += steps
            self._changes.agents.add(agent_id)
        if bar_index is None:  # cancelled or skipped before it ever started
            return
        bar = self.bars[bar_index]
        bar[2] = t
        bar[3] = code
        self._changes.bars.add(bar_index)
        task.bar = None
        self.running -= 1
        self._curve_point(t)
        if agent is not None:
            agent.running = max(0, agent.running - 1)
            if code == "d":
                agent.tasks_done += 1
            if agent.running == 0:
                agent.task = None
                if agent.state == "busy":
                    agent.state = "idle"
                if agent.worker:
                    heapq.heappush(self._free_workers, agent.slot)

    def _agent(
        self, agent_id: str, *, profile: str | None, role: str | None, worker: bool = False
    ) -> AgentState:
        agent = self.agents.get(agent_id)
        if agent is None:
            agent = AgentState(
                id=agent_id, name=agent_id, profile=profile, role=role, worker=worker,
                spawned=self.now,
            )  # fmt: skip
            self.agents[agent_id] = agent
            self._changes.agents.add(agent_id)
        return agent

    def _lane(self, agent_id: str) -> int:
        lane = self.lane_of.get(agent_id)
        if lane is None:
            lane = self.lane_of[agent_id] = len(self.lanes)
            self.lanes.append(agent_id)
            self._changes.lanes = True
        return lane

    def _on_spawned(self, event: Mapping[str, Any], t: float) -> None:
        agent_id = event.get("agent")
        if agent_id is None:
            return
        agent_id = str(agent_id)
        agent = self._agent(agent_id, profile=event.get("profile"), role=event.get("role"))
        agent.name = str(event.get("name") or agent_id)
        agent.profile = event.get("profile", agent.profile)
        agent.role = event.get("role", agent.role)
        agent.spawned = t
        agent.state = "busy" if agent.running else "idle"
        agent.left = None
        self._changes.agents.add(agent_id)

    def _on_agent_finished(self, event: Mapping[str, Any], t: float) -> None:
        agent_id = event.get("agent")
        if agent_id is None:
            return
        agent_id = str(agent_id)
        agent = self._agent(agent_id, profile=None, role=None)
        agent.state = "finished"
        agent.left = t
        self._changes.agents.add(agent_id)

    def _on_supervision(self, event: Mapping[str, Any], t: float) -> None:
        """Health, heartbeats, restarts, quarantine and denied calls of supervised agents."""
        agent_id = event.get("agent")
        if agent_id is None:
            return
        agent_id = str(agent_id)
        agent = self._agent(agent_id, profile=None, role=event.get("role"))
        kind = event["kind"]
        if kind == "agent.heartbeat":
            agent.last_heartbeat = t
            agent.health = "healthy"
        elif kind == "agent.unhealthy":
            agent.health = "failed" if event.get("gave_up") else "unhealthy"
        elif kind == "agent.restarted":
            agent.restarts += 1
            agent.health = "restarting"
        elif kind == "agent.quarantined":
            agent.quarantined = True
        else:  # capability.denied
            agent.denied += 1
        self._changes.agents.add(agent_id)

    # -- series ------------------------------------------------------------------------------
    def _curve_point(self, t: float) -> None:
        curve = self.curve
        if curve and curve[-1][0] == t:
            curve[-1][1] = self.running
        else:
            curve.append([t, self.running])
        index = len(curve) - 1
        changes = self._changes
        if changes.curve_from is None or index < changes.curve_from:
            changes.curve_from = index

    def _cost_point(self, t: float) -> None:
        series = self.cost_series
        if series and series[-1][0] == t:
            series[-1][1] = self.totals.cost_usd
        else:
            series.append([t, self.totals.cost_usd])
        self._changes.cost = True
