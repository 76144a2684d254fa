"""Admission control: queue model calls within per-model concurrency, RPM and TPM limits.

Providers limit each key by requests in flight, requests per minute and tokens per minute;
going over earns 429s and backoff. litellm's own ``max_parallel_requests`` fails fast instead
of waiting, which turns a wide swarm into a storm of errors. :class:`AdmissionController`
instead makes each call *wait its turn* (first come, first served) until it fits, using the
event loop's clock — so under ``clock="virtual"`` the waits are simulated time.

Token accounting: a call is admitted with its estimated tokens (prompt + expected reply) and
settled with the real count when it returns, as providers do.

Example::

    limiter = AdmissionController(limits={"sim/small": ModelLimits(concurrency=8, rpm=600,
                                                                   tpm=200_000)})
    c = await complete(model="sim/small", messages=msgs, limiter=limiter)
    limiter.stats("sim/small")    # {'in_flight': 0, 'waiting': 0, 'admitted': 1, ...}
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from .._exceptions import ModelError

__all__ = ["AdmissionController", "Grant", "ModelLimits"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelLimits:
    """Limits for one model; ``None`` means unlimited."""

    concurrency: int | None = None  #: calls in flight at once
    rpm: int | None = None  #: requests started in any 60-second window
    tpm: int | None = None  #: tokens (in + out) of requests started in any 60-second window

    def __post_init__(self) -> None:
        for name in ("concurrency", "rpm", "tpm"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"ModelLimits.{name} must be an int ≥ 1 or None, not {value!r}")


class Grant:
    """One admitted call; :meth:`settle` replaces its token estimate with the real count."""

    __slots__ = ("_entry",)

    def __init__(self, entry: list[float]) -> None:
        self._entry = entry  # [start time, tokens] — shared with the gate's window

    def settle(self, tokens: int) -> None:
        self._entry[1] = float(tokens)


class _Gate:
    """The queue and windows of one model."""

    __slots__ = ("admitted", "in_flight", "limits", "loop", "peak", "timer", "waiters", "window")

    def __init__(self, limits: ModelLimits) -> None:
        self.limits = limits
        self.in_flight = 0
        self.peak = 0
        self.admitted = 0
        self.window: deque[list[float]] = deque()  # [start, tokens], oldest first
        self.waiters: deque[tuple[asyncio.Future[Grant], int]] = deque()
        self.timer: asyncio.TimerHandle | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def rebind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start afresh on a new loop: the old loop's times and waiters mean nothing here."""
        self.loop = loop
        self.in_flight = 0
        self.window.clear()
        self.waiters.clear()
        self.timer = None

    def wait_time(self, tokens: int, now: float, span: float) -> float:
        """0 if a call of ``tokens`` may start now; seconds until it might; inf if blocked."""
        lim = self.limits
        while self.window and self.window[0][0] <= now - span:
            self.window.popleft()
        if lim.concurrency is not None and self.in_flight >= lim.concurrency:
            return math.inf
        wait = 0.0
        if lim.rpm is not None and len(self.window) >= lim.rpm:
            wait = self.window[len(self.window) - lim.rpm][0] + span - now
        if lim.tpm is not None:
            used = sum(e[1] for e in self.window)
            for start, spent in self.window:
                if used + tokens <= lim.tpm:
                    break
                used -= spent
                wait = max(wait, start + span - now)
        return max(0.0, wait)

    def admit(self, tokens: int, now: float) -> Grant:
        entry = [now, float(tokens)]
        self.window.append(entry)
        self.in_flight += 1
        self.admitted += 1
        self.peak = max(self.peak, self.in_flight)
        return Grant(entry)


class AdmissionController:
    """Per-model queues enforcing :class:`ModelLimits`; models without limits pass freely.

    ``default`` applies to any model not named in ``limits``. A controller serves one event
    loop at a time (a run, or the notebook's loop); on the next loop it starts afresh.
    """

    def __init__(
        self,
        limits: Mapping[str, ModelLimits] | None = None,
        *,
        default: ModelLimits | None = None,
        window_s: float = 60.0,
    ) -> None:
        self.limits = dict(limits or {})
        self.default = default
        self.window_s = float(window_s)
        self._gates: dict[str, _Gate] = {}

    def limits_for(self, model: str) -> ModelLimits | None:
        return self.limits.get(model, self.default)

    def _gate(self, model: str) -> _Gate | None:
        gate = self._gates.get(model)
        if gate is None:
            limits = self.limits_for(model)
            if limits is None:
                return None
            gate = self._gates[model] = _Gate(limits)
        loop = asyncio.get_running_loop()
        if gate.loop is not loop:
            if gate.loop is not None and not gate.loop.is_closed():
                raise RuntimeError(
                    "this AdmissionController is in use on another event loop; "
                    "create one controller per run"
                )
            gate.rebind(loop)
        return gate

    @asynccontextmanager
    async def slot(self, model: str, *, tokens: int = 0) -> AsyncIterator[Grant]:
        """Wait until a call of about ``tokens`` tokens may start, hold a slot while it runs."""
        gate = self._gate(model)
        if gate is None:
            yield Grant([0.0, float(tokens)])
            return
        if gate.limits.tpm is not None and tokens > gate.limits.tpm:
            raise ModelError(
                f"{model}: a request of ~{tokens:,} tokens can never fit the limit of "
                f"{gate.limits.tpm:,} tokens per minute"
            )
        grant = await self._acquire(gate, tokens)
        try:
            yield grant
        finally:
            gate.in_flight -= 1
            self._pump(gate)

    async def _acquire(self, gate: _Gate, tokens: int) -> Grant:
        loop = asyncio.get_running_loop()
        if not gate.waiters and gate.wait_time(tokens, loop.time(), self.window_s) == 0.0:
            return gate.admit(tokens, loop.time())
        future: asyncio.Future[Grant] = loop.create_future()
        gate.waiters.append((future, tokens))
        self._pump(gate)
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # admitted just as we were cancelled
                gate.in_flight -= 1
            self._pump(gate)
            raise

    def _pump(self, gate: _Gate) -> None:
        """Admit waiters from the head of the queue while they fit; else set a wake-up timer."""
        loop = gate.loop
        if loop is None or loop.is_closed():
            return
        while gate.waiters:
            future, tokens = gate.waiters[0]
            if future.done():
                gate.waiters.popleft()
                continue
            now = loop.time()
            wait = gate.wait_time(tokens, now, self.window_s)
            if wait <= 1e-9:
                gate.waiters.popleft()
                future.set_result(gate.admit(tokens, now))
                continue
            if math.isfinite(wait):
                when = now + wait
                if gate.timer is None or gate.timer.when() > when or gate.timer.cancelled():
                    if gate.timer is not None:
                        gate.timer.cancel()
                    gate.timer = loop.call_at(when, self._on_timer, gate)
            return

    def _on_timer(self, gate: _Gate) -> None:
        gate.timer = None
        self._pump(gate)

    def stats(self, model: str) -> dict[str, Any]:
        """In flight, waiting, admitted so far and the peak in flight, for one model."""
        gate = self._gates.get(model)
        if gate is None:
            return {"in_flight": 0, "waiting": 0, "admitted": 0, "peak_in_flight": 0}
        return {
            "in_flight": gate.in_flight,
            "waiting": sum(1 for f, _ in gate.waiters if not f.done()),
            "admitted": gate.admitted,
            "peak_in_flight": gate.peak,
        }

    def __repr__(self) -> str:
        names = ", ".join(sorted(self.limits)) or "none"
        return f"<AdmissionController models=[{names}] default={self.default}>"
