"""Swarms in the service: each one a live run of the runtime, with its agent pool.

A service swarm is an ordinary :class:`~swarmnb.Run` (real clock, traced to JSONL) whose
driver keeps it open while clients may still submit tasks. Every task is one agent's job: a
model call through litellm and some concurrent tool calls, with injected faults when asked.
The swarm folds its events into a small per-task table (cheap status queries under load) and
exposes the event log to server-sent-event streams by position.

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
from .._exceptions import RegistryError, ResumeError, SwarmConflict
from ..events import TABLE_STATUS_OF_KIND, EventSink, encode_event
from ..graph import TaskGraph
from ..models import complete
from ..runtime import RetryableError, Run
from ..trace import read_events
from ._pool import AgentPool, PoolAgent
from ._store import ServiceStore, SwarmRecord
from .schemas import AgentInfo, SwarmCreate, SwarmInfo, TaskInfo, TaskSpec

__all__ = ["ServiceSwarm", "SwarmConflict"]

_log = logging.getLogger(__name__)
_TERMINAL = TABLE_STATUS_OF_KIND


class _AgentContext:
    """A task's context as seen by one agent: its events carry the agent's id."""

    __slots__ = ("_ctx", "agent")

    def __init__(self, ctx: Any, agent: PoolAgent) -> None:
        self._ctx = ctx
        self.agent = agent

    @property
    def seed(self) -> int:
        return int(self._ctx.seed)

    def reserve(self, **kw: Any) -> Any:
        return self._ctx.reserve(**kw)

    def record_usage(self, **kw: Any) -> None:
        self.agent.tokens += int(kw.get("tokens_in", 0)) + int(kw.get("tokens_out", 0))
        self.agent.cost_usd += float(kw.get("cost_usd", 0.0))
        self._ctx.record_usage(**kw)

    def emit(self, kind: str, **fields: Any) -> None:
        fields.setdefault("agent", self.agent.id)
        self._ctx.emit(kind, **fields)


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
        self.pool = AgentPool(n=self.spec.agents, restart_s=self.spec.faults.restart_s)
        self.tasks: dict[str, TaskInfo] = {}
        self._version = 0  # folds so far: the task counts are recounted only when it moved
        self._counts: tuple[int, dict[str, int]] = (-1, {})
        self.specs: dict[str, TaskSpec] = {}
        #: the swarm's stream as SSE-ready (kind, JSON) pairs, encoded once for every reader
        self.lines: list[tuple[str, str]] = []
        self._tick: asyncio.Future[None] | None = None
        self._wake = asyncio.Event()
        self._tool_gauge = tool_gauge  # [in flight, peak] across the service
        self._watcher: asyncio.Task[None] | None = None
        self.stopping = False
        self.registry: Any = None  # an sn.agents.Registry when the swarm has roles
        self._registry_rows: list[dict[str, Any]] | None = None
        self._registry_error: Exception | None = None
        self._registry_ready = asyncio.Event()

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
            info.status, info.result, info.error = row["status"], row["result"], row["error"]
            info.attempts, info.agent = row["attempts"] or info.attempts, row["agent"]
            self.tasks[tid] = info
            self._version += 1
        # cancelled: stopped by the shutdown itself (a swarm cancelled by a client is not resumed)
        restored = {
            tid: info
            for tid, info in self.tasks.items()
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
                self.tasks[tid] = TaskInfo(
                    id=tid, status="skipped", attempts=0, deps=list(spec.deps),
                    error=f"dependency {cause!r} failed", restored=True,
                )  # fmt: skip
                self._version += 1
                continue
            deps = [d for d in spec.deps if d not in restored]
            graph.add(spec.prompt, id=tid, deps=deps, **_task_fields(spec))
        run = start_run(
            self._work,
            graph,
            driver=self._drive,
            max_concurrency=self.spec.agents,
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
            await self._start_registry(run)
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

    async def _start_registry(self, run: Run) -> None:
        """Long-lived agents by role, their agent events joining the swarm's stream."""
        from ..agents import Registry
        from ..bus import MemoryBus

        def forward(event: Mapping[str, Any]) -> None:
            kind = str(event["kind"])
            if kind.startswith("agent.") and kind != "agent.heartbeat" and not run.finished:
                fields = {k: v for k, v in event.items() if k not in ("v", "run", "seq", "t")}
                del fields["kind"]
                run.emit(kind, **fields)

        try:
            self.registry = Registry(
                bus=MemoryBus(), seed=self.spec.seed,
                model_options={"sim_latency_scale": self.spec.latency_scale},
            )  # fmt: skip
            self.registry.subscribe(forward, replay=False)
            for role, count in self.spec.roles.items():
                await self.registry.install(role, count=count)
        except Exception as exc:
            self._registry_error = exc
            raise
        finally:
            self._registry_ready.set()

    async def _watch(self, run: Run) -> None:
        with contextlib.suppress(BaseException):
            await run
        self.pool.close()
        if self.registry is not None:
            self._registry_rows = [  # as they ended: a closed registry lists no agents
                {**row, "status": "finished"} for row in self.registry.agents().to_dict("records")
            ]
            with contextlib.suppress(Exception):
                await self.registry.close()
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

    # -- the agents' work --------------------------------------------------------------------
    def _name_tasks(self, tasks: list[TaskSpec], offset: int = 0) -> list[TaskSpec]:
        return [
            t if t.id is not None else t.model_copy(update={"id": f"t{offset + i}"})
            for i, t in enumerate(tasks)
        ]

    async def _work(self, task: Any, ctx: Any) -> dict[str, Any]:
        spec = self.specs[task.id]
        if spec.role is not None and spec.role in self.spec.roles:
            return await self._on_registry(task, ctx, spec.role)
        agent = await self.pool.acquire()
        info = self.tasks.get(task.id)
        if info is not None:
            info.agent = agent.id
        crashed = False
        try:
            rng = ctx.rng
            crash = rng.random() < self.spec.faults.crash_rate
            transient = rng.random() < self.spec.faults.transient_rate
            result: dict[str, Any] = {"agent": agent.id}
            if spec.model:
                reply = await complete(
                    self.spec.model,
                    [{"role": "user", "content": task.prompt}],
                    ctx=_AgentContext(ctx, agent),
                    sim_latency_scale=self.spec.latency_scale,
                )
                result["answer"] = reply.content
            if spec.tool_calls:
                await asyncio.gather(
                    *(self._tool(ctx, agent, k, rng.random()) for k in range(spec.tool_calls))
                )
            if crash:
                crashed = True
                raise self.pool.crash(agent, task.id)
            if transient:
                raise RetryableError("injected transient fault")
            agent.tasks_done += 1
            return result
        finally:
            if not crashed:
                self.pool.release(agent)

    async def _on_registry(self, task: Any, ctx: Any, role: str) -> dict[str, Any]:
        await self._registry_ready.wait()
        if self._registry_error is not None:
            raise RegistryError(f"the swarm's {role} agents did not start: {self._registry_error}")
        res = await self.registry.submit(role, task.prompt, task_id=f"{task.id}#{ctx.attempt}")
        ctx.record_usage(
            tokens_in=res.tokens_in, tokens_out=res.tokens_out, cost_usd=res.cost_usd, steps=1
        )
        info = self.tasks.get(task.id)
        if info is not None:
            info.agent = res.agent
        if not res.ok:
            raise RetryableError(f"{role} agent {res.agent}: {res.status}: {res.error}")
        return {"agent": res.agent, "answer": res.output}

    async def _tool(self, ctx: Any, agent: PoolAgent, k: int, jitter: float) -> None:
        gauge = self._tool_gauge
        gauge[0] += 1
        gauge[1] = max(gauge[1], gauge[0])
        latency = self.spec.tool_latency_s * (0.5 + jitter)
        try:
            await asyncio.sleep(latency)
        finally:
            gauge[0] -= 1
        ctx.emit("tool.call", tool="lookup", ok=True, latency_s=round(latency, 6), agent=agent.id)

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
        kind = event["kind"]
        if not kind.startswith("task."):
            return
        self._version += 1
        tid = str(event.get("task"))
        info = self.tasks.get(tid)
        if kind == "task.queued":
            if info is None or not info.restored:
                self.tasks[tid] = TaskInfo(
                    id=tid, status="queued", attempts=0, deps=list(event.get("deps") or [])
                )
            return
        if info is None:
            info = self.tasks[tid] = TaskInfo(id=tid, status="queued", attempts=0)
        if kind == "task.started":
            info.status = "running"
            info.attempts = int(event.get("attempt", info.attempts + 1))
            info.started = info.started if info.started is not None else float(event["t"])
        elif kind == "task.retrying":
            info.status = "retrying"
            info.error = str(event.get("error", ""))
        elif kind in _TERMINAL:
            if kind == "task.restored":
                info.restored = True
            info.status = _TERMINAL[kind]
            info.finished = float(event["t"])
            if "result" in event:
                info.result = event["result"]
            if kind in ("task.failed", "task.skipped", "task.cancelled"):
                info.error = str(event.get("error") or event.get("reason") or "")
            else:
                info.error = None
            if live and not (kind == "task.cancelled" and self.stopping):
                self._keep(info)

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
        """Tasks by status (recounted only after a task changed)."""
        version, counts = self._counts
        if version != self._version:
            counts = {}
            for task in self.tasks.values():
                counts[task.status] = counts.get(task.status, 0) + 1
            self._counts = (self._version, counts)
        return dict(counts)

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
        if self.registry is not None:
            live = self._registry_rows is None
            records = self.registry.agents().to_dict("records") if live else self._registry_rows
            for row in records or []:
                age = row.get("last_heartbeat_s")
                rows.append(
                    AgentInfo(
                        id=row["id"], role=row["role"], status=str(row["status"]),
                        health=str(row["health"]), tasks_done=int(row["tasks"]),
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
