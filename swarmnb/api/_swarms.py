"""Swarms in the service: each one a live run of the runtime, with its agent pool.

A service swarm is an ordinary :class:`~swarmnb.Run` (real clock, traced to JSONL) whose
driver keeps it open while clients may still submit tasks. Every task is one agent's job
(:class:`~swarmnb.api._work.AgentWork`). The swarm folds its events into its task table
(:class:`~swarmnb.api._table.TaskTable`: cheap status queries under load) and exposes the
event log to server-sent-event streams by position.

A swarm outlives its server process: its definition and tasks are in ``service.sqlite`` and its
events in the JSONL traces. After a restart, a swarm that was running continues in a new run
whose graph holds only the tasks not finished before (see :meth:`ServiceSwarm.resume`); the
swarm's event stream is the concatenation of its runs' events, so a position (the SSE id) means
the same event before and after the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._api import start_run
from .._exceptions import ResumeError, SwarmConflict
from ..events import EventSink, encode_event
from ..graph import TaskGraph
from ..runtime import Run
from ..trace import read_events
from ._store import ServiceStore, SwarmRecord
from ._table import TaskTable
from ._work import AgentWork
from .schemas import AgentInfo, SwarmCreate, SwarmInfo, TaskInfo, TaskSpec

__all__ = ["ServiceSwarm", "SwarmConflict"]

_log = logging.getLogger(__name__)


class ServiceSwarm:
    """One swarm: its record, its current run, its past runs' events and its task table."""

    def __init__(
        self,
        record: SwarmRecord,
        *,
        store: ServiceStore,
        trace_dir: Path,
        sinks: list[EventSink],  # shared by every swarm: metrics, spans
        tool_gauge: list[int],
    ) -> None:
        self.record = record
        self.spec = SwarmCreate.model_validate(record.spec)
        self.store = store
        self.trace_dir = trace_dir
        self.sinks = sinks
        self.run: Run | None = None
        self.tasks = TaskTable()
        self.specs: dict[str, TaskSpec] = {}
        self.work = AgentWork(self.spec, specs=self.specs, table=self.tasks, tool_gauge=tool_gauge)
        self.pool = self.work.pool
        #: the swarm's stream as SSE-ready (kind, JSON) pairs, encoded once for every reader
        self.lines: list[tuple[str, str]] = []
        self._tick: asyncio.Future[None] | None = None
        self._wake = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None
        self.stopping = False

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def create(cls, spec: SwarmCreate, **kw: Any) -> ServiceSwarm:
        record = SwarmRecord(
            id="s-" + uuid.uuid4().hex[:12], name=spec.name, spec=spec.model_dump(),
            status="running", open=spec.keep_open, created=time.time(), runs=[], resumed=0,
        )  # fmt: skip
        swarm = cls(record, **kw)
        swarm.store.add_swarm(record)
        swarm.record.spec = {**record.spec, "tasks": []}  # tasks live in swarm_tasks
        specs = swarm._name_tasks(spec.tasks)
        swarm.store.add_tasks(record.id, 0, [s.model_dump() for s in specs])
        swarm._start(specs, restored={})
        return swarm

    def resume(self) -> None:
        """Continue after a restart: finished tasks restored, the rest run in a new run.

        The new run resumes from the last run's trace and result store (``run_graph(...,
        resume=)``): each task whose full result was stored is restored (``task.restored``),
        never run again; tasks that were in flight run again, their attempts counted. If that
        store cannot be used, the service's own record of finished tasks (written before the
        API could report them) decides instead, and only unfinished tasks join the new run.
        """
        past: list[dict[str, Any]] = []  # the earlier runs' events, in order
        for run_id in self.record.runs:
            path = self.trace_dir / f"{run_id}.jsonl"
            if path.exists():
                past.extend(read_events(path))
        for event in past:
            self._fold(event)
            self.lines.append((event["kind"], encode_event(event)))
        specs = [TaskSpec.model_validate(s) for s in self.store.tasks(self.record.id)]
        self.record.resumed += 1
        last = self.trace_dir / f"{self.record.runs[-1]}.jsonl" if self.record.runs else None
        if last is not None and last.exists():
            try:
                self._start(specs, restored={}, resume=last)
                return
            except ResumeError as exc:
                _log.warning("swarm %s: resuming from %s failed (%s); using the service's "
                             "record of finished tasks", self.record.id, last, exc)  # fmt: skip
        for tid, row in self.store.results(self.record.id).items():
            info = self.tasks.get(tid) or TaskInfo(id=tid, status="queued", attempts=0)
            info.result, info.error = row["result"], row["error"]
            info.attempts, info.agent = row["attempts"] or info.attempts, row["agent"]
            self.tasks.put(info)
            self.tasks.set_status(info, row["status"])
        # cancelled: stopped by the shutdown itself (a swarm cancelled by a client is not resumed)
        restored = {
            info.id: info
            for info in self.tasks
            if info.status in ("completed", "failed", "skipped")
        }
        for info in restored.values():
            info.restored = True
        self._start(specs, restored=restored)

    def _start(
        self,
        specs: list[TaskSpec],
        *,
        restored: Mapping[str, TaskInfo],
        resume: Path | None = None,
    ) -> None:
        graph = TaskGraph()
        dead: dict[str, str] = {  # finished without completing: their dependants cannot run
            tid: tid for tid, info in restored.items() if info.status != "completed"
        }
        for spec in specs:
            tid = spec.id or ""
            self.specs[tid] = spec
            if tid in restored:
                continue
            cause = next((dead[d] for d in spec.deps if d in dead), None)
            if cause is not None:  # skipped, as the first run would have done
                dead[tid] = cause
                self.tasks.put(TaskInfo(
                    id=tid, status="skipped", attempts=0, deps=list(spec.deps),
                    error=f"dependency {cause!r} failed", restored=True,
                ))  # fmt: skip
                continue
            deps = [d for d in spec.deps if d not in restored]
            graph.add(spec.prompt, id=tid, deps=deps, **_task_fields(spec))
        run = start_run(
            self.work,
            graph,
            driver=self._drive,
            max_concurrency=self.work.slots,
            clock="real",
            trace=self.trace_dir,
            seed=self.spec.seed,
            name=f"swarm:{self.spec.name}",
            backoff_base=self.spec.backoff_s,
            backoff_max=5.0,
            sinks=[_SwarmSink(self), *self.sinks],
            resume=resume,
        )
        self.run = run
        self._restored = restored
        self.record.runs.append(run.id)
        self.record.status = "running"
        self.store.update_swarm(self.record)
        self._watcher = asyncio.get_running_loop().create_task(self._watch(run))

    async def _drive(self, run: Run) -> None:
        self.pool.bind(run.emit)
        if self.spec.roles:
            await self.work.start_registry(run)
        if self._restored:
            run.emit(
                "run.resumed",
                runs=self.record.runs[:-1],
                restored=len(self._restored),
                rerun=len(self.specs) - len(self._restored),
            )
        while self.record.open:
            await self._wake.wait()
            self._wake.clear()

    async def _watch(self, run: Run) -> None:
        with contextlib.suppress(BaseException):
            await run
        await self.work.close()
        if self.stopping:  # the server is shutting down: the swarm resumes at the next start
            return
        if self.record.status != "deleted":
            self.record.status = run.status if run.status != "pending" else "failed"
        self.record.open = False
        self.store.update_swarm(self.record)
        self._notify()

    # -- requests ----------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.run is None or self.run.finished

    def submit(self, tasks: list[TaskSpec], *, close: bool = False) -> list[str]:
        """Add tasks to the live swarm (all or none); ``close``: no more after these."""
        run = self.run
        if run is None or run.finished or not self.record.open:
            raise SwarmConflict(f"swarm {self.record.id} is not open for tasks")
        specs = self._name_tasks(tasks, offset=len(self.specs))
        known = set(self.specs)
        for spec in specs:
            if spec.id in known:
                raise SwarmConflict(f"duplicate task id {spec.id!r}")
            unknown = [d for d in spec.deps if d not in known]
            if unknown:
                raise SwarmConflict(f"task {spec.id!r} depends on unknown {unknown}")
            known.add(spec.id or "")
        self.store.add_tasks(self.record.id, len(self.specs), [s.model_dump() for s in specs])
        for spec in specs:
            self.specs[spec.id or ""] = spec
            run.submit(spec.prompt, id=spec.id or "", deps=spec.deps, **_task_fields(spec))
        if close:
            self.close()
        return [s.id or "" for s in specs]

    def close(self) -> None:
        """Take no more tasks; the swarm finishes when the ones it has are done."""
        self.record.open = False
        self.store.update_swarm(self.record)
        self._wake.set()

    def cancel(self, *, delete: bool = False) -> None:
        if delete:
            self.record.status = "deleted"
        self.record.open = False
        self._wake.set()
        if self.run is not None and not self.run.finished:
            self.run.cancel()
        self.store.update_swarm(self.record)

    def _name_tasks(self, tasks: list[TaskSpec], offset: int = 0) -> list[TaskSpec]:
        return [
            t if t.id is not None else t.model_copy(update={"id": f"t{offset + i}"})
            for i, t in enumerate(tasks)
        ]

    # -- events ------------------------------------------------------------------------------
    def on_event(self, event: Mapping[str, Any], line: str) -> None:
        self.lines.append((event["kind"], line))
        self._fold(event, live=True)
        self._notify()

    def _notify(self) -> None:
        tick = self._tick
        if tick is not None and not tick.done():
            tick.set_result(None)

    def _fold(self, event: Mapping[str, Any], *, live: bool = False) -> None:
        ended = self.tasks.fold(event)
        if ended is not None and live and not (ended.status == "cancelled" and self.stopping):
            self._keep(ended)

    def _keep(self, info: TaskInfo) -> None:
        result = info.result
        if info.status == "completed" and self.run is not None:
            with contextlib.suppress(KeyError, IndexError, RuntimeError):
                result = self.run.result_of(info.id)
        self.store.record_result(
            self.record.id, info.id, status=info.status, result=result, error=info.error,
            attempts=info.attempts, agent=info.agent,
        )  # fmt: skip

    @property
    def n_events(self) -> int:
        return len(self.lines)

    async def wait_events(self, have: int, timeout: float) -> None:
        """Return once the stream has more than ``have`` events, the swarm ended, or timeout."""
        if self.n_events > have or self.finished:
            return
        if self._tick is None or self._tick.done():
            self._tick = asyncio.get_running_loop().create_future()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._tick), timeout)

    # -- views -------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Tasks by status."""
        return self.tasks.counts()

    def info(self) -> SwarmInfo:
        counts = self.counts()
        return SwarmInfo(
            id=self.record.id,
            name=self.record.name,
            status=self.record.status,  # type: ignore[arg-type]
            created=self.record.created,
            agents=self.spec.agents,
            model=self.spec.model,
            open=self.record.open,
            n_tasks=len(self.specs),
            counts=counts,
            runs=list(self.record.runs),
            resumed=self.record.resumed,
            n_events=self.n_events,
        )

    def task(self, task_id: str) -> TaskInfo | None:
        info = self.tasks.get(task_id)
        if info is None:
            return None
        if self.run is not None and info.status == "completed":
            try:  # the full value (restored ones too, when the run restored them)
                value = self.run.result_of(task_id)
            except (KeyError, IndexError, RuntimeError):
                return info
            if value is not None or not info.restored:
                return info.model_copy(update={"result": value})
        return info

    def agents(self) -> list[AgentInfo]:
        rows: list[AgentInfo] = []
        for row in self.work.registry_records():
            age = row.get("last_heartbeat_s")
            rows.append(
                AgentInfo(
                    id=row["id"], role=row["role"], status=str(row["status"]),
                    health=str(row["health"]), in_flight=int(row.get("in_flight") or 0),
                    tasks_done=int(row["tasks"]),
                    tokens=int(row["tokens"]), cost_usd=float(row["cost_usd"]),
                    restarts=int(row["restarts"]),
                    last_heartbeat=None if age is None or age != age else time.time() - age,
                )
            )  # fmt: skip
        return rows + [
            AgentInfo(
                id=a.id,
                status=a.status,  # type: ignore[arg-type]
                health="unhealthy" if a.status == "down" else "healthy",
                in_flight=a.running,
                tasks_done=a.tasks_done,
                tokens=a.tokens,
                cost_usd=a.cost_usd,
                restarts=a.restarts,
                last_heartbeat=a.last_heartbeat,
            )
            for a in self.pool.agents
        ]


class _SwarmSink:
    """The swarm as its runs' event sink: every event folded and kept for the streams."""

    __slots__ = ("swarm",)

    def __init__(self, swarm: ServiceSwarm) -> None:
        self.swarm = swarm

    def on_event(self, event: Mapping[str, Any], line: str) -> None:
        self.swarm.on_event(event, line)

    def close(self) -> None:
        self.swarm._notify()


def _task_fields(spec: TaskSpec) -> dict[str, Any]:
    fields: dict[str, Any] = {"max_retries": spec.max_retries, "timeout": spec.timeout}
    if spec.profile is not None:
        fields["profile"] = spec.profile
    if spec.role is not None:
        fields["role"] = spec.role
    return fields
