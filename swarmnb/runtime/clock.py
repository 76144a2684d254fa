"""Real and virtual time for runs.

A run happens on an asyncio event loop. Under ``clock="real"`` it is the caller's loop. Under
``clock="virtual"`` it is a :class:`VirtualClockLoop`: whenever nothing is ready to run, the
loop jumps its clock to the next timer instead of waiting, so ``asyncio.sleep(5)`` inside work
(model latency, backoff, timeouts) costs no real time and every run with the same inputs sees
the same times. Executor jobs run inline (deterministic, zero simulated time). Real I/O still
works and costs no simulated time: while a subprocess pipe is open (a test run) the simulation
waits for it, so coding episodes stay deterministic; a socket gets up to the next timer's delay,
in real seconds, to answer before the clock jumps to the timer.

Example::

    loop = VirtualClockLoop()
    loop.run_until_complete(asyncio.sleep(3600))   # returns at once
    loop.time()                                     # 3600.0
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import selectors
import stat
import sys
import threading
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, Literal

__all__ = [
    "ClockName",
    "VirtualClockLoop",
    "check_clock",
    "run_blocking",
    "run_in_new_loop",
    "running_clock",
    "start_in_thread",
]

ClockName = Literal["real", "virtual"]


def check_clock(clock: str) -> ClockName:
    """Validate a ``clock=`` argument, with a clear message for typos."""
    if clock not in ("real", "virtual"):
        raise ValueError(f"clock must be 'real' or 'virtual', not {clock!r}")
    return clock  # type: ignore[return-value]


def running_clock() -> ClockName:
    """The clock of the running event loop, so work started from it keeps that clock.

    Call from a coroutine: ``"virtual"`` under a :class:`VirtualClockLoop`, else ``"real"``.
    """
    return "virtual" if isinstance(asyncio.get_running_loop(), VirtualClockLoop) else "real"


class _SkippingSelector:
    """Wraps the loop's selector: a wait with nothing real to wait for becomes a clock jump."""

    def __init__(self, real: selectors.BaseSelector, loop: VirtualClockLoop) -> None:
        self._real = real
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[Any]:
        if timeout is None or timeout == 0:  # ready work, or no timer at all: plain select
            return self._real.select(timeout)
        waiting_on = self._loop._real_io()
        if waiting_on == "pipe":
            # A subprocess is running (a test run): the simulation waits for it, for real, and
            # it costs no simulated time — so a coding episode stays deterministic.
            return self._real.select(None)
        # A socket gets up to `timeout` real seconds to answer, in no simulated time;
        # with nothing real to wait for (or no answer in time) the clock jumps to the timer.
        events = self._real.select(timeout if waiting_on == "socket" else 0)
        if not events:
            self._loop._now += timeout
        return events

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer when it would otherwise idle."""

    def __init__(self, start: float = 0.0) -> None:
        super().__init__()
        self._now = float(start)
        self._holds = 0
        self._subprocesses: weakref.WeakSet[Any] = weakref.WeakSet()
        self._selector = _SkippingSelector(self._selector, self)  # type: ignore[assignment]
        # Only the loop's self-pipe is registered at construction.
        self._baseline_fds = len(self._selector.get_map())

    def time(self) -> float:
        return self._now

    async def _make_subprocess_transport(self, *args: Any, **kwargs: Any) -> Any:
        transport = await super()._make_subprocess_transport(*args, **kwargs)  # type: ignore[misc]
        self._subprocesses.add(transport)
        return transport

    @contextlib.contextmanager
    def hold(self) -> Any:
        """While held, simulated time stands still and the loop waits, for real, for I/O.

        For work that runs outside the loop (another process, a cluster) and must finish
        before the simulation moves on, as a subprocess does.
        """
        self._holds += 1
        try:
            yield
        finally:
            self._holds -= 1

    def _real_io(self) -> str | None:
        """``"pipe"`` while a subprocess runs or the clock is held, ``"socket"`` for other I/O,
        else None."""
        if self._holds:
            return "pipe"
        # A child's exit reaches the loop from a watcher thread, after its pipes have closed:
        # until then it still counts, or a timer could overtake the end of a test run.
        if any(t.get_returncode() is None for t in list(self._subprocesses)):
            return "pipe"
        registered = self._selector.get_map()
        if len(registered) <= self._baseline_fds:
            return None
        for key in list(registered.values()):
            with contextlib.suppress(OSError):
                if stat.S_ISFIFO(os.fstat(key.fd).st_mode):
                    return "pipe"
        return "socket"

    def run_in_executor(self, executor: Any, func: Callable[..., Any], *args: Any) -> Any:
        """Run ``func`` inline, now, and return a finished future.

        A simulation must not depend on which thread finishes first: libraries hand work to
        executors (litellm runs every provider call through one), and thread timing would leak
        into the order of events. Inline, that work takes no simulated time and every run with
        the same inputs is identical.
        """
        future = self.create_future()
        try:
            result = func(*args)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future


def _new_loop(clock: ClockName) -> asyncio.AbstractEventLoop:
    return VirtualClockLoop() if clock == "virtual" else asyncio.new_event_loop()


def run_in_new_loop(coro_fn: Callable[[], Coroutine[Any, Any, Any]], clock: ClockName) -> Any:
    """Run ``coro_fn()`` to completion on a fresh loop of the given clock, in this thread."""
    loop = _new_loop(clock)
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(coro_fn())
    finally:
        try:
            _cancel_leftovers(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel tasks still pending on a loop about to close (as ``asyncio.run`` does).

    Libraries start background tasks on whatever loop they meet (litellm's logging worker,
    for one); cancelling them here keeps a closed loop from printing "Task was destroyed".
    """
    models = sys.modules.get("swarmnb.models")
    if models is not None:  # let litellm finish its logging on this loop, then stop its worker
        loop.run_until_complete(models.flush_logging())
    leftovers = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in leftovers:
        task.cancel()
    if leftovers:
        loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))


def start_in_thread(
    coro_fn: Callable[[], Coroutine[Any, Any, Any]],
    clock: ClockName,
    *,
    name: str = "swarmnb-run",
) -> concurrent.futures.Future[Any]:
    """Run ``coro_fn()`` on a fresh loop in a daemon thread; return a future of its result.

    Used when a virtual-clock run is started from inside a running (real) loop, such as a
    notebook cell: the caller's loop keeps serving widgets while the run's own loop runs.
    """
    result: concurrent.futures.Future[Any] = concurrent.futures.Future()

    def _main() -> None:
        if not result.set_running_or_notify_cancel():
            return
        try:
            value = run_in_new_loop(coro_fn, clock)
        except BaseException as exc:  # handed to the awaiting side, never lost
            result.set_exception(exc)
        else:
            result.set_result(value)

    threading.Thread(target=_main, name=name, daemon=True).start()
    return result


def run_blocking(coro_fn: Callable[[], Coroutine[Any, Any, Any]], clock: ClockName) -> Any:
    """Run ``coro_fn()`` to completion from synchronous code and return its result.

    From plain code it gets a fresh loop in this thread; from inside a running loop (a
    notebook cell) it gets one in a worker thread while this thread waits.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run_in_new_loop(coro_fn, clock)
    return start_in_thread(coro_fn, clock).result()
