"""The one place swarmnb.models imports litellm, and how to let go of it when a loop ends.

litellm fetches its model price map over the network at import time unless
``LITELLM_LOCAL_MODEL_COST_MAP`` is set first; swarmnb must import offline, in CI and on
Binder alike, so every module here imports litellm through this shim::

    from ._litellm import litellm

litellm logs each successful call from a background task, through one process-wide worker
bound to whichever event loop called last. swarmnb runs models on several loops (each
``clock="virtual"`` run has its own, in its own thread), which makes that worker hop between
loops, lose tasks and leave them pending on closed loops. swarmnb does its own accounting
(usage, cost, events), so when no litellm callback is registered, :func:`quiet_logging` marks
the call as one litellm need not log. When callbacks *are* registered (Langfuse, …) they are
honoured, and :func:`flush_logging` should be awaited last thing on a loop about to close.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator
from contextvars import ContextVar

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm

# litellm prints a "Give Feedback / Get Help" banner to stdout on every provider exception it
# maps; swarmnb retries 429s and timeouts routinely, and notebooks would fill with it.
litellm.suppress_debug_info = True

__all__ = ["flush_logging", "litellm", "quiet_logging"]

try:  # litellm's own switch for "do not log or bill this call" (used for its nested calls)
    from litellm._internal_context import is_internal_call as _unlogged
except ImportError:  # another litellm version: keep its default logging
    _unlogged: ContextVar[bool] | None = None  # type: ignore[no-redef]

_CALLBACK_LISTS = (
    "callbacks",
    "input_callback",
    "success_callback",
    "failure_callback",
    "_async_success_callback",
    "_async_failure_callback",
    "_async_input_callback",
    "service_callback",
)


def _nobody_listens() -> bool:
    return not any(getattr(litellm, name, None) for name in _CALLBACK_LISTS)


@contextlib.contextmanager
def quiet_logging() -> Iterator[None]:
    """Within the block (this task only), skip litellm's success logging if no callback is
    registered — there is nothing to log to, and the background worker is loop-unsafe."""
    if _unlogged is None or not _nobody_listens():
        yield
        return
    token = _unlogged.set(True)
    try:
        yield
    finally:
        _unlogged.reset(token)


async def flush_logging(timeout: float = 5.0) -> None:
    """Finish litellm's pending success logging on the running loop, then stop its worker.

    Safe to call any number of times; the worker restarts on the next model call.
    """
    try:
        from litellm.litellm_core_utils.logging_worker import GLOBAL_LOGGING_WORKER as worker
    except ImportError:  # a litellm without the worker: nothing to do
        return
    with contextlib.suppress(Exception):
        await asyncio.wait_for(worker.flush(), timeout)
    with contextlib.suppress(Exception):
        await worker.stop()
