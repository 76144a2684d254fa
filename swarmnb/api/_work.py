"""What a service swarm's agents do: one attempt of a task, on a pool agent or a role agent.

A task whose ``role`` is one of the swarm's ``roles`` runs on that role's long-lived
:class:`swarmnb.agents.Registry` agents (supervised, capability-gated). Any other task takes a
slot on one of the swarm's pool agents and makes a model call through litellm and its
concurrent tool calls, with the swarm's injected faults (a simulation, for load and chaos
tests): a transient fault fails the attempt retryably; a crash takes the agent down, with
every attempt it had in flight.

Example::

    work = AgentWork(spec, specs=specs, table=table, tool_gauge=[0, 0])
    run = start_run(work, graph, max_concurrency=work.slots, ...)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._exceptions import AgentCrashed, RegistryError
from ..models import complete
from ..runtime import RetryableError
from ._pool import AgentPool, PoolAgent
from ._table import TaskTable
from .schemas import SwarmCreate, TaskSpec

if TYPE_CHECKING:
    from ..runtime import Run

__all__ = ["AgentWork"]


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


class AgentWork:
    """The work function of a swarm's runs (``work(task, ctx)``), and the agents behind it."""

    def __init__(
        self,
        spec: SwarmCreate,
        *,
        specs: Mapping[str, TaskSpec],
        table: TaskTable,
        tool_gauge: list[int],  # [in flight, peak] across the service
    ) -> None:
        self.spec = spec
        self.specs = specs
        self.table = table
        self.pool = AgentPool(
            n=spec.agents, slots=spec.max_concurrent_tasks, restart_s=spec.faults.restart_s
        )
        self._tool_gauge = tool_gauge
        self.registry: Any = None  # an sn.agents.Registry when the swarm has roles
        self.registry_rows: list[dict[str, Any]] | None = None  # as they ended
        self._registry_error: Exception | None = None
        self._registry_ready = asyncio.Event()

    @property
    def slots(self) -> int:
        """Attempts the pool can run at once: agents × their ``max_concurrent_tasks``."""
        return self.spec.agents * self.spec.max_concurrent_tasks

    async def __call__(self, task: Any, ctx: Any) -> dict[str, Any]:
        spec = self.specs[task.id]
        if spec.role is not None and spec.role in self.spec.roles:
            return await self._on_registry(task, ctx, spec.role)
        pool = self.pool
        slot = await pool.acquire()
        agent = slot.agent
        info = self.table.get(task.id)
        if info is not None:
            info.agent = agent.id
        try:
            rng = ctx.rng
            faults = self.spec.faults
            crash = rng.random() < faults.crash_rate
            transient = rng.random() < faults.transient_rate
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
                    *(self._tool(ctx, agent, rng.random()) for _ in range(spec.tool_calls))
                )
            if pool.lost(slot):  # another attempt crashed the agent meanwhile
                raise AgentCrashed(f"{agent.id} crashed while running {task.id!r}")
            if crash:
                raise pool.crash(slot, task.id)
            if transient:
                raise RetryableError("injected transient fault")
            agent.tasks_done += 1
            return result
        finally:
            pool.release(slot)

    async def _tool(self, ctx: Any, agent: PoolAgent, jitter: float) -> None:
        gauge = self._tool_gauge
        gauge[0] += 1
        if gauge[0] > gauge[1]:
            gauge[1] = gauge[0]
        latency = self.spec.tool_latency_s * (0.5 + jitter)
        try:
            await asyncio.sleep(latency)
        finally:
            gauge[0] -= 1
        ctx.emit("tool.call", tool="lookup", ok=True, latency_s=round(latency, 6), agent=agent.id)

    # -- role agents -------------------------------------------------------------------------
    async def start_registry(self, run: Run) -> None:
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

    async def _on_registry(self, task: Any, ctx: Any, role: str) -> dict[str, Any]:
        await self._registry_ready.wait()
        if self._registry_error is not None:
            raise RegistryError(f"the swarm's {role} agents did not start: {self._registry_error}")
        res = await self.registry.submit(role, task.prompt, task_id=f"{task.id}#{ctx.attempt}")
        ctx.record_usage(
            tokens_in=res.tokens_in, tokens_out=res.tokens_out, cost_usd=res.cost_usd, steps=1
        )
        info = self.table.get(task.id)
        if info is not None:
            info.agent = res.agent
        if not res.ok:
            raise RetryableError(f"{role} agent {res.agent}: {res.status}: {res.error}")
        return {"agent": res.agent, "answer": res.output}

    def registry_records(self) -> list[dict[str, Any]]:
        """The role agents' rows: live, or as they were when the swarm ended."""
        if self.registry is None:
            return []
        if self.registry_rows is not None:
            return self.registry_rows
        return list(self.registry.agents().to_dict("records"))

    async def close(self) -> None:
        """Stop restarts; close the role agents, keeping their last rows."""
        self.pool.close()
        if self.registry is not None:
            self.registry_rows = [
                {**row, "status": "finished"} for row in self.registry.agents().to_dict("records")
            ]
            with contextlib.suppress(Exception):  # best effort: the swarm is over either way
                await self.registry.close()
