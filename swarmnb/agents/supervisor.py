"""Supervision: a monitor → analyse → plan → execute loop over every agent.

*Monitor*: heartbeats arrive on ``swarmnb.agent.heartbeat.<id>``; a worker's incarnation that
ends by itself is a crash, noticed at once. *Analyse*: a check every half heartbeat interval
counts a failure for an agent whose last heartbeat is older than ``health.timeout_s`` or whose
task has run past ``limits.task_timeout_s`` (hung); a check that itself wakes a whole interval
late is skipped (the loop is congested and heartbeats may be waiting unread). *Plan*:
``health.failure_threshold`` consecutive failures (or one crash) call for a restart, within
OTP-style intensity limits — at most ``max_restarts`` per ``restart_window_s`` per role; past
that the agent is given up (``failed``). *Execute*: the old incarnation is cancelled, its
in-flight and queued tasks go back to healthy agents, and a new incarnation starts with the
same id.

Anomalies quarantine an agent instead — it takes no new work until :meth:`Registry.release`:
``limits.max_denied`` denied capability calls within ``limits.denied_window_s``, or one task
spending more than ``limits.token_anomaly_factor`` × its role's median tokens per task.

Events: ``agent.heartbeat``, ``agent.unhealthy``, ``agent.restarted``, ``agent.quarantined``.
"""

from __future__ import annotations

import asyncio
import statistics
from collections import defaultdict, deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .gate import Caller
    from .registry import Registry
    from .worker import AgentWorker

__all__ = ["Supervisor"]

_MIN_SAMPLES = 8  #: per-task token figures a role needs before the anomaly check is trusted


