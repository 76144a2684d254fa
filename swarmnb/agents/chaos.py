"""``Chaos``: crash and hang agents on purpose, so recovery is shown rather than claimed.

Attached to a registry, it decides at each tool call an agent makes — mid-task, after work has
started — whether that agent's incarnation *crashes* (dies at once; the supervisor notices the
exit) or *hangs* (stops working and stops heartbeating; the supervisor notices the silence).
Decisions come from a seeded RNG, so a chaos run is repeatable. Every fault is recorded with
its time, so recovery (fault → healthy replacement) can be measured.

Example::

    with sn.agents.Chaos(reg, crash_rate=0.1, hang_rate=0.05, seed=0) as chaos:
        results = await asyncio.gather(*(reg.submit("developer", p) for p in prompts))
    chaos.faults          # DataFrame: t, agent, kind, task
    chaos.kill("developer-2")   # crash one agent now
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._exceptions import RegistryError
from .worker import AgentCrash

if TYPE_CHECKING:
    from .registry import Registry

__all__ = ["Chaos"]


class Chaos:
    """Fault injector for a :class:`~swarmnb.agents.Registry` (see module docs)."""

    def __init__(
        self,
        registry: Registry,
        *,
        crash_rate: float = 0.05,
        hang_rate: float = 0.0,
        seed: int = 0,
        roles: Iterable[str] | None = None,
        max_faults: int | None = None,
    ) -> None:
        for name, rate in (("crash_rate", crash_rate), ("hang_rate", hang_rate)):
            if not 0.0 <= rate <= 1.0:
                raise RegistryError(f"{name} must be within [0, 1], not {rate}")
        if crash_rate + hang_rate > 1.0:
            raise RegistryError("crash_rate + hang_rate must be ≤ 1")
        self.registry = registry
        self.crash_rate = crash_rate
        self.hang_rate = hang_rate
        self.roles = None if roles is None else frozenset(roles)
        self.max_faults = max_faults
        self._rng = random.Random(seed)
        self._faults: list[dict[str, Any]] = []
        self.attach()

    def attach(self) -> None:
        self.registry.gate.fault_hook = self._at_tool_call

    def detach(self) -> None:
        if self.registry.gate.fault_hook == self._at_tool_call:
            self.registry.gate.fault_hook = None

    def __enter__(self) -> Chaos:
        return self

    def __exit__(self, *exc: object) -> None:
        self.detach()

    async def _at_tool_call(self, caller: Any, task: str | None, tool: str) -> None:
        if self.roles is not None and caller.role not in self.roles:
            return
        if self.max_faults is not None and len(self._faults) >= self.max_faults:
            return
        draw = self._rng.random()
        if draw < self.crash_rate:
            self._note(caller, "crash", task)
            raise AgentCrash(f"chaos: {caller.id} crashed during {tool}")
        if draw < self.crash_rate + self.hang_rate:
            self._note(caller, "hang", task)
            await caller.freeze()

    def _note(self, worker: Any, kind: str, task: str | None) -> None:
        now = self.registry.now()
        worker.fault_at = now
        self._faults.append(
            {"t": now, "agent": worker.id, "role": worker.role, "kind": kind, "task": task}
        )

    def kill(self, agent: str) -> None:
        """Crash ``agent`` now, whatever it is doing."""
        w = self.registry._worker(agent)
        if w.task is None or w.task.done():
            raise RegistryError(f"agent {agent!r} is not running")
        self._note(w, "crash", None)
        w.killed = True
        w.task.cancel()

    @property
    def faults(self) -> pd.DataFrame:
        """Every injected fault: time (registry clock), agent, role, kind, task."""
        return pd.DataFrame(self._faults, columns=["t", "agent", "role", "kind", "task"])

    def __repr__(self) -> str:
        kinds = pd.Series([f["kind"] for f in self._faults], dtype=object).value_counts().to_dict()
        return (
            f"<Chaos crash_rate={self.crash_rate} hang_rate={self.hang_rate} "
            f"faults={len(self._faults)} {kinds}>"
        )
