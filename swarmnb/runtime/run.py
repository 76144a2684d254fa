"""A run: one execution of a task graph, live or finished.

:func:`~swarmnb.runtime.start.start_run` creates a :class:`Run` and starts it at once on
the right loop — the caller's loop for ``clock="real"``, a virtual-clock loop (in its own
thread when the caller is already inside a real loop, as in a notebook) for
``clock="virtual"``. The run object is the handle: await it for the result, steer it with
``pause``/``resume``/``cancel``/``set_concurrency`` from any coroutine or thread, read
``events``, ``tasks`` and ``metrics``.

The run imports nothing above the runtime. What happens to its events besides the in-memory
log is decided by whoever starts it (:func:`swarmnb.run_graph`, :class:`swarmnb.Swarm`): they
:meth:`Run.attach` :class:`~swarmnb.events.EventSink` objects — the JSONL trace and SQLite
index, the metrics folder, any sink of your own — and the run closes them when it ends.

Example::

    run = sn.run_graph(g, work, clock="virtual")   # starts now
    run.pause(); run.resume()
    run = await run                                # finished
    run.status, run.metrics["critical_steps"]
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import datetime as _dt
import functools
import gc
import threading
import uuid
import warnings
from collections.abc import Awaitable, Callable, Generator, Iterable
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from ..events import EventSink
from ..graph import Task, TaskGraph
from .budget import Budget, BudgetTracker
from .durable import Restorer, ResultSink
from .options import RunOptions, check_limit
from .scheduler import Scheduler
from .view import RunView

__all__ = ["Driver", "Run", "RunSummary", "check_limit"]

Driver = Callable[["Run"], Awaitable[Any]]
_FREEZE_HEAP_ABOVE = 20_000  # tasks


def _new_run_id() -> str:
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%d-%H%M%S")
    return f"r{stamp}-{uuid.uuid4().hex[:8]}"


class RunSummary(EventSink, Protocol):
    """A sink that folds the events into the run's metrics and task table as they happen."""

    def metrics(self) -> dict[str, Any]: ...

    def task_table(self) -> pd.DataFrame: ...


