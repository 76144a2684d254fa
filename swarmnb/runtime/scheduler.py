"""The scheduler: runs a growing dependency graph of work on one event loop.

This is swarmnb's hot path, written by hand for speed. Every task is an integer index into
flat lists; a task becomes *ready* the moment its own dependencies complete (no supersteps) and
starts as soon as a slot is free. Only running attempts are coroutines, so a 100,000-task graph
holds O(running) of them. An attempt's end — completion, failure, retry, cancellation — is
handled inline at the end of its coroutine, which frees the slot and starts what is ready.

States move one way::

    PENDING ─deps done→ READY ─slot→ RUNNING ─┬→ COMPLETED
                           ↑                  ├→ BACKOFF ─delay→ READY   (retryable fault;
                           │                  │      back at the head of the queue)
                           │                  ├→ FAILED  ⇒ descendants SKIPPED
                                              └→ CANCELLED

The scheduler is the only owner of task state. Where an attempt's work executes is the
backend's business (:mod:`swarmnb.runtime.backends`); what happens to the events is the sinks'
(:class:`~swarmnb.events.EventSink`). :class:`~swarmnb.Run` steers it through the small public
surface under "control": ``kick``, ``pause``, ``resume``, ``set_limit``, ``cancel``,
``abort``, ``open_driver``/``close_driver``, ``set_deadline``, ``completed_results``.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Callable
from typing import Any

from .._exceptions import BudgetExceeded, GraphError, TaskFailed, TaskTimeout
from ..events import EventBus
from ..graph import Task
from .backends import Backend, LocalBackend
from .budget import BudgetTracker, Usage
from .clock import VirtualClockLoop
from .context import Context
from .durable import Prior, Restored, Restorer, ResultSink
from .outcomes import describe_error, is_retryable, preview
from .reenact import Reenactor, Replay
from .retry import Backoff
from .states import (
    BACKOFF,
    CANCELLED,
    COMPLETED,
    FAILED,
    PENDING,
    READY,
    RUNNING,
    SKIPPED,
    STATE_NAMES,
)

__all__ = ["Scheduler"]


class Scheduler(Reenactor):
    """Owns one run's task states; lives on the run's event loop."""

    def __init__(
        self,
        run_id: str,
        work: Callable[..., Any] | None,
        *,
        max_concurrency: int | None,
        profile_limits: dict[str, int],
        budget: BudgetTracker,
        seed: int,
        backoff_base: float,
        backoff_max: float,
        backend: Backend | None = None,
        restorer: Restorer | None = None,
        result_sinks: tuple[ResultSink, ...] = (),
    ) -> None:
        self.run_id = run_id
        self.restorer = restorer
        self.result_sinks = result_sinks
        self.work = work
        self.limit = max_concurrency if max_concurrency is not None else float("inf")
        self.profile_limits = profile_limits
        self.budget = budget
        self._budget_limited = not budget.budget.unlimited
        self.seed = seed
        # "equal jitter": the wait is in [0.5, 1.5) × min(backoff_max, backoff_base · 2^retry)
        self.backoff = Backoff(base=backoff_base, cap=backoff_max, jitter=1.0, centered=True)
        self._jitter = random.Random(seed)
        self.loop = asyncio.get_running_loop()
        self._loop_time = self.loop.time
        self._t0 = self._loop_time()
        self.bus: EventBus = EventBus(run_id, time_fn=self.now)

        self.tasks: list[Task] = []
        self.index: dict[str, int] = {}
        self.children: list[list[int]] = []
        self.waiting: list[int] = []  # unfinished dependencies per task
        self.state: list[int] = []
        self.results: list[Any] = []
        self.attempts: list[int] = []
        self.ready: deque[int] = deque()
        self.blocked: dict[str, deque[int]] = {p: deque() for p in profile_limits}
        self.profile_running: dict[str, int] = dict.fromkeys(profile_limits, 0)
        self.running: dict[int, asyncio.Task[None]] = {}
        self.backoff_timers: dict[int, asyncio.TimerHandle] = {}
        self.waiters: dict[int, list[asyncio.Future[Any]]] = {}
        # Earlier attempts to re-enact (a resumed run under the virtual clock), by task.
        self.replays: dict[int, Replay] = {}
        self._replay_timeline = restorer is not None and isinstance(self.loop, VirtualClockLoop)
        self.reserved: dict[int, float] = {}  # budget held by each running attempt
        self.reasons: dict[int, str] = {}  # why a task ended without completing
        self.open_tasks = 0
        self.any_failed = False
        self.paused = False
        self.cancel_requested = False
        self.driver_open = False
        self.finished: asyncio.Future[None] = self.loop.create_future()
        self._exceeded_emitted = False
        self._cost_done = 0.0
        self._attempts_done = 0
        self._deadline: asyncio.TimerHandle | None = None
        self._owns_backend = backend is None
        if backend is None:
            backend = LocalBackend(max_workers=int(min(self.limit, 64)))
        self.backend: Backend = backend
        # Coroutine work already known to run inline on a local backend skips the extra frame.
        self._async_cache: dict[Callable[..., Any], bool] = (
            backend._async_cache if type(backend) is LocalBackend else {}
        )

    # -- time and lookup ---------------------------------------------------------------------
    def now(self) -> float:
        return self._loop_time() - self._t0

    def result_of(self, task_id: str) -> Any:
        return self.results[self.index[task_id]]

    # -- adding tasks ------------------------------------------------------------------------
    def add(self, task: Task) -> None:
        """Register a task (at start or while running) and queue it if its deps are done."""
        tid = task.id
        index = self.index
        if tid in index:
            raise GraphError(f"duplicate task id {tid!r}", nodes=(tid,))
        deps = task.deps
        for dep in deps:
            if dep not in index:
                missing = [d for d in deps if d not in index]
                raise GraphError(
                    f"task {tid!r} depends on unknown {missing}", nodes=(tid, *missing)
                )
        if task.work is None and self.work is None:
            raise ValueError(f"task {tid!r} has no work callable and the run has none")
        i = len(self.tasks)
        self.tasks.append(task)
        index[tid] = i
        self.children.append([])
        self.results.append(None)
        self.attempts.append(0)
        self.state.append(PENDING)
        self.open_tasks += 1
        fields: dict[str, Any] = {"task": tid, "deps": list(deps)}
        if task.prompt:
            fields["prompt"] = task.prompt
        if task.profile is not None:
            fields["profile"] = task.profile
        if task.role is not None:
            fields["role"] = task.role
        if task.stage is not None:
            fields["stage"] = task.stage
        if task.agent is not None:
            fields["agent"] = task.agent
        earlier = self.restorer.restore(task) if self.restorer is not None else None
        if isinstance(earlier, Prior):  # in flight when the earlier run stopped: run it again,
            self.attempts[i] = earlier.retries  # as the same attempt number (its ctx.rng too)
            fields["carried"] = earlier.fields()
            if earlier.spans:  # kept by this run's store too, for a next resume
                fields["carried"]["spans"] = [list(span) for span in earlier.spans]
            self._charge(earlier)
            if self._replay_timeline and earlier.spans:  # its retried attempts first
                self.replays[i] = Replay(earlier.spans, None)
                self.attempts[i] = max(0, earlier.retries - len(earlier.spans))
        elif isinstance(earlier, Restored) and self._replay_timeline and earlier.spans:
            self.replays[i] = Replay(earlier.spans, earlier)  # re-enacted, not restored at once
            self._keep(task, earlier, self._restored_fields(task, earlier))
            earlier = None
        elif earlier is None and self.restorer is not None and self.restorer.changed(task):
            fields["changed"] = True
        self.bus.emit("task.queued", fields)
        unfinished = 0
        failed_dep = None
        if deps:
            state, children = self.state, self.children
            for dep in deps:
                d = index[dep]
                dep_state = state[d]
                if dep_state == COMPLETED:
                    continue
                if dep_state >= FAILED:
                    failed_dep = failed_dep or dep
                unfinished += 1
                children[d].append(i)
        self.waiting.append(unfinished)
        if failed_dep is not None:
            self._skip_from(i, failed_dep, include_self=True)
        elif self.cancel_requested or self.budget.exhausted:
            self._cancel_task(i, self._stop_reason())
        elif unfinished == 0:
            if isinstance(earlier, Restored):
                self._restore(i, earlier)
                return
            self.state[i] = READY
            self.ready.append(i)

    def _charge(self, tallies: Prior) -> None:
        """Count what an earlier run spent against this run's budget (no events)."""
        if self._budget_limited:
            self.spend(
                Usage(tallies.tokens_in, tallies.tokens_out, tallies.cost_usd, tallies.steps)
            )

    @staticmethod
    def _restored_fields(task: Task, restored: Restored) -> dict[str, Any]:
        tallies = restored.tallies
        fields: dict[str, Any] = {"task": task.id, **tallies.fields(), "from_run": restored.source}
        if restored.value is not None:
            fields["result"] = preview(restored.value)
        return fields

    def _keep(self, task: Task, restored: Restored, fields: dict[str, Any]) -> None:
        """Hand a restored value to this run's own store, so that a next resume has it too."""
        if restored.spans:  # and the attempts to re-enact (not part of the event)
            fields = {**fields, "spans": [list(span) for span in restored.spans]}
        for sink in self.result_sinks:
            sink.on_result(task, restored.value, fields)

    def _restore(self, i: int, restored: Restored, *, kept: bool = False) -> None:
        """End task ``i`` with the value an earlier run stored for it, without executing it.

        ``kept``: this run's store already has it (a task re-enacted on the virtual clock is
        stored when it is added, so that a crash during the re-enactment loses nothing).
        """
        task, tallies = self.tasks[i], restored.tallies
        self.attempts[i] = tallies.attempts
        fields = self._restored_fields(task, restored)
        if not kept:
            self._keep(task, restored, fields)
        self._charge(tallies)
        self.state[i] = COMPLETED
        self.results[i] = restored.value
        self.open_tasks -= 1
        self.bus.emit("task.restored", fields)
        self._release_children(i)
        self._wake_waiters(i)

    # -- starting work -----------------------------------------------------------------------
    def fill(self) -> None:
        """Start ready tasks while slots are free, the run is not paused, and the budget allows."""
        if self.paused or self.cancel_requested or self.budget.exhausted:
            return
        ready = self.ready
        while ready and len(self.running) < self.limit:
            i = ready.popleft()
            profile = self.tasks[i].profile
            if (
                profile in self.profile_limits
                and self.profile_running[profile] >= self.profile_limits[profile]
            ):
                self.blocked[profile].append(i)
                continue
            if not self._admit(i):
                ready.appendleft(i)
                return
            if self.replays and i in self.replays:
                self._launch_replay(i)
            else:
                self._launch(i)

    def _admit(self, i: int) -> bool:
        if not self._budget_limited:
            return True
        budget = self.budget
        estimate = self._estimate(i)
        try:
            budget.admit(usd=estimate, now=self.now())
        except BudgetExceeded as exc:
            if exc.resource in ("usd", "tokens", "steps") and budget.held:
                return False  # may fit once running work settles; fill() runs again then
            self.exhaust(exc.resource, str(exc))
            return False
        budget.reserve(usd=estimate, steps=1)
        self.reserved[i] = estimate
        return True

    def _estimate(self, i: int) -> float:
        given = self.tasks[i].estimate_usd
        if given is not None:
            return given
        return self._cost_done / self._attempts_done if self._attempts_done else 0.0

    def _launch(self, i: int) -> None:
        task = self.tasks[i]
        self.state[i] = RUNNING
        attempt = self.attempts[i] = self.attempts[i] + 1
        if task.profile in self.profile_running:
            self.profile_running[task.profile] += 1
        fields: dict[str, Any] = {"task": task.id, "attempt": attempt}
        if task.agent is not None:
            fields["agent"] = task.agent
        self.bus.emit("task.started", fields)
        self.running[i] = self.loop.create_task(self._attempt(i, Context(self, task, attempt)))

    async def _attempt(self, i: int, ctx: Context) -> None:
        task = ctx.task
        fn = task.work or self.work
        try:
            if task.timeout is None:
                if self._async_cache.get(fn):  # the common case, without an extra frame
                    result = await fn(task, ctx)  # type: ignore[misc]
                else:
                    result = await self.backend.run(fn, task, ctx)  # type: ignore[arg-type]
            else:
                try:
                    async with asyncio.timeout(task.timeout):
                        result = await self.backend.run(fn, task, ctx)  # type: ignore[arg-type]
                except TimeoutError as exc:
                    if isinstance(exc, TaskTimeout):
                        raise
                    raise TaskTimeout(f"attempt ran past its {task.timeout}s timeout") from None
        except BudgetExceeded as exc:  # work asked for more than the budget has left
            self._end_attempt(i, ctx)
            self.exhaust(exc.resource, str(exc))
            self._cancel_task(i, self._stop_reason(), usage=ctx.usage)
        except asyncio.CancelledError:
            if self.state[i] != RUNNING or not (self.cancel_requested or self.budget.exhausted):
                raise
            self._end_attempt(i, ctx)
            self._cancel_task(i, self._stop_reason(), usage=ctx.usage)
        except Exception as exc:
            self._end_attempt(i, ctx)
            self._on_error(i, ctx, exc)
        else:
            self._end_attempt(i, ctx)
            self._complete(i, ctx, result)
        self._after_change()

    # -- ending attempts ---------------------------------------------------------------------
    def _end_attempt(self, i: int, ctx: Context) -> None:
        del self.running[i]
        task = self.tasks[i]
        if task.profile in self.profile_running:
            self.profile_running[task.profile] -= 1
            blocked = self.blocked[task.profile]
            if blocked:
                self.ready.appendleft(blocked.popleft())
        if self._budget_limited:
            budget = self.budget
            budget.release(usd=self.reserved.pop(i, 0.0), steps=1)
            if ctx.usage is None or ctx.usage.steps == 0:
                self.spend(Usage(steps=1))
        if ctx.usage is not None:
            self._cost_done += ctx.usage.cost_usd
        self._attempts_done += 1

    @staticmethod
    def _usage_fields(fields: dict[str, Any], usage: Usage | None) -> dict[str, Any]:
        if usage is not None:
            fields["tokens_in"] = usage.tokens_in
            fields["tokens_out"] = usage.tokens_out
            fields["cost_usd"] = usage.cost_usd
            fields["steps"] = usage.steps
        return fields

    def _complete(self, i: int, ctx: Context, result: Any) -> None:
        fields = {"task": ctx.task.id, "attempt": ctx.attempt}
        if result is not None:
            fields["result"] = preview(result)
        self._usage_fields(fields, ctx.usage)
        if self.result_sinks:  # durable before anyone hears of the completion
            try:
                for sink in self.result_sinks:
                    sink.on_result(ctx.task, result, fields)
            except Exception as exc:
                self._on_error(i, ctx, exc)
                return
        self.state[i] = COMPLETED
        self.results[i] = result
        self.open_tasks -= 1
        self.bus.emit("task.completed", fields)
        self._release_children(i)
        self._wake_waiters(i)

    def _release_children(self, i: int) -> None:
        for child in self.children[i]:
            self.waiting[child] -= 1
            if self.waiting[child] == 0 and self.state[child] == PENDING:
                self.state[child] = READY
                self.ready.append(child)

    def _on_error(self, i: int, ctx: Context, exc: Exception) -> None:
        task = ctx.task
        error = describe_error(exc)
        if is_retryable(exc) and ctx.attempt <= task.max_retries and not self.cancel_requested:
            delay = self._backoff(ctx.attempt, getattr(exc, "retry_after", None))
            self.state[i] = BACKOFF
            fields = {"task": task.id, "attempt": ctx.attempt, "error": error, "delay": delay}
            self.bus.emit("task.retrying", self._usage_fields(fields, ctx.usage))
            self.backoff_timers[i] = self.loop.call_later(delay, self._requeue, i)
            return
        self.state[i] = FAILED
        self.open_tasks -= 1
        self.any_failed = True
        self.reasons[i] = error
        fields = {"task": task.id, "attempt": ctx.attempt, "error": error}
        self.bus.emit("task.failed", self._usage_fields(fields, ctx.usage))
        self._wake_waiters(i)
        self._skip_from(i, task.id)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None and retry_after >= 0:  # the fault said when: wait that long
            return float(retry_after)
        return self.backoff.delay(attempt - 1, self._jitter)

    def _requeue(self, i: int) -> None:
        self.backoff_timers.pop(i, None)
        if self.state[i] != BACKOFF:
            return
        self.state[i] = READY
        self.ready.appendleft(i)  # it keeps its place: ahead of work queued while it waited
        self._after_change()

    def _skip_from(self, i: int, failed_id: str, *, include_self: bool = False) -> None:
        """Skip every not-yet-finished descendant of ``i`` (and ``i`` itself if asked)."""
        reason = f"dependency {failed_id!r} failed"
        stack = [i] if include_self else list(self.children[i])
        while stack:
            j = stack.pop()
            if self.state[j] != PENDING:
                continue
            self.state[j] = SKIPPED
            self.reasons[j] = reason
            self.open_tasks -= 1
            self.bus.emit(
                "task.skipped", {"task": self.tasks[j].id, "reason": reason, "cause": failed_id}
            )
            self._wake_waiters(j)
            stack.extend(self.children[j])

    def _cancel_task(self, i: int, reason: str, usage: Usage | None = None) -> None:
        timer = self.backoff_timers.pop(i, None)
        if timer is not None:
            timer.cancel()
        self.state[i] = CANCELLED
        self.reasons[i] = reason
        self.open_tasks -= 1
        fields = {"task": self.tasks[i].id, "reason": reason}
        self.bus.emit("task.cancelled", self._usage_fields(fields, usage))
        self._wake_waiters(i)

    # -- waiting on results (for drivers such as the orchestrator) ---------------------------
    def _wake_waiters(self, i: int) -> None:
        futures = self.waiters.pop(i, None)
        if futures:
            for future in futures:
                if not future.done():
                    future.set_result(None)

    async def wait_result(self, task_id: str) -> Any:
        """Wait until ``task_id`` ends; return its result or raise :class:`TaskFailed`."""
        i = self.index[task_id]
        if self.state[i] < COMPLETED:
            future = self.loop.create_future()
            self.waiters.setdefault(i, []).append(future)
            await future
        if self.state[i] == COMPLETED:
            return self.results[i]
        status = STATE_NAMES[self.state[i]]
        raise TaskFailed(task_id, status, self.reasons.get(i, status))

    # -- control (the surface Run uses) -------------------------------------------------------
    def kick(self) -> None:
        """Start what can start and notice whether the run is over."""
        self._after_change()

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False
        self._after_change()

    def set_limit(self, limit: int | None) -> None:
        self.limit = limit if limit is not None else float("inf")
        self._after_change()

    def open_driver(self) -> None:
        """A driver (an orchestrator) may still add tasks: the run must not end yet."""
        self.driver_open = True

    def close_driver(self) -> None:
        self.driver_open = False
        self._after_change()

    def abort(self) -> None:
        """The run itself failed: cancel running attempts without further events."""
        self.cancel_requested = True
        for task in list(self.running.values()):
            task.cancel()

    def set_deadline(self, seconds: float) -> None:
        """Exhaust the ``seconds`` budget after ``seconds`` on the run's clock."""
        self._deadline = self.loop.call_later(
            seconds, self.exhaust, "seconds", f"{seconds}s time budget reached"
        )

    def completed_results(self) -> dict[str, Any]:
        """Values returned by completed tasks, by id."""
        state, results = self.state, self.results
        return {t.id: results[i] for i, t in enumerate(self.tasks) if state[i] == COMPLETED}

    # -- budget, control, finishing ----------------------------------------------------------
    def spend(self, usage: Usage) -> None:
        resource = self.budget.spend(usage)
        if resource is not None:
            self.exhaust(resource, f"{resource} budget reached")

    def exhaust(self, resource: str, detail: str) -> None:
        """Stop starting work for good; running work finishes (the time budget cancels it)."""
        tracker = self.budget
        if tracker.exhausted is None:
            tracker.exhausted = resource
        if self._exceeded_emitted:
            return
        self._exceeded_emitted = True
        spent = tracker.spent
        self.bus.emit(
            "budget.exceeded",
            {
                "resource": resource,
                "detail": detail,
                "spent_usd": spent.cost_usd,
                "spent_tokens": spent.tokens_in + spent.tokens_out,
                "spent_steps": spent.steps,
            },
        )
        if resource == "seconds":
            for task in list(self.running.values()):
                task.cancel()
        self.loop.call_soon(self._after_change)

    def _stop_reason(self) -> str:
        if self.cancel_requested:
            return "run cancelled"
        return f"budget exhausted ({self.budget.exhausted})"

    def cancel(self) -> None:
        if self.cancel_requested or self.finished.done():
            return
        self.cancel_requested = True
        for i, state in enumerate(self.state):
            if state in (PENDING, READY, BACKOFF):
                self._cancel_task(i, "run cancelled")
        self.ready.clear()
        for blocked in self.blocked.values():
            blocked.clear()
        for task in list(self.running.values()):
            task.cancel()
        self._after_change()

    def _after_change(self) -> None:
        self.fill()
        if self.running or self.finished.done():
            return
        if self.budget.exhausted is not None:
            for i, state in enumerate(self.state):
                if state in (PENDING, READY, BACKOFF):
                    self._cancel_task(i, self._stop_reason())
            self.ready.clear()
        if self.open_tasks == 0 and not self.driver_open:
            self.finished.set_result(None)

    def final_status(self) -> str:
        if self.cancel_requested:
            return "cancelled"
        if self.budget.exhausted is not None:
            return "budget_exhausted"
        return "failed" if self.any_failed else "completed"

    def close(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        if self._owns_backend:
            self.backend.close()
