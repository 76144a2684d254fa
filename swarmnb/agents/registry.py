"""``Registry``: install roles as long-lived agents, route work to them, keep the ledger.

The registry owns the agents of a swarm: it installs manifests (checking dependencies and
versions first, so a failed install leaves nothing behind), scales each role up and down
(scaling down drains: queued work moves to the remaining agents), routes each submitted task
to the least-loaded healthy agent of its role over the bus, and records each task's result
exactly once however many times it was delivered. A :class:`~swarmnb.agents.supervisor.Supervisor`
watches heartbeats and restarts agents; a :class:`~swarmnb.agents.gate.ToolGate` guards every
tool call and writes the audit log.

Example::

    reg = sn.agents.Registry(bus=sn.bus.MemoryBus(), path=None)
    await reg.install("developer", count=3)
    res = await reg.submit("developer", "write a parser", priority=1)
    reg.agents()        # id, role, status, health, last heartbeat, tasks, tokens, cost, restarts
    await reg.scale("developer", 5); await reg.uninstall("developer")
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .._exceptions import RegistryError, UnknownRole
from ..bus import Bus, MemoryBus
from ..bus.messages import TaskCompleted, TaskFailedMsg, subjects
from ..events import EventBus
from ._lifecycle import Lifecycle
from ._routing import Routing
from ._views import Views
from .capabilities import AuditLog
from .coordination import Coordination
from .gate import ToolGate
from .manifest import AgentManifest
from .results import TaskRecord, TaskResult
from .supervisor import Supervisor
from .tools import Tool, make_tool
from .worker import AgentWorker

__all__ = ["Registry"]


class Registry(Lifecycle, Routing, Coordination, Views):
    """Long-lived agents by role; see the module docs.

    ``bus`` defaults to a fresh :class:`~swarmnb.bus.MemoryBus`. ``path`` keeps registry state
    (installed roles, agents, results, the audit log) in SQLite. ``model_options`` go to every
    model call (``{"sim_latency_scale": 0.0}`` makes sim models answer at once). A task is
    started at most ``max_attempts`` times before it fails. Each agent holds at most
    ``prefetch`` tasks per concurrency slot in its inbox; the rest wait, by priority, in the
    registry's backlog for the first agent that frees up.
    """

    def __init__(
        self,
        *,
        bus: Bus | None = None,
        path: str | Path | None = None,
        seed: int = 0,
        model_options: Mapping[str, Any] | None = None,
        tools: Iterable[Tool] = (),
        max_attempts: int = 5,
        prefetch: int = 2,
        supervise: bool = True,
    ) -> None:
        if max_attempts < 1 or prefetch < 1:
            raise RegistryError("max_attempts and prefetch must be ≥ 1")
        self.prefetch = prefetch
        self.bus: Bus = bus if bus is not None else MemoryBus()
        self.seed = seed
        self.model_options = dict(model_options or {})
        self.max_attempts = max_attempts
        self.id = f"registry-{uuid.uuid4().hex[:8]}"
        self._t0: float | None = None
        self.log = EventBus(self.id, time_fn=self._t)  #: every event, in order
        self._store = None
        if path is not None:
            from .store import RegistryStore

            self._store = RegistryStore(path)
        self.audit_log = AuditLog(sink=self._store.add_audit if self._store else None)
        self.supervisor = Supervisor(self, enabled=supervise)
        self.gate = ToolGate(
            audit=self.audit_log, emit=self.emit, now=self.now, on_denied=self.supervisor.on_denied
        )
        self._tools: dict[str, Tool] = {}
        for t in tools:
            self.add_tool(t)
        self._manifests: dict[str, AgentManifest] = {}
        self._workers: dict[str, AgentWorker] = {}
        self._ids = defaultdict(lambda: itertools.count(1))
        self._tasks: dict[str, TaskRecord] = {}
        self._task_ids = itertools.count(1)
        self._backlog: dict[str, list[tuple[int, float, int, str]]] = defaultdict(list)
        self._outbox: asyncio.Queue[tuple[str, Any, str | None]] | None = None
        self._background: list[asyncio.Task[Any]] = []
        self._started = False
        self._closed = False
        self.duplicates = 0  #: results that arrived again for a finished task (dropped)
        self._shared = []
        self._replies: set[asyncio.Task[None]] = set()
        self.add_tool(self._help_tool())

    # -- clock and events --------------------------------------------------------------------
    def now(self) -> float:
        """Seconds on the registry's loop clock (virtual under a virtual clock)."""
        try:
            return asyncio.get_running_loop().time()
        except RuntimeError:
            return self._t0 or 0.0

    def _t(self) -> float:
        return 0.0 if self._t0 is None else self.now() - self._t0

    def emit(self, kind: str, **fields: Any) -> None:
        self.log.emit(kind, fields)

    # -- the event stream, shaped like a run's (dashboards and sinks read a registry as one) ---
    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event so far: agents, tasks, tool calls, capability decisions, supervision."""
        return self.log.events

    def events_since(self, start: int) -> list[dict[str, Any]]:
        return self.log.events_since(start)

    @property
    def n_events(self) -> int:
        return len(self.log)

    def subscribe(self, subscriber: Any, *, replay: bool = True) -> Any:
        """Call ``subscriber(event)`` for every event (past ones first); returns a detach."""
        return self.log.subscribe(subscriber, replay=replay)

    @property
    def finished(self) -> bool:
        return self._closed

    def dashboard(self, **options: Any) -> Any:
        """The live agent pool: role, health, heartbeat age, restarts, quarantine, denials."""
        from ..ui import AgentPoolView

        return AgentPoolView.for_run(self, **options)

    # -- start / stop ------------------------------------------------------------------------
    async def start(self) -> Registry:
        """Subscribe to the bus and start supervision (done by the first async call)."""
        if self._closed:
            raise RegistryError("the registry is closed")
        if self._started:
            return self
        self._started = True
        self._t0 = self.now()
        self.emit("run.started", name="registry", clock=_clock_name())
        self._outbox = asyncio.Queue()
        results = self.bus.subscribe("swarmnb.tasks.>")
        beats = self.bus.subscribe(subjects.heartbeats)
        shared = self.bus.subscribe(subjects.shared_context)
        helps = self.bus.subscribe("swarmnb.agent.help.*")
        decisions = self.bus.subscribe("swarmnb.decision.request.*")
        self._subs = [results, beats, shared, helps, decisions]
        for sub in self._subs:
            await sub.__aenter__()
        loop = asyncio.get_running_loop()
        self._background = [
            loop.create_task(self._listen(results), name="registry results"),
            loop.create_task(self._listen(beats), name="registry heartbeats"),
            loop.create_task(self._listen(shared), name="registry shared context"),
            loop.create_task(self._serve_requests(helps), name="registry help"),
            loop.create_task(self._serve_requests(decisions), name="registry decisions"),
            loop.create_task(self._send(), name="registry outbox"),
            loop.create_task(self.supervisor.run(), name="registry supervisor"),
        ]
        if self._store is not None:
            for manifest, count in self._store.load_roles().values():
                await self.install(manifest, count=count)
        return self

    async def close(self) -> None:
        """Stop every agent and the supervisor; unfinished tasks end ``cancelled``."""
        if self._closed:
            return
        self._closed = True
        if self._store is not None:
            self._store.save_agents(self.agents().to_dict("records"))
        for w in self._workers.values():
            await self._stop_worker(w)
        for rec in self._tasks.values():
            if not rec.done:
                self._finish(rec, "cancelled", error="the registry was closed")
        for task in [*self._background, *self._replies]:
            task.cancel()
        await asyncio.gather(*self._background, *self._replies, return_exceptions=True)
        if self._started:
            self.emit("run.finished", status="completed")
        for sub in getattr(self, "_subs", []):
            await sub.close()
        if self._store is not None:
            self._store.close()

    async def __aenter__(self) -> Registry:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- tools -------------------------------------------------------------------------------
    def add_tool(self, tool: Tool | Any) -> Tool:
        """Make a tool available to agents (the gate still decides who may call it)."""
        t = tool if isinstance(tool, Tool) else make_tool(tool)
        known = self._tools.get(t.name)
        if known is not None and known.fn is not t.fn:
            raise RegistryError(f"another tool is already registered as {t.name!r}")
        self._tools[t.name] = t
        return t

    def _tools_for(self, names: Sequence[str]) -> dict[str, Tool]:
        return {n: self._tools[n] for n in names if n in self._tools}

    async def call_tool(
        self, agent: str, tool: str | Tool, arguments: Mapping[str, Any] | None = None,
        *, task: str | None = None,
    ) -> str:  # fmt: skip
        """Call a tool as ``agent`` through the capability gate (what its model's calls do)."""
        w = self._worker(agent)
        t = tool if isinstance(tool, Tool) else self._tools.get(tool)
        if t is None:
            raise RegistryError(f"no tool {tool!r}; registered: {sorted(self._tools)}")
        return await self.gate.call(w, t, arguments, task=task)

    # -- submitting work ---------------------------------------------------------------------
    async def submit(
        self,
        role: str,
        prompt: str,
        *,
        priority: int = 5,
        deadline_s: float | None = None,
        tools: Iterable[Tool | str] = (),
        task_id: str | None = None,
    ) -> TaskResult:
        """Run ``prompt`` on the least-loaded healthy agent of ``role`` and return its result.

        ``priority``: lower runs first (1 urgent, 5 normal, 10 low); ``deadline_s`` breaks ties
        (earlier first). ``tools`` are offered to the agent's model; its manifest decides which
        it may call. Submitting a known ``task_id`` again returns that task's result (once).
        """
        return await self.send(
            role, prompt, priority=priority, deadline_s=deadline_s, tools=tools, task_id=task_id
        )

    def send(
        self,
        role: str,
        prompt: str,
        *,
        priority: int = 5,
        deadline_s: float | None = None,
        tools: Iterable[Tool | str] = (),
        task_id: str | None = None,
    ) -> asyncio.Future[TaskResult]:
        """Like :meth:`submit` but returns at once: a future of the :class:`TaskResult`."""
        self._installed(role)
        if not self._started:
            raise RegistryError("install a role first (the registry starts on install)")
        names = tuple(self.add_tool(t).name if not isinstance(t, str) else t for t in tools)
        if task_id is not None and task_id in self._tasks:
            fut = self._tasks[task_id].future
            assert fut is not None
            return fut
        tid = task_id or f"t{next(self._task_ids):06d}"
        now = self.now()
        rec = TaskRecord(
            id=tid, role=role, prompt=prompt, priority=int(priority),
            deadline=None if deadline_s is None else now + deadline_s, tools=names,
            submitted_at=now, future=asyncio.get_running_loop().create_future(),
            seq=len(self._tasks),
        )  # fmt: skip
        self._tasks[tid] = rec
        self.emit("task.queued", task=tid, role=role, priority=rec.priority)
        self._dispatch(rec)
        assert rec.future is not None
        return rec.future

    async def result(self, task_id: str) -> TaskResult:
        """Wait for a submitted task's result."""
        rec = self._tasks.get(task_id)
        if rec is None or rec.future is None:
            raise RegistryError(f"no task {task_id!r}")
        return await asyncio.shield(rec.future)

    # -- callbacks from workers and the bus --------------------------------------------------
    def _on_ready(self, w: AgentWorker) -> None:
        self._flush_backlog(w.role)

    async def _send(self) -> None:
        assert self._outbox is not None
        while True:
            subject, msg, msg_id = await self._outbox.get()
            await self.bus.publish(subject, msg, msg_id=msg_id)

    async def _listen(self, sub: Any) -> None:
        async for msg in sub:
            subject = msg.subject
            if subject == subjects.completed:
                self._record(msg.parse(TaskCompleted))
            elif subject == subjects.failed:
                self._record(msg.parse(TaskFailedMsg))
            elif subject.startswith("swarmnb.agent.heartbeat."):
                self.supervisor.on_heartbeat(msg.data)
            elif subject == subjects.shared_context:
                self._on_shared(msg.data)

    # -- views -------------------------------------------------------------------------------
    def _worker(self, agent: str) -> AgentWorker:
        w = self._workers.get(agent)
        if w is None:
            raise RegistryError(f"no agent {agent!r}; agents: {sorted(self._workers)}")
        return w

    def _role_workers(self, role: str) -> list[AgentWorker]:
        return [w for w in self._workers.values() if w.role == role and w.state != "stopped"]

    def _installed(self, role: str) -> AgentManifest:
        m = self._manifests.get(role)
        if m is not None:
            return m
        from .catalogue import role_names

        if role in role_names():
            raise RegistryError(f"role {role!r} is not installed; await reg.install({role!r})")
        known = sorted({*self._manifests, *role_names()})
        raise UnknownRole(f"unknown role {role!r}; known roles: {', '.join(known)}")

    @property
    def installed(self) -> dict[str, AgentManifest]:
        """The installed manifests by role."""
        return dict(self._manifests)

    def release(self, agent: str) -> None:
        """Let a quarantined agent take work again."""
        self.supervisor.release(self._worker(agent))

    def __repr__(self) -> str:
        roles = ", ".join(f"{r}×{len(self._role_workers(r))}" for r in self._manifests)
        done = sum(1 for r in self._tasks.values() if r.done)
        return f"<Registry [{roles}] tasks={done}/{len(self._tasks)} bus={type(self.bus).__name__}>"

    def _repr_html_(self) -> str:
        import html

        cols = ["id", "role", "status", "health", "last_heartbeat_s", "tasks", "restarts", "denied"]
        table = self.agents()[cols].to_html(index=False, float_format=lambda x: f"{x:.1f}")
        return f"<p><code>{html.escape(repr(self))}</code></p>{table}"


def _clock_name() -> str:
    from ..runtime.clock import running_clock

    return running_clock()