class Run(RunView):
    """Handle on one run; live until :attr:`status` leaves ``"running"``.

    ``summary``, when given, is attached as the first sink and answers :attr:`metrics` and
    :attr:`tasks` once the run has ended (without it they are folded from the events).
    """

    #: The JSONL trace of this run, when a sink records one (set by whoever attaches it).
    trace_path: Path | None = None

    def __init__(self, *, options: RunOptions, summary: RunSummary | None = None) -> None:
        self.id = _new_run_id()
        self.name = options.name or "run"
        self.clock = options.clock
        self.options = options
        self._summary = summary
        self._sinks: list[EventSink] = [summary] if summary is not None else []
        self._scheduler: Scheduler | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread_id: int | None = None
        self._pending_controls: list[Callable[[], None]] = []
        self._pending_subscribers: list[Callable[[dict[str, Any]], object]] = []
        self._lock = threading.Lock()
        self._events_before_start: list[dict[str, Any]] = []
        self._outcome: dict[str, Any] = {}
        self._status = "pending"
        self._error: BaseException | None = None
        self._async_task: asyncio.Future[Any] | None = None
        self._thread_future: concurrent.futures.Future[Any] | None = None
        self.answer: Any = None
        self._restorer: Restorer | None = None

    def restore_from(self, restorer: Restorer) -> None:
        """Continue an interrupted run: ``restorer`` says how its tasks ended (before start).

        The run emits ``run.resumed`` after ``run.started``; tasks the restorer knows to be
        finished are restored, not executed (see :mod:`swarmnb.runtime.durable`).
        """
        if self._status != "pending":
            raise RuntimeError("restore_from must be called before the run starts")
        self._restorer = restorer

    def attach(self, sink: EventSink) -> None:
        """Send every event of this run to ``sink`` and close it when the run ends.

        Attach before the run starts (the composition root does); sinks see events from
        ``run.started`` on, and are closed in the order they were attached.
        """
        if self._status != "pending":
            raise RuntimeError("attach sinks before the run starts")
        if not isinstance(sink, EventSink):
            raise TypeError(f"a sink needs on_event(event, line) and close(), not {sink!r}")
        self._sinks.append(sink)

    # -- RunView hooks -----------------------------------------------------------------------
    @property
    def events(self) -> list[dict[str, Any]]:
        return self._scheduler.bus.events if self._scheduler else self._events_before_start

    @property
    def status(self) -> str:
        return self._status

    @property
    def n_events(self) -> int:
        return len(self._scheduler.bus) if self._scheduler else len(self._events_before_start)

    def events_since(self, start: int) -> list[dict[str, Any]]:
        """Events from number ``start`` on, decoded from the log; safe from any thread."""
        if self._scheduler is None:
            return []
        return self._scheduler.bus.events_since(start)

    @property
    def finished(self) -> bool:
        return self._status not in ("pending", "running")

    @property
    def tasks(self) -> pd.DataFrame:
        if not self.finished or self._summary is None:
            return super().tasks
        return self._summary.task_table()

    # -- running -----------------------------------------------------------------------------
    async def _main(self, graph: TaskGraph | None, work: Any, driver: Driver | None) -> Run:
        opts = self.options
        self._loop = asyncio.get_running_loop()
        self._thread_id = threading.get_ident()
        sched = Scheduler(
            self.id,
            work,
            max_concurrency=opts.max_concurrency,
            profile_limits=dict(opts.profile_limits),
            budget=BudgetTracker(opts.budget),
            seed=opts.seed,
            backoff_base=opts.backoff_base,
            backoff_max=opts.backoff_max,
            backend=opts.backend,
            restorer=self._restorer,
            result_sinks=tuple(s for s in self._sinks if isinstance(s, ResultSink)),
        )
        for sink in self._sinks:
            sched.bus.add_sink(sink)
        with self._lock:
            for subscriber in self._pending_subscribers:
                sched.bus.subscribe(subscriber)
            self._pending_subscribers = []
            self._scheduler = sched
            self._status = "running"
            controls, self._pending_controls = self._pending_controls, []
        budget: Budget = opts.budget or Budget()
        # A big graph is a big heap the cyclic GC would rescan over and over while the run adds
        # its own objects; hold what exists now out of its way until the run ends.
        frozen = graph is not None and len(graph) >= _FREEZE_HEAP_ABOVE
        if frozen:
            gc.freeze()
        try:
            n_tasks = len(graph) if graph is not None else 0
            sched.bus.emit("run.started", opts.started_fields(name=self.name, n_tasks=n_tasks))
            if self._restorer is not None:
                sched.bus.emit("run.resumed", self._restorer.resumed_fields())
            for control in controls:
                control()
            if graph is not None:
                for task in graph:
                    sched.add(task)
            if budget.seconds is not None:
                sched.set_deadline(budget.seconds)
            driver_task = None
            if driver is not None:
                sched.open_driver()
                driver_task = sched.loop.create_task(self._drive(driver, sched))
            sched.kick()
            await sched.finished
            if driver_task is not None:
                await driver_task
        except BaseException as exc:
            self._error = exc
            sched.abort()
            raise
        finally:
            if frozen:
                gc.unfreeze()
            status = "failed" if self._error is not None else sched.final_status()
            fields: dict[str, Any] = {"status": status}
            if self._error is not None:
                fields["error"] = f"{type(self._error).__name__}: {self._error}"
            fields.update(self._outcome)
            sched.bus.emit("run.finished", fields)
            if self._summary is not None:
                self._metrics_cache = self._summary.metrics()
            self._status = status
            sched.close()
            self._close_sinks()
        return self

    def _close_sinks(self) -> None:
        for sink in self._sinks:
            try:
                sink.close()
            except Exception as exc:  # one broken sink must not hide the run's result
                warnings.warn(f"closing {sink!r} of run {self.id} failed: {exc}", stacklevel=2)

    async def _drive(self, driver: Driver, sched: Scheduler) -> None:
        try:
            result = await driver(self)
            if result is not None and "answer" not in self._outcome:
                self.answer = result
        except Exception as exc:
            self._error = exc
            sched.cancel()
        finally:
            sched.close_driver()

    def subscribe(
        self, subscriber: Callable[[dict[str, Any]], object], *, replay: bool = True
    ) -> Callable[[], None]:
        """Call ``subscriber(event)`` for each event, on the run's thread; past events first.

        Returns a function that detaches it. Works before the run starts, while it runs and
        after it finished (then only past events are delivered).
        """
        with self._lock:
            sched = self._scheduler
            if sched is None:
                self._pending_subscribers.append(subscriber)
                return lambda: self._drop_subscriber(subscriber)
        unsubscribe = lambda: self._drop_subscriber(subscriber)  # noqa: E731
        if self.finished or threading.get_ident() == self._thread_id or self._loop is None:
            sched.bus.subscribe(subscriber, replay=replay)
            return unsubscribe
        try:  # join on the run's thread, so that no live event overtakes a past one
            self._loop.call_soon_threadsafe(
                functools.partial(sched.bus.subscribe, subscriber, replay=replay)
            )
        except RuntimeError:  # the loop has just closed: the run is over
            sched.bus.subscribe(subscriber, replay=replay)
        return unsubscribe

    def _drop_subscriber(self, subscriber: Callable[[dict[str, Any]], object]) -> None:
        with self._lock:
            if subscriber in self._pending_subscribers:
                self._pending_subscribers.remove(subscriber)
            elif self._scheduler is not None:
                self._scheduler.bus.unsubscribe(subscriber)

    # -- awaiting ----------------------------------------------------------------------------
    def __await__(self) -> Generator[Any, None, Run]:
        if self._async_task is not None:
            return self._await_task().__await__()
        if self._thread_future is not None:
            return asyncio.wrap_future(self._thread_future).__await__()
        raise RuntimeError("this run was not started")

    async def _await_task(self) -> Run:
        assert self._async_task is not None
        return await asyncio.shield(self._async_task)

    def done(self) -> bool:
        return self.finished

    def wait(self, timeout: float | None = None) -> Run:
        """Block this thread until a run started in another thread finishes."""
        if self._thread_future is None:
            raise RuntimeError("wait() is for runs on their own thread; use `await run` here")
        return self._thread_future.result(timeout)

    # -- controls (any thread) ---------------------------------------------------------------
    def _control(self, action: Callable[[Scheduler], None]) -> None:
        with self._lock:
            sched = self._scheduler
            if sched is None:
                self._pending_controls.append(lambda: action(self._scheduler))  # type: ignore[arg-type]
                return
        if self.finished or self._loop is None:
            return
        if threading.get_ident() == self._thread_id:
            action(sched)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: run is over
                self._loop.call_soon_threadsafe(action, sched)

    def pause(self) -> None:
        """Start no new work until :meth:`resume`; running work goes on."""
        self._paused = True

        self._control(Scheduler.pause)

    def resume(self) -> None:
        self._paused = False
        self._control(Scheduler.resume)

    def cancel(self) -> None:
        """Cancel running work and everything not started; status becomes ``"cancelled"``."""
        self._control(Scheduler.cancel)

    def set_concurrency(self, limit: int | None) -> None:
        """Change the live limit on running tasks (``None`` for unlimited)."""
        check_limit(limit, "max_concurrency")
        self.options = dataclasses.replace(self.options, max_concurrency=limit)
        self._control(lambda s: s.set_limit(limit))

    _paused = False

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def max_concurrency(self) -> int | None:
        return self.options.max_concurrency

    # -- driving from inside the run (orchestrators) -----------------------------------------
    def submit(self, prompt: str = "", *, id: str, deps: Iterable[str] = (), **fields: Any) -> Task:
        """Add a task to a live run (from the run's own loop); it starts when its deps are done."""
        sched = self._require_live()
        task = Task(id=id, prompt=prompt, deps=tuple(deps), **fields)
        sched.add(task)
        sched.fill()
        return task

    async def result(self, task_id: str) -> Any:
        """Wait for a task of this run to end: its value, or :class:`~swarmnb.TaskFailed`."""
        return await self._require_live().wait_result(task_id)

    def emit(self, kind: str, **fields: Any) -> None:
        """Emit a run-level event (``policy.decision``, ``agent.spawned``, …)."""
        self._require_live().bus.emit(kind, fields)

    def set_outcome(self, *, answer: Any = None, **quality: float | None) -> None:
        """Record the run's answer and quality scores; they go into ``run.finished``."""
        if answer is not None:
            self.answer = answer
            self._outcome["answer"] = (
                answer if isinstance(answer, str | int | float) else repr(answer)
            )
        if quality:
            self._outcome["quality"] = {k: v for k, v in quality.items() if v is not None}

    def now(self) -> float:
        return self._require_live().now()

    def _require_live(self) -> Scheduler:
        if self._scheduler is None or self.finished:
            raise RuntimeError("the run is not live")
        return self._scheduler

    def result_of(self, task_id: str) -> Any:
        """The value a completed task returned (``None`` otherwise)."""
        if self._scheduler is None:
            raise KeyError(task_id)
        return self._scheduler.result_of(task_id)

    @property
    def results(self) -> dict[str, Any]:
        """Values returned by completed tasks, by id."""
        s = self._scheduler
        return s.completed_results() if s is not None else {}
