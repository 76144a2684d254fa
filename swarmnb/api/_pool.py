"""A swarm's agents in the service: a fixed pool that crashes and restarts under supervision.

Each running task borrows a free agent for its attempt. An agent that crashes mid-attempt is
marked unhealthy (``agent.unhealthy``), the attempt fails with a retryable error so the
scheduler retries the task on another agent, and a supervisor restarts the agent after its
restart delay (``agent.restarted``). The time from crash to restart is the agent's recovery
time; the benchmark reads it from the events.

Example::

    pool = AgentPool(n=4, emit=run.emit, restart_s=0.5)
    agent = await pool.acquire()
    ...
    pool.release(agent)            # or pool.crash(agent, task_id) on a failure
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .._exceptions import AgentCrashed

__all__ = ["AgentPool", "PoolAgent"]


@dataclass(slots=True)
class PoolAgent:
    id: str
    status: str = "idle"  # idle | busy | down
    tasks_done: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    restarts: int = 0
    last_heartbeat: float | None = None
    crashed_at: float | None = field(default=None, repr=False)


class AgentPool:
    """``n`` agents; ``acquire`` waits for a free, healthy one."""

    def __init__(
        self, *, n: int, emit: Callable[..., Any] | None = None, restart_s: float = 0.5
    ) -> None:
        self.agents = [PoolAgent(f"agent-{i:03d}") for i in range(n)]
        self.restart_s = restart_s
        self._emit = emit
        self._free: asyncio.Queue[PoolAgent] = asyncio.Queue()
        for agent in self.agents:
            self._free.put_nowait(agent)
        self._restarts: set[asyncio.Task[None]] = set()

    def bind(self, emit: Callable[..., Any]) -> None:
        """Attach to a run (its ``emit``); announces every agent as spawned."""
        self._emit = emit
        for agent in self.agents:
            emit("agent.spawned", agent=agent.id, name=agent.id, role="worker")

    async def acquire(self) -> PoolAgent:
        agent = await self._free.get()
        agent.status = "busy"
        agent.last_heartbeat = time.time()
        return agent

    def release(self, agent: PoolAgent) -> None:
        if agent.status == "down":
            return
        agent.status = "idle"
        agent.last_heartbeat = time.time()
        self._free.put_nowait(agent)

    def crash(self, agent: PoolAgent, task: str) -> AgentCrashed:
        """Mark ``agent`` down, schedule its restart, and return the error to raise."""
        agent.status = "down"
        agent.crashed_at = time.time()
        if self._emit is not None:
            self._emit("agent.unhealthy", agent=agent.id, reason="crashed", task=task)
        restart = asyncio.get_running_loop().create_task(self._restart(agent))
        self._restarts.add(restart)
        restart.add_done_callback(self._restarts.discard)
        return AgentCrashed(f"{agent.id} crashed while running {task!r}")

    async def _restart(self, agent: PoolAgent) -> None:
        await asyncio.sleep(self.restart_s)
        agent.restarts += 1
        if self._emit is not None:
            try:
                self._emit(
                    "agent.restarted",
                    agent=agent.id,
                    restarts=agent.restarts,
                    down_s=round(time.time() - (agent.crashed_at or time.time()), 6),
                )
            except RuntimeError:  # the run ended meanwhile
                return
        agent.crashed_at = None
        agent.status = "idle"
        self.release(agent)

    def close(self) -> None:
        for task in list(self._restarts):
            task.cancel()

    def __len__(self) -> int:
        return len(self.agents)

    def __repr__(self) -> str:
        down = sum(a.status == "down" for a in self.agents)
        busy = sum(a.status == "busy" for a in self.agents)
        return f"<AgentPool agents={len(self.agents)} busy={busy} down={down}>"
