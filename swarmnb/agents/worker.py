"""Agent workers: long-lived asyncio workers with a priority inbox, memory and heartbeats.

A worker listens on its own assignment subject (``swarmnb.tasks.assigned.<agent id>``), keeps
what arrives in a priority inbox — lower ``priority`` first (1 urgent, 5 normal, 10 low), then
the earlier deadline, then arrival order — and works through it ``max_concurrent_tasks`` at a
time. Each task is a short tool loop on the agent's model (through :func:`swarmnb.models.complete`)
with the agent's own conversation memory of its last few exchanges. Every tool call goes through
the registry's :class:`~swarmnb.agents.gate.ToolGate`. Results go out on the bus
(``swarmnb.tasks.completed`` / ``failed``, with the task id as message id), and a heartbeat
every ``health.interval_s`` says the worker is alive and how loaded it is.

A worker restarted by the supervisor keeps its id and counters and starts a new *incarnation*:
empty inbox, empty memory.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections import deque
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .._exceptions import AgentCrash, BudgetExceeded
from ..bus.messages import (
    Heartbeat,
    TaskAssigned,
    TaskCompleted,
    TaskFailedMsg,
    TaskStarted,
    subjects,
)
from .capabilities import Capabilities
from .manifest import AgentManifest

if TYPE_CHECKING:
    from .registry import Registry

__all__ = ["AgentCrash", "AgentStats", "AgentWorker"]

State = Literal["starting", "idle", "busy", "draining", "stopped", "crashed", "failed"]


@dataclass(slots=True)
class AgentStats:
    """Per-agent counters; they survive restarts."""

    tasks_done: int = 0
    tasks_failed: int = 0
    errors: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    busy_s: float = 0.0
    tool_calls: int = 0
    denied: int = 0
    restarts: int = 0

    @property
    def mean_duration_s(self) -> float:
        return self.busy_s / self.tasks_done if self.tasks_done else 0.0


class _TaskCtx:
    """What :func:`~swarmnb.models.complete` needs from a caller: usage, events, budget."""

    def __init__(self, worker: AgentWorker, task: str, seed: int) -> None:
        self.worker, self.task, self.seed = worker, task, seed
        self.tokens_in = self.tokens_out = 0
        self.cost_usd = 0.0

    def record_usage(
        self, *, tokens_in: int = 0, tokens_out: int = 0, cost_usd: float = 0.0, steps: int = 0
    ) -> None:
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out
        self.cost_usd += cost_usd

    def emit(self, kind: str, **fields: Any) -> None:
        self.worker.host.emit(kind, agent=self.worker.id, task=self.task, **fields)

    def reserve(self, *, usd: float = 0.0, tokens: int = 0) -> Any:
        limits = self.worker.manifest.limits
        stats = self.worker.stats
        if (
            limits.budget_usd is not None
            and stats.cost_usd + self.cost_usd + usd > limits.budget_usd
        ):
            raise BudgetExceeded(f"agent {self.worker.id}: budget ${limits.budget_usd} spent")
        spent = stats.tokens_in + stats.tokens_out + self.tokens_in + self.tokens_out
        if limits.budget_tokens is not None and spent + tokens > limits.budget_tokens:
            raise BudgetExceeded(f"agent {self.worker.id}: token budget spent", resource="tokens")
        return nullcontext()


class AgentWorker:
    """One agent: identity, manifest, counters, and its current incarnation's state."""

    def __init__(self, *, id: str, manifest: AgentManifest, host: Registry) -> None:
        self.id = id
        self.role = manifest.role
        self.manifest = manifest
        self.capabilities = Capabilities.of(manifest.capabilities)
        self.host = host
        self.stats = AgentStats()
        self.state: State = "starting"
        self.health: Literal["healthy", "unhealthy", "unknown"] = "unknown"
        self.quarantined: str | None = None  #: the reason, while quarantined
        self.incarnation = 0
        self.started_at = 0.0
        self.last_heartbeat: float | None = None
        self.failures = 0  #: consecutive failed health checks
        self.assigned: set[str] = set()  #: task ids routed here and not finished (registry view)
        self.task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()
        self.fault_at: float | None = None
        self._reset()

    def _reset(self) -> None:
        self._inbox: list[tuple[int, float, int, TaskAssigned]] = []
        self._order = itertools.count()
        self._wake = asyncio.Event()
        self.in_flight: dict[str, float] = {}  #: task id → start time
        self.drained = asyncio.Event()
        self.drained.set()
        self.killed = False
        self.memory: deque[dict[str, Any]] = deque(maxlen=2 * self.manifest.limits.memory_turns)
        self.frozen = False

    # -- lifetime ----------------------------------------------------------------------------
    def start(self) -> asyncio.Task[None]:
        """Start a new incarnation (the first, or after a restart)."""
        self._reset()
        self.incarnation += 1
        self.ready = asyncio.Event()
        self.state = "starting"
        self.started_at = self.host.now()
        self.last_heartbeat = None
        self.failures = 0
        self.task = asyncio.get_running_loop().create_task(
            self._main(), name=f"agent {self.id}#{self.incarnation}"
        )
        return self.task

    @property
    def load(self) -> float:
        """Routed-but-unfinished tasks per concurrency slot (the registry routes by this)."""
        return len(self.assigned) / self.manifest.limits.max_concurrent_tasks

    @property
    def routable(self) -> bool:
        return (
            self.state in ("idle", "busy")
            and self.ready.is_set()
            and self.quarantined is None
            and self.health != "unhealthy"
        )

    async def _main(self) -> None:
        sub = self.host.bus.subscribe(subjects.assigned(self.id))
        try:
            async with sub, asyncio.TaskGroup() as tg:
                tg.create_task(self._read(sub))
                tg.create_task(self._heartbeats())
                for _ in range(self.manifest.limits.max_concurrent_tasks):
                    tg.create_task(self._consume())
                self.state = "idle"
                self.ready.set()
                self.host._on_ready(self)
        except BaseExceptionGroup as group:  # TaskGroup wraps what killed the incarnation
            crash = group.subgroup(AgentCrash)
            if crash is not None:
                raise crash.exceptions[0] from None
            raise

    async def _read(self, sub: Any) -> None:
        async for msg in sub:
            a = msg.parse(TaskAssigned)
            deadline = a.deadline if a.deadline is not None else math.inf
            heapq.heappush(self._inbox, (a.priority, deadline, next(self._order), a))
            self._wake.set()

    async def _heartbeats(self) -> None:
        interval = self.manifest.health.interval_s
        while True:
            if self.frozen:
                await asyncio.get_running_loop().create_future()  # a hung agent is silent
            await self.host.bus.publish(
                subjects.heartbeat(self.id),
                Heartbeat(
                    agent=self.id, role=self.role, incarnation=self.incarnation,
                    status="draining" if self.state == "draining" else
                    ("busy" if self.in_flight else "idle"),
                    load=min(1.0, len(self.in_flight) / self.manifest.limits.max_concurrent_tasks),
                ),
            )  # fmt: skip
            await asyncio.sleep(interval)

    async def _consume(self) -> None:
        while True:
            while not self._inbox:
                self._wake.clear()
                await self._wake.wait()
            *_, a = heapq.heappop(self._inbox)
            if not self.host._should_run(a.task_id, self.id, a.attempt):
                continue  # finished elsewhere, or re-routed since
            await self._run_task(a)

    # -- one task ----------------------------------------------------------------------------
    async def _run_task(self, a: TaskAssigned) -> None:
        host = self.host
        start = host.now()
        self.in_flight[a.task_id] = start
        if self.state == "idle":
            self.state = "busy"
        await host.bus.publish(
            subjects.started, TaskStarted(task_id=a.task_id, agent=self.id, attempt=a.attempt)
        )
        host._on_started(self, a, start)
        self.drained.clear()
        ctx = _TaskCtx(self, a.task_id, host.seed)
        calls = 0
        try:
            output, calls = await self._think(a, ctx)
        except Exception as exc:  # the task fails; the agent lives on
            self.stats.errors += 1
            self.stats.tasks_failed += 1
            msg: Any = TaskFailedMsg(
                task_id=a.task_id, agent=self.id, role=self.role, attempt=a.attempt,
                error=f"{type(exc).__name__}: {exc}",
            )  # fmt: skip
            subject = subjects.failed
        else:
            self.stats.tasks_done += 1
            self.stats.busy_s += host.now() - start
            msg = TaskCompleted(
                task_id=a.task_id, agent=self.id, role=self.role, output=output,
                tokens_in=ctx.tokens_in, tokens_out=ctx.tokens_out, cost_usd=ctx.cost_usd,
                duration_s=host.now() - start, tool_calls=calls, attempt=a.attempt,
            )  # fmt: skip
            subject = subjects.completed
        finally:
            self.stats.tokens_in += ctx.tokens_in
            self.stats.tokens_out += ctx.tokens_out
            self.stats.cost_usd += ctx.cost_usd
            self.stats.tool_calls += calls
            self.in_flight.pop(a.task_id, None)
            if not self.in_flight:
                self.drained.set()
                if self.state == "busy":
                    self.state = "idle"
        await host.bus.publish(subject, msg, msg_id=f"{host.id}/{a.task_id}")

    async def _think(self, a: TaskAssigned, ctx: _TaskCtx) -> tuple[str, int]:
        from ..models import complete

        host, m = self.host, self.manifest
        tools = host._tools_for(a.tools)
        schemas = [t.schema for t in tools.values()] or None
        messages: list[dict[str, Any]] = []
        system = "\n\n".join(p for p in (m.system_prompt, host._context_prompt()) if p)
        if system:
            messages.append({"role": "system", "content": system})
        messages.extend(self.memory)
        messages.append({"role": "user", "content": a.prompt})
        calls = 0
        for _ in range(m.limits.max_steps):
            reply = await complete(
                model=m.model, messages=messages, tools=schemas, ctx=ctx, seed=host.seed,
                **host.model_options,
            )  # fmt: skip
            messages.append(reply.message)
            if not reply.tool_calls:
                answer = reply.content or ""
                self._remember(a.prompt, answer)
                return answer, calls
            outs = await asyncio.gather(
                *(self._tool(tools, c, a.task_id) for c in reply.tool_calls)
            )
            calls += len(outs)
            messages.extend(
                {"role": "tool", "tool_call_id": c.id, "content": text}
                for c, text in zip(reply.tool_calls, outs, strict=True)
            )
        raise RuntimeError(f"{self.id}: no answer after {m.limits.max_steps} model turns")

    async def _tool(self, tools: Mapping[str, Any], call: Any, task: str) -> str:
        text, _ok = await self.host.gate.call_for_model(
            self, tools, call.name, call.arguments, task=task
        )
        return text

    def _remember(self, prompt: str, answer: str) -> None:
        if self.memory.maxlen:
            self.memory.append({"role": "user", "content": prompt})
            self.memory.append({"role": "assistant", "content": answer})

    # -- fault injection ---------------------------------------------------------------------
    async def freeze(self) -> None:
        """Hang: stop working and stop heartbeating, until the supervisor restarts us."""
        self.frozen = True
        await asyncio.get_running_loop().create_future()

    def row(self, now: float) -> dict[str, Any]:
        s = self.stats
        age = None if self.last_heartbeat is None else max(0.0, now - self.last_heartbeat)
        return {
            "id": self.id, "role": self.role, "version": self.manifest.version,
            "model": self.manifest.model,
            "status": "quarantined" if self.quarantined else self.state,
            "health": self.health, "last_heartbeat_s": age, "queue": len(self.assigned),
            "in_flight": len(self.in_flight), "tasks": s.tasks_done, "failed": s.tasks_failed,
            "mean_duration_s": s.mean_duration_s, "errors": s.errors,
            "tokens": s.tokens_in + s.tokens_out,
            "cost_usd": s.cost_usd, "tool_calls": s.tool_calls, "denied": s.denied,
            "restarts": s.restarts, "incarnation": self.incarnation,
            "uptime_s": max(0.0, now - self.started_at),
        }  # fmt: skip

    def __repr__(self) -> str:
        q = " quarantined" if self.quarantined else ""
        return f"<AgentWorker {self.id} {self.role} {self.state} {self.health}{q}>"
