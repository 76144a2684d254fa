"""Routing and the ledger: which agent gets a task, and how each task ends exactly once.

A task goes to the least-loaded routable agent of its role (healthy, not quarantined, not
draining, fewer than ``prefetch`` tasks per concurrency slot), else waits in the role's backlog
(a heap: priority, deadline, submission order). A task held by an agent that crashed, hung,
was quarantined or drained is delivered again (``task.retrying``); results are recorded once
per task id — a repeat is counted in ``registry.duplicates`` and dropped.
"""

from __future__ import annotations

import heapq
import math
from typing import Any

from ..bus.messages import TaskAssigned, TaskCompleted, TaskFailedMsg, subjects
from .results import TaskRecord, TaskResult
from .worker import AgentWorker

__all__ = ["Routing"]


class Routing:
    """Dispatch, backlog, re-queue and result recording (mixed into ``Registry``)."""

    _workers: dict[str, AgentWorker]
    _tasks: dict[str, TaskRecord]
    _backlog: dict[str, list[tuple[int, float, int, str]]]
    _outbox: Any
    _store: Any
    prefetch: int
    max_attempts: int
    duplicates: int
    supervisor: Any

    def _dispatch(self, rec: TaskRecord) -> None:
        ready = [
            w for w in self._workers.values()
            if w.role == rec.role and w.routable and w.load < self.prefetch
        ]  # fmt: skip
        if not ready:
            workers = self._role_workers(rec.role)
            if workers and all(w.state == "failed" for w in workers):
                self._finish(rec, "failed", error=f"no {rec.role} agent is left to run it")
                return
            rec.status, rec.agent = "queued", None
            deadline = math.inf if rec.deadline is None else rec.deadline
            heapq.heappush(self._backlog[rec.role], (rec.priority, deadline, rec.seq, rec.id))
            return
        w = min(ready, key=lambda w: (w.load, len(w.in_flight), w.stats.tasks_done))
        rec.attempt += 1
        rec.agent, rec.status = w.id, "assigned"
        w.assigned.add(rec.id)
        msg = TaskAssigned(
            task_id=rec.id, role=rec.role, agent=w.id, prompt=rec.prompt, priority=rec.priority,
            deadline=rec.deadline, attempt=rec.attempt, tools=list(rec.tools),
            submitted_at=rec.submitted_at,
        )  # fmt: skip
        assert self._outbox is not None
        self._outbox.put_nowait((subjects.assigned(w.id), msg, f"{rec.id}#{rec.attempt}"))

    def _flush_backlog(self, role: str) -> None:
        queue = self._backlog.get(role)
        while queue and any(
            w.routable and w.load < self.prefetch for w in self._role_workers(role)
        ):
            rec = self._tasks[heapq.heappop(queue)[-1]]
            if not rec.done:
                self._dispatch(rec)

    def _orphaned(self, role: str) -> None:
        """Fail the queued tasks of a role none of whose agents can come back."""
        if any(w.state != "failed" for w in self._role_workers(role)):
            return
        for *_, tid in self._backlog.pop(role, []):
            self._finish(self._tasks[tid], "failed", error=f"no {role} agent is left to run it")

    def _requeue(self, w: AgentWorker, reason: str, *, started: bool = True) -> None:
        """Move `w`'s unfinished tasks elsewhere (`started=False`: only the queued ones)."""
        for tid in sorted(w.assigned):
            rec = self._tasks[tid]
            if not started and tid in w.in_flight:
                continue
            w.assigned.discard(tid)
            if rec.done:
                continue
            if rec.starts >= self.max_attempts and rec.status == "running":
                self._finish(rec, "failed", error=f"gave up after {rec.starts} attempts: {reason}")
                continue
            self.emit("task.retrying", task=tid, agent=w.id, reason=reason, attempt=rec.attempt)
            self._dispatch(rec)

    def _should_run(self, task_id: str, agent: str, attempt: int) -> bool:
        rec = self._tasks.get(task_id)
        return rec is not None and not rec.done and rec.agent == agent and rec.attempt == attempt

    def _on_started(self, w: AgentWorker, a: TaskAssigned, at: float) -> None:
        rec = self._tasks.get(a.task_id)
        if rec is None:
            return
        rec.status = "running"
        rec.starts += 1
        if rec.started_at is None:
            rec.started_at = at
        self.emit("task.started", task=a.task_id, agent=w.id, attempt=a.attempt)

    def _record(self, msg: TaskCompleted | TaskFailedMsg) -> None:
        rec = self._tasks.get(msg.task_id)
        if rec is None:
            return  # another registry's task on a shared bus
        if rec.done:
            self.duplicates += 1
            return
        if isinstance(msg, TaskFailedMsg):
            if msg.attempt != rec.attempt:
                return  # a stale attempt's failure: the task was delivered again since
            self._finish(rec, "failed", error=msg.error, agent=msg.agent)
            return
        self._finish(rec, "completed", output=msg.output, agent=msg.agent, msg=msg)
        w = self._workers.get(msg.agent)
        if w is not None:
            self.supervisor.on_result(w, msg.tokens_in + msg.tokens_out)

    def _finish(
        self, rec: TaskRecord, status: str, *, output: str | None = None, error: str | None = None,
        agent: str | None = None, msg: TaskCompleted | None = None,
    ) -> None:  # fmt: skip
        now = self.now()
        rec.status = status  # type: ignore[assignment]
        rec.finished_at = now
        for w in self._workers.values():
            w.assigned.discard(rec.id)
        self._flush_backlog(rec.role)
        result = TaskResult(
            task_id=rec.id, role=rec.role, status=status,  # type: ignore[arg-type]
            output=output, error=error, agent=agent or rec.agent, attempts=rec.starts,
            tokens_in=msg.tokens_in if msg else 0, tokens_out=msg.tokens_out if msg else 0,
            cost_usd=msg.cost_usd if msg else 0.0, tool_calls=msg.tool_calls if msg else 0,
            duration_s=msg.duration_s if msg else 0.0,
            queued_s=rec.queued_s,
            late=rec.deadline is not None and now > rec.deadline,
        )  # fmt: skip
        rec.result = result
        kind = {"completed": "task.completed", "failed": "task.failed"}.get(
            status, "task.cancelled"
        )
        fields: dict[str, Any] = {"task": rec.id, "agent": result.agent}
        if error:
            fields["reason"] = error
        if msg is not None:
            fields.update(tokens_in=msg.tokens_in, tokens_out=msg.tokens_out, cost_usd=msg.cost_usd)
        self.emit(kind, **fields)
        if rec.future is not None and not rec.future.done():
            rec.future.set_result(result)
        if self._store is not None:
            self._store.save_result(result)
