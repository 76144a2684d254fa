"""A swarm's agents in the service: a fixed pool that crashes and restarts under supervision.

Each agent works on up to ``slots`` tasks at once (the swarm's ``max_concurrent_tasks``, as an
agent manifest's ``limits.max_concurrent_tasks``); a running attempt borrows one of its agent's
slots. An agent that crashes mid-attempt is marked unhealthy (``agent.unhealthy``), the attempt
fails with a retryable error so the scheduler retries the task on another agent, and a
supervisor restarts the agent after its restart delay (``agent.restarted``). The crash loses
the agent's other attempts in flight too: each fails retryably when it next hears from its
agent (:meth:`AgentPool.lost`). The time from crash to restart is the agent's recovery time;
the benchmark reads it from the events.

Example::

    pool = AgentPool(n=4, slots=2, emit=run.emit, restart_s=0.5)
    slot = await pool.acquire()
    ...
    pool.release(slot)             # also after raise pool.crash(slot, task_id)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .._exceptions import AgentCrashed

__all__ = ["AgentPool", "PoolAgent", "Slot"]


@dataclass(slots=True)
class PoolAgent:
    id: str
    status: str = "idle"  # idle | busy | down
    running: int = 0  # attempts in flight on this agent
    tasks_done: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    restarts: int = 0
    last_heartbeat: float | None = None
    crashed_at: float | None = field(default=None, repr=False)
    life: int = field(default=0, repr=False)  # bumped by each crash: older slots are void


class Slot(NamedTuple):
    """One of an agent's concurrent places for work, valid for the agent's current life."""

    agent: PoolAgent
    life: int


class AgentPool:
    """``n`` agents of ``slots`` places each; ``acquire`` waits for a free place."""

    def __init__(
        self,
        *,
        n: int,
        slots: int = 1,
        emit: Callable[..., Any] | None = None,
        restart_s: float = 0.5,
    ) -> None:
        self.agents = [PoolAgent(f"agent-{i:03d}") for i in range(n)]
        self.slots = slots
        self.restart_s = restart_s
        self._emit = emit
        self._free: asyncio.Queue[Slot] = asyncio.Queue()
        for _ in range(slots):  # agent by agent, round after round: work spreads out
            for agent in self.agents:
                self._free.put_nowait(Slot(agent, 0))
        self._restarts: set[asyncio.Task[None]] = set()

    def bind(self, emit: Callable[..., Any]) -> None:
        """Attach to a run (its ``emit``); announces every agent as spawned."""
        self._emit = emit
        for agent in self.agents:
            emit("agent.spawned", agent=agent.id, name=agent.id, role="worker")

    async def acquire(self) -> Slot:
        free = self._free
        while True:
            slot = free.get_nowait() if free.qsize() else await free.get()
            agent = slot.agent
            if slot.life == agent.life:  # else: a place on an agent that crashed since
                break
        agent.running += 1
        agent.status = "busy"
        agent.last_heartbeat = time.time()
        return slot

    def lost(self, slot: Slot) -> bool:
        """Whether the slot's agent crashed since the slot was taken (its work is lost)."""
        return slot.life != slot.agent.life

    def release(self, slot: Slot) -> None:
        agent = slot.agent
        if slot.life != agent.life:  # the crash took this place; the restart makes new ones
            return
        agent.running -= 1
        if agent.running == 0:
            agent.status = "idle"
        agent.last_heartbeat = time.time()
        self._free.put_nowait(slot)

    def crash(self, slot: Slot, task: str) -> AgentCrashed:
        """Take the slot's agent down, schedule its restart, and return the error to raise.

        An agent already down since the slot was taken is not crashed (nor restarted) twice.
        """
        agent = slot.agent
        if slot.life != agent.life:
            return AgentCrashed(f"{agent.id} crashed while running {task!r}")
        agent.status = "down"
        agent.life += 1
        agent.running = 0
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
        agent.last_heartbeat = time.time()
        for _ in range(self.slots):
            self._free.put_nowait(Slot(agent, agent.life))

    def close(self) -> None:
        for task in list(self._restarts):
            task.cancel()

    def __len__(self) -> int:
        return len(self.agents)

    def __repr__(self) -> str:
        down = sum(a.status == "down" for a in self.agents)
        busy = sum(a.status == "busy" for a in self.agents)
        return f"<AgentPool agents={len(self.agents)} slots={self.slots} busy={busy} down={down}>"