class Supervisor:
    """Watches a registry's agents; see the module docs."""

    def __init__(self, registry: Registry, *, enabled: bool = True) -> None:
        self.reg = registry
        self.enabled = enabled
        self.restarts: dict[str, deque[float]] = defaultdict(deque)
        self.recoveries: list[float] = []  #: seconds from fault to a healthy replacement
        self.recovery_log: list[dict[str, Any]] = []  #: agent, fault_at, healthy_at, seconds
        self._denials: dict[str, deque[float]] = defaultdict(deque)
        self._tokens: dict[str, deque[int]] = defaultdict(lambda: deque(maxlen=256))
        self.skipped_checks = 0  #: rounds not judged because the loop ran late

    # -- monitor -----------------------------------------------------------------------------
    def watch(self, w: AgentWorker) -> None:
        incarnation = w.incarnation
        assert w.task is not None
        w.task.add_done_callback(lambda task: self._on_exit(w, incarnation, task))

    def on_heartbeat(self, data: dict[str, Any]) -> None:
        w = self.reg._workers.get(str(data.get("agent")))
        if w is None or data.get("incarnation") != w.incarnation or w.state == "stopped":
            return
        now = self.reg.now()
        w.last_heartbeat = now
        w.failures = 0
        if w.health != "healthy":
            w.health = "healthy"
            if w.fault_at is not None:
                self.recoveries.append(now - w.fault_at)
                self.recovery_log.append(
                    {"agent": w.id, "fault_at": w.fault_at, "healthy_at": now,
                     "seconds": now - w.fault_at}
                )  # fmt: skip
                w.fault_at = None
            self.reg._flush_backlog(w.role)
        self.reg.emit("agent.heartbeat", agent=w.id, load=data.get("load", 0.0),
                      status=data.get("status", "idle"))  # fmt: skip

    def _on_exit(self, w: AgentWorker, incarnation: int, task: asyncio.Task[None]) -> None:
        exc = None if task.cancelled() else task.exception()  # retrieved: no "never retrieved"
        if incarnation != w.incarnation or w.state in ("stopped", "failed"):
            return
        if task.cancelled() and not w.killed:
            return
        reason = f"crashed: {type(exc).__name__}: {exc}" if exc is not None else "killed"
        w.state = "crashed"
        if w.fault_at is None:
            w.fault_at = self.reg.now()
        self._unhealthy(w, reason)
        self.restart(w, reason)

    # -- analyse -----------------------------------------------------------------------------
    async def run(self) -> None:
        if not self.enabled:
            return
        while True:
            interval = self.interval()
            due = self.reg.now() + interval
            await asyncio.sleep(interval)
            if self.reg.now() - due > interval:
                # The loop itself is congested (we woke a whole interval late): heartbeats may
                # be waiting, unread, in a queue. Judge no one on this round.
                self.skipped_checks += 1
                continue
            self.check()

    def interval(self) -> float:
        intervals = [m.health.interval_s for m in self.reg._manifests.values()] or [1.0]
        return min(intervals) / 2

    def check(self) -> None:
        now = self.reg.now()
        for w in list(self.reg._workers.values()):
            if w.state not in ("idle", "busy", "draining", "starting"):
                continue
            h, limits = w.manifest.health, w.manifest.limits
            last = w.last_heartbeat if w.last_heartbeat is not None else w.started_at
            problem = None
            if now - last > h.timeout_s:
                problem = f"no heartbeat for {now - last:.2f}s"
            for tid, started in w.in_flight.items():
                if now - started > limits.task_timeout_s:
                    problem = f"task {tid} hung for {now - started:.2f}s"
            if problem is None:
                continue
            w.failures += 1
            if w.health != "unhealthy":
                if w.fault_at is None:
                    w.fault_at = last
                self._unhealthy(w, problem)
            if w.failures >= h.failure_threshold:
                self.restart(w, problem)

    def _unhealthy(self, w: AgentWorker, reason: str) -> None:
        w.health = "unhealthy"
        self.reg.emit("agent.unhealthy", agent=w.id, role=w.role, reason=reason)

    # -- plan + execute ----------------------------------------------------------------------
    def restart(self, w: AgentWorker, reason: str) -> None:
        """Restart ``w`` now, or give it up if the role's restart intensity is spent."""
        h = w.manifest.health
        now = self.reg.now()
        times = self.restarts[w.role]
        while times and now - times[0] > h.restart_window_s:
            times.popleft()
        old = w.task
        if old is not None and not old.done():
            old.cancel()
        if not h.auto_restart or h.restart == "temporary" or len(times) >= h.max_restarts:
            w.state = "failed"
            why = (
                f"not restarted ({len(times)} restarts in {h.restart_window_s:g}s; "
                f"limit {h.max_restarts}): {reason}"
            )
            self.reg.emit("agent.unhealthy", agent=w.id, role=w.role, gave_up=True, reason=why)
            self.reg._requeue(w, reason)
            self.reg._orphaned(w.role)
            return
        times.append(now)
        w.stats.restarts += 1
        w.killed = False
        self.reg._requeue(w, reason)
        w.start()
        self.watch(w)
        self.reg.emit("agent.restarted", agent=w.id, role=w.role, incarnation=w.incarnation,
                      reason=reason)  # fmt: skip

    # -- anomalies ---------------------------------------------------------------------------
    def on_denied(self, caller: Caller, reason: str) -> None:
        w = self.reg._workers.get(caller.id)
        if w is None:
            return
        w.stats.denied += 1
        now = self.reg.now()
        window = self._denials[w.id]
        window.append(now)
        while window and now - window[0] > w.manifest.limits.denied_window_s:
            window.popleft()
        if len(window) >= w.manifest.limits.max_denied:
            span = w.manifest.limits.denied_window_s
            self.quarantine(
                w, f"{len(window)} denied capability calls within {span:g}s (last: {reason})"
            )

    def on_result(self, w: AgentWorker, tokens: int) -> None:
        samples = self._tokens[w.role]
        if len(samples) >= _MIN_SAMPLES:
            norm = statistics.median(samples)
            factor = w.manifest.limits.token_anomaly_factor
            if norm > 0 and tokens > factor * norm:
                self.quarantine(w, f"spent {tokens} tokens on one task; the {w.role} median is "
                                   f"{norm:g} (limit ×{factor:g})")  # fmt: skip
        samples.append(tokens)

    def quarantine(self, w: AgentWorker, reason: str) -> None:
        if w.quarantined is not None:
            return
        w.quarantined = reason
        self.reg.emit("agent.quarantined", agent=w.id, role=w.role, reason=reason)
        self.reg._requeue(w, f"quarantined: {reason}", started=False)

    def release(self, w: AgentWorker) -> None:
        w.quarantined = None
        self._denials.pop(w.id, None)
        self.reg._flush_backlog(w.role)
