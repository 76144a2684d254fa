""":class:`LocalBackend`: work runs in this process, on the run's own event loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
from typing import TYPE_CHECKING, Any

from ._base import WorkFn

if TYPE_CHECKING:
    from ...graph import Task
    from ..context import Context

__all__ = ["LocalBackend"]

_DEFAULT_WORKERS = 64


class LocalBackend:
    """Coroutines run on the run's loop; sync callables in a thread pool.

    The pool starts on the first sync call and grows one thread per concurrently running sync
    attempt, up to ``max_workers`` (64 by default; the run's ``max_concurrency`` bounds it
    too). Under the virtual clock the loop runs sync work inline, so it stays deterministic.

    Example::

        backend = sn.backends.LocalBackend(max_workers=4)
        run = await sn.run_graph(g, blocking_work, backend=backend)
        backend.close()
    """

    __slots__ = ("_async_cache", "_executor", "max_workers")

    def __init__(self, *, max_workers: int | None = None) -> None:
        if max_workers is not None and (not isinstance(max_workers, int) or max_workers < 1):
            raise ValueError(f"max_workers must be an int ≥ 1 or None, not {max_workers!r}")
        self.max_workers = max_workers
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._async_cache: dict[WorkFn, bool] = {}

    def is_async(self, work: WorkFn) -> bool:
        """Whether ``work`` is a coroutine function (or an object with an async ``__call__``)."""
        known = self._async_cache.get(work)
        if known is None:
            call = getattr(work, "__call__", None)  # noqa: B004 — async __call__ on objects
            known = inspect.iscoroutinefunction(work) or inspect.iscoroutinefunction(call)
            self._async_cache[work] = known
        return known

    async def run(self, work: WorkFn, task: Task, ctx: Context) -> Any:
        if self.is_async(work):
            return await work(task, ctx)
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                self.max_workers or _DEFAULT_WORKERS, thread_name_prefix="swarmnb-work"
            )
        result = await asyncio.get_running_loop().run_in_executor(self._executor, work, task, ctx)
        if inspect.isawaitable(result):
            result = await result
        return result

    def close(self) -> None:
        """Stop the thread pool (running sync work finishes; queued work is dropped)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> LocalBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LocalBackend(max_workers={self.max_workers})"
