"""The :class:`Backend` protocol: run one attempt of a task's work somewhere, and close."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ...graph import Task
    from ..context import Context

__all__ = ["Backend", "WorkFn"]

#: A work callable: ``work(task, ctx)``, async or sync, returning the task's value.
WorkFn = Callable[["Task", "Context"], Any]


@runtime_checkable
class Backend(Protocol):
    """Executes attempts for the scheduler; holds no task state of its own.

    ``run`` is awaited on the run's event loop once per attempt. It returns the value of
    ``work(task, ctx)`` or raises what the work raised — the scheduler classifies the outcome
    (retry, fail, cancel), applies the task's timeout around the call, and emits the events.
    Cancellation arrives as :class:`asyncio.CancelledError` in ``run``: stop the work if you
    can. ``ctx`` stays on the run's loop: a backend that ships work elsewhere passes what the
    work needs (``task``, ``ctx.inputs``, ``ctx.seed``) and reports usage back through ``ctx``.

    ``close`` releases what the backend holds (threads, a cluster connection); the run calls
    it only for a backend it created itself.

    Example::

        class Inline:
            async def run(self, work, task, ctx):
                return work(task, ctx)
            def close(self) -> None:
                pass
    """

    async def run(self, work: WorkFn, task: Task, ctx: Context) -> Any: ...

    def close(self) -> None: ...
