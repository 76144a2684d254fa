"""Install, scale and uninstall roles: the lifecycle of a role's agents (mixed into ``Registry``).

Everything an install asks for is checked before anything starts (manifests, overrides,
versions, dependencies, cycles), so a failed install leaves the registry as it was. Scaling down
drains: a leaving agent's queued work moves to the agents that stay, and it stops once its
running tasks are done.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._exceptions import RegistryError
from ._install import order_and_check, resolve_manifest
from .manifest import AgentManifest
from .results import TaskRecord
from .worker import AgentWorker

__all__ = ["Lifecycle"]


class Lifecycle:
    """``install``, ``scale``, ``uninstall`` and the agents they start and stop."""

    _workers: dict[str, AgentWorker]
    _manifests: dict[str, AgentManifest]
    _tasks: dict[str, TaskRecord]
    _backlog: dict[str, list[tuple[int, float, int, str]]]
    _ids: dict[str, itertools.count[int]]
    _store: Any
    supervisor: Any

    async def install(
        self,
        what: str | AgentManifest | Path | Sequence[str | AgentManifest | Path],
        count: int = 1,
        **overrides: Any,
    ) -> list[str]:
        """Install one or several roles with ``count`` agents each; returns the new agent ids.

        Everything is checked before anything starts — manifests, ``overrides`` (manifest
        fields, e.g. ``model="sim/small"``), versions, dependencies, cycles — so an error
        leaves the registry as it was. Installing an installed role at the same version scales
        it up to at least ``count``.
        """
        _check_count(count)
        items = list(what) if isinstance(what, list | tuple) else [what]
        manifests = [resolve_manifest(x, overrides) for x in items]
        for m in manifests:
            have = self._manifests.get(m.role)
            if have is not None and have.version != m.version:
                raise RegistryError(
                    f"role {m.role!r} is installed at version {have.version}; uninstall it "
                    f"before installing {m.version}"
                )
        ordered = order_and_check(manifests, self._manifests)
        await self.start()
        new: list[str] = []
        for m in ordered:
            if m.role not in self._manifests:
                self._manifests[m.role] = m
                if self._store is not None:
                    self._store.save_role(m, count)
            have = len(self._role_workers(m.role))
            new += await self._grow(m.role, max(0, count - have))
        return new

    async def scale(self, role: str, count: int) -> list[str]:
        """Run exactly ``count`` agents of ``role``; scaling down drains (no task is lost)."""
        _check_count(count)
        self._installed(role)
        await self.start()
        workers = self._role_workers(role)
        if self._store is not None:
            self._store.save_role(self._manifests[role], count)
        if count >= len(workers):
            return await self._grow(role, count - len(workers))
        leaving = sorted(workers, key=lambda w: (len(w.assigned), -int(w.id.rsplit("-", 1)[1])))
        await asyncio.gather(*(self._drain(w) for w in leaving[: len(workers) - count]))
        return [w.id for w in self._role_workers(role)]

    async def uninstall(self, role: str) -> None:
        """Drain and stop every agent of ``role`` and forget the manifest.

        Refused while another installed role needs this one; queued tasks are cancelled.
        """
        m = self._installed(role)
        needs = [
            o.role
            for o in self._manifests.values()
            if o.role != role
            and any(d.id in (m.id, m.role) and not d.optional for d in o.dependencies)
        ]
        if needs:
            raise RegistryError(
                f"cannot uninstall {role!r}: {', '.join(sorted(needs))} depend on it"
            )
        await self.scale(role, 0)
        for *_, tid in self._backlog.pop(role, []):
            self._finish(self._tasks[tid], "cancelled", error=f"role {role!r} was uninstalled")
        del self._manifests[role]
        if self._store is not None:
            self._store.remove_role(role)

    async def _grow(self, role: str, n: int) -> list[str]:
        m = self._manifests[role]
        made = []
        for _ in range(n):
            w = AgentWorker(id=f"{role}-{next(self._ids[role])}", manifest=m, host=self)
            self._workers[w.id] = w
            w.start()
            self.supervisor.watch(w)
            self.emit("agent.spawned", agent=w.id, role=role, name=m.name, model=m.model,
                      version=m.version)  # fmt: skip
            made.append(w)
        await asyncio.gather(*(w.ready.wait() for w in made))
        return [w.id for w in made]

    async def _drain(self, w: AgentWorker) -> None:
        w.state = "draining"
        self._requeue(w, "drained for scale-down", started=False)
        await w.drained.wait()
        await self._stop_worker(w)
        self._workers.pop(w.id, None)

    async def _stop_worker(self, w: AgentWorker) -> None:
        if w.state in ("stopped",):
            return
        w.state = "stopped"
        if w.task is not None and not w.task.done():
            w.task.cancel()
            await asyncio.gather(w.task, return_exceptions=True)
        self.emit("agent.finished", agent=w.id, role=w.role, tasks=w.stats.tasks_done)


def _check_count(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise RegistryError(f"count must be an int ≥ 0, not {count!r}")
