"""``sn.backends.Ray``: task attempts run on a Ray cluster, on async actors.

The scheduler stays in the kernel and owns every task's state — readiness, retries, budgets,
cancellation, events. Each attempt is shipped to one of a pool of Ray *async actors* (each
with its own concurrency, 1,000 calls by default) as the work callable (put in the object
store once), the task, its inputs, the run's seed and the attempt number. The actor runs
``work(task, ctx)`` with a stand-in context that records usage and events; they come back to
the kernel on swarmnb's own channel — timestamped operations, streamed back as they happen
(a Ray streaming generator; under the virtual clock, with the attempt's reply) — and are
applied to the real context there, so the trace, the metrics and the
live dashboard are those of a local run.

Under ``clock="virtual"`` the actor runs the attempt on a virtual clock of its own and the
kernel replays its operations at their simulated offsets while holding the run's clock still
for the round trip: a run on Ray has the same events, times and metrics as on the local
backend. Under ``clock="real"`` each operation is applied the moment it arrives.

An actor that dies (a crashed worker, ``ray.kill``) is restarted by Ray (its constructor runs
again; it keeps no task state — completed results live in the kernel and in the result store)
and the attempt it was running is sent again, under the same attempt number, so nothing is
lost and no retry is spent. Budgets see usage as attempts return: a reservation made inside
remote work (``ctx.reserve``) is not checked against the kernel's budget.

Example::

    backend = sn.backends.Ray()                  # no address: a local 2-CPU cluster
    run = await sn.run_graph(g, work, backend=backend, clock="virtual")
    backend.close()                              # shuts down the cluster it started

Ray is imported only when this backend is used; without it the constructor raises
:class:`~swarmnb.BackendUnavailable` naming ``pip install swarmnb[ray]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib.util
import os
import pickle
import random
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..._exceptions import BackendUnavailable, RetryableError
from ..clock import VirtualClockLoop, run_in_new_loop
from ..outcomes import describe_error, is_retryable
from ._base import WorkFn

if TYPE_CHECKING:
    from ...graph import Task
    from ..context import Context

__all__ = ["Ray"]

_INSTALL = "the Ray backend needs Ray: pip install swarmnb[ray]"


class _RemoteContext:
    """What work sees of its run inside a Ray actor; records what it reports, in order."""

    def __init__(
        self, task: Task, *, attempt: int, run_id: str, seed: int, inputs: Mapping[str, Any]
    ) -> None:
        self.task = task
        self.attempt = attempt
        self.run_id = run_id
        self.seed = seed
        self.inputs = inputs
        self.ops: list[tuple[float, str, Any, Any]] = []
        self.live: Callable[[tuple[float, str, Any, Any]], None] | None = None
        self._rng: random.Random | None = None
        self._loop = asyncio.get_running_loop()
        self._t0 = self._loop.time()

    @property
    def rng(self) -> random.Random:
        if self._rng is None:
            self._rng = random.Random(f"{self.seed}:{self.task.id}:{self.attempt}")
        return self._rng

    def now(self) -> float:
        return self._loop.time() - self._t0

    def record_usage(
        self, *, tokens_in: int = 0, tokens_out: int = 0, cost_usd: float = 0.0, steps: int = 0
    ) -> None:
        if min(tokens_in, tokens_out, cost_usd, steps) < 0:
            raise ValueError("usage must not be negative")
        usage = {"tokens_in": tokens_in, "tokens_out": tokens_out, "cost_usd": cost_usd,
                 "steps": steps}  # fmt: skip
        self._record((self.now(), "usage", usage, None))

    @contextlib.contextmanager
    def reserve(self, *, usd: float = 0.0, tokens: int = 0) -> Iterator[None]:
        yield  # the kernel's budget sees the usage when the attempt returns

    def emit(self, kind: str, **fields: Any) -> None:
        self._record((self.now(), "event", kind, fields))

    def _record(self, op: tuple[float, str, Any, Any]) -> None:
        if self.live is not None:
            self.live(op)  # streamed to the kernel as it happens
        else:
            self.ops.append(op)


def _apply(ctx: Context, op: str, first: Any, second: Any) -> None:
    """Apply one operation an attempt reported remotely to its real context in the kernel."""
    if op == "usage":
        ctx.record_usage(**first)
    else:
        ctx.emit(first, **second)


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a stand-in that keeps its text and retryability."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        text = describe_error(exc)
        return RetryableError(text) if is_retryable(exc) else RuntimeError(text)


async def _attempt(work: WorkFn, task: Task, ctx: _RemoteContext) -> dict[str, Any]:
    try:
        value = work(task, ctx)  # type: ignore[arg-type]
        if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
            value = await value
        out: dict[str, Any] = {"value": value}
    except Exception as exc:
        out = {"error": _portable(exc)}
    out["ops"], out["duration"] = ctx.ops, ctx.now()
    return out


def _run_virtual(work: WorkFn, task: Task, meta: dict[str, Any]) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        return await _attempt(work, task, _RemoteContext(task, **meta))

    return run_in_new_loop(main, "virtual")


class _Worker:
    """The Ray actor: runs attempts; holds no task state, so a restart loses nothing."""

    async def attempt(
        self, work: WorkFn, task: Task, meta: dict[str, Any], virtual: bool
    ) -> dict[str, Any]:
        if virtual:
            return await asyncio.to_thread(_run_virtual, work, task, meta)
        return await _attempt(work, task, _RemoteContext(task, **meta))

    async def stream(
        self, work: WorkFn, task: Task, meta: dict[str, Any]
    ) -> AsyncIterator[tuple[str, Any]]:
        """A real-clock attempt whose operations stream back as they happen, then its end."""
        queue: asyncio.Queue[tuple[float, str, Any, Any] | None] = asyncio.Queue()
        ctx = _RemoteContext(task, **meta)
        ctx.live = queue.put_nowait
        job = asyncio.ensure_future(_attempt(work, task, ctx))
        job.add_done_callback(lambda _: queue.put_nowait(None))
        try:
            while (op := await queue.get()) is not None:
                yield "op", op
            yield "end", job.result()
        finally:
            job.cancel()

    def pid(self) -> int:
        return os.getpid()


class Ray:
    """Run attempts on Ray actors; see the module docstring for what is kept identical."""

    def __init__(
        self,
        address: str | None = None,
        *,
        actors: int = 2,
        actor_concurrency: int = 1000,
        num_cpus: int = 2,
        init_options: Mapping[str, Any] | None = None,
    ) -> None:
        if importlib.util.find_spec("ray") is None:
            raise BackendUnavailable(_INSTALL)
        if not isinstance(actors, int) or actors < 1:
            raise ValueError(f"actors must be an int ≥ 1, not {actors!r}")
        self.address = address
        self.n_actors = actors
        self.actor_concurrency = actor_concurrency
        self.num_cpus = num_cpus
        self.init_options = dict(init_options or {})
        self.restarts = 0  #: attempts sent again because their actor died
        self._actors: list[Any] = []
        self._load: list[int] = []
        self._started_ray = False
        self._failed: RuntimeError | None = None
        self._works: dict[int, tuple[WorkFn, Any]] = {}

    # -- the cluster -------------------------------------------------------------------------
    def _ensure(self) -> Any:
        try:
            import ray
        except ImportError as exc:  # pragma: no cover — find_spec said it was there
            raise BackendUnavailable(_INSTALL) from exc
        if self._failed is not None:  # do not try again for every attempt
            raise self._failed
        if not ray.is_initialized():
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if self.address is None:
                os.environ.setdefault("RAY_AUTH_MODE", "disabled")
                options["num_cpus"] = self.num_cpus
            else:
                options["address"] = self.address
            options.update(self.init_options)
            for tries_left in (1, 0):  # a busy machine can miss Ray's start-up deadline: twice
                try:
                    ray.init(**options)
                    break
                except Exception as exc:
                    ray.shutdown()
                    if not tries_left:
                        where = self.address or "a local cluster"
                        self._failed = RuntimeError(f"Ray did not start ({where}): {exc}")
                        raise self._failed from exc
            self._started_ray = self.address is None
        if not self._actors:
            remote = ray.remote(
                num_cpus=0, max_restarts=-1, max_task_retries=0,
                max_concurrency=self.actor_concurrency,
            )(_Worker)  # fmt: skip
            self._actors = [remote.remote() for _ in range(self.n_actors)]
            self._load = [0] * self.n_actors
        return ray

    @property
    def actors(self) -> list[Any]:
        """The actor handles (started on first use)."""
        self._ensure()
        return list(self._actors)

    def _work_ref(self, ray: Any, work: WorkFn) -> Any:
        known = self._works.get(id(work))
        if known is None or known[0] is not work:
            known = self._works[id(work)] = (work, ray.put(work))
        return known[1]

    # -- the Backend protocol ----------------------------------------------------------------
    async def run(self, work: WorkFn, task: Task, ctx: Context) -> Any:
        ray = self._ensure()
        loop = asyncio.get_running_loop()
        virtual = isinstance(loop, VirtualClockLoop)
        shipped = dataclasses.replace(task, work=None)
        meta = {"attempt": ctx.attempt, "run_id": ctx.run_id, "seed": ctx.seed,
                "inputs": dict(ctx.inputs)}  # fmt: skip
        work_ref = self._work_ref(ray, work)
        if not virtual:
            out = await self._stream(ray, work_ref, shipped, meta, ctx)
            if "error" in out:
                raise out["error"]
            return out["value"]
        start = loop.time()
        with loop.hold():  # simulated time stands still while the attempt is out
            out = await self._call(ray, work_ref, shipped, meta, virtual)
        for offset, op, first, second in out["ops"]:
            if start + offset > loop.time():
                await asyncio.sleep(start + offset - loop.time())
            _apply(ctx, op, first, second)
        if start + out["duration"] > loop.time():
            await asyncio.sleep(start + out["duration"] - loop.time())
        if "error" in out:
            raise out["error"]
        return out["value"]

    async def _call(
        self, ray: Any, work_ref: Any, task: Task, meta: dict[str, Any], virtual: bool
    ) -> dict[str, Any]:
        while True:
            slot = min(range(len(self._load)), key=self._load.__getitem__)
            self._load[slot] += 1
            ref = self._actors[slot].attempt.remote(work_ref, task, meta, virtual)
            try:
                return await ref
            except asyncio.CancelledError:
                ray.cancel(ref)
                raise
            except ray.exceptions.RayActorError:
                self.restarts += 1  # Ray restarts the actor; send the attempt again
            finally:
                self._load[slot] -= 1

    async def _stream(
        self, ray: Any, work_ref: Any, task: Task, meta: dict[str, Any], ctx: Context
    ) -> dict[str, Any]:
        applied = 0
        while True:
            slot = min(range(len(self._load)), key=self._load.__getitem__)
            self._load[slot] += 1
            method = self._actors[slot].stream.options(num_returns="streaming")
            stream = method.remote(work_ref, task, meta)
            try:
                async for ref in stream:
                    kind, payload = await ref
                    if kind == "end":
                        return payload
                    _apply(ctx, *payload[1:])
                    applied += 1
                raise RuntimeError("the Ray actor's stream ended without the attempt's outcome")
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    ray.cancel(stream)
                raise
            except ray.exceptions.RayActorError as exc:
                if applied:  # its events are out already: a retry, not a silent re-send
                    raise RetryableError(f"the Ray actor running this attempt died: {exc}") from exc
                self.restarts += 1  # Ray restarts the actor; send the attempt again
            finally:
                self._load[slot] -= 1

    def close(self) -> None:
        """Drop the actors; shut down the local cluster if this backend started it."""
        if not self._actors and not self._started_ray:
            return
        import ray

        for actor in self._actors:
            with contextlib.suppress(Exception):
                ray.kill(actor)
        self._actors, self._load, self._works = [], [], {}
        if self._started_ray and ray.is_initialized():
            ray.shutdown()
        self._started_ray = False

    def __enter__(self) -> Ray:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.address or "local cluster"
        return f"Ray(address={where!r}, actors={self.n_actors}, restarts={self.restarts})"
