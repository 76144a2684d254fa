"""Fault injection for the ``sim/`` models: rate limits, server errors, timeouts, bad output.

A :class:`FaultPlan` is a queue of faults that the next calls consume, in a fixed order:
first the rate limits, then server errors, then timeouts, then malformed replies. Pass one per
call (``sim_faults=plan`` — the same object across the retries of :func:`complete`, so its
counts go down), or make it apply to every sim call in a block with :func:`inject_faults`.

Example::

    plan = FaultPlan(rate_limit=2, retry_after=1.5)
    c = await complete(model="sim/small", messages=msgs, sim_faults=plan)
    plan.remaining   # {'rate_limit': 0, ...}: both 429s were met and retried
    plan.injected    # ['rate_limit', 'rate_limit']

    with inject_faults(malformed=1):
        c = await complete(model="sim/small", messages=msgs, tools=tools)   # repaired once
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

__all__ = ["FAULT_KINDS", "FaultKind", "FaultPlan", "MalformedKind", "active_plan", "inject_faults"]

FaultKind = Literal["rate_limit", "server_error", "timeout", "malformed"]
MalformedKind = Literal["bad_json", "unknown_tool", "wrong_type"]
FAULT_KINDS: tuple[FaultKind, ...] = ("rate_limit", "server_error", "timeout", "malformed")


class FaultPlan:
    """Faults for the next calls; thread-safe, so a plan may serve several runs at once.

    * ``rate_limit`` — calls answered with HTTP 429 and a ``Retry-After: retry_after`` header.
    * ``server_error`` — calls answered with HTTP 500.
    * ``timeout`` — calls that hang for ``hang_s`` seconds (default: the request's timeout)
      and then fail with a timeout, like a provider that never answers.
    * ``malformed`` — calls whose reply is corrupted as ``malformed_kind`` says (truncated
      tool-argument JSON, an unknown tool name, or a wrongly typed argument).
    """

    __slots__ = ("_left", "_lock", "hang_s", "injected", "malformed_kind", "retry_after")

    def __init__(
        self,
        *,
        rate_limit: int = 0,
        server_error: int = 0,
        timeout: int = 0,
        malformed: int = 0,
        retry_after: float = 1.0,
        hang_s: float | None = None,
        malformed_kind: MalformedKind = "bad_json",
    ) -> None:
        counts = {
            "rate_limit": rate_limit,
            "server_error": server_error,
            "timeout": timeout,
            "malformed": malformed,
        }
        for kind, n in counts.items():
            if not isinstance(n, int) or n < 0:
                raise ValueError(f"FaultPlan.{kind} must be an int ≥ 0, not {n!r}")
        if retry_after < 0:
            raise ValueError("FaultPlan.retry_after must be ≥ 0")
        if malformed_kind not in ("bad_json", "unknown_tool", "wrong_type"):
            raise ValueError(f"unknown malformed_kind {malformed_kind!r}")
        self._left: dict[str, int] = counts
        self._lock = threading.Lock()
        self.retry_after = float(retry_after)
        self.hang_s = hang_s
        self.malformed_kind: MalformedKind = malformed_kind
        self.injected: list[FaultKind] = []  #: the faults handed out so far, in order

    def take(self) -> FaultKind | None:
        """The fault for the next call (consuming it), or ``None`` for a clean call."""
        with self._lock:
            for kind in FAULT_KINDS:
                if self._left[kind] > 0:
                    self._left[kind] -= 1
                    self.injected.append(kind)
                    return kind
        return None

    @property
    def remaining(self) -> dict[str, int]:
        with self._lock:
            return dict(self._left)

    @property
    def exhausted(self) -> bool:
        return not any(self.remaining.values())

    def __repr__(self) -> str:
        left = ", ".join(f"{k}={v}" for k, v in self.remaining.items() if v)
        return f"FaultPlan({left or 'exhausted'}, injected={len(self.injected)})"


_active: list[FaultPlan] = []
_active_lock = threading.Lock()


def active_plan() -> FaultPlan | None:
    """The innermost plan installed by :func:`inject_faults`, if any."""
    with _active_lock:
        return _active[-1] if _active else None


@contextmanager
def inject_faults(
    plan: FaultPlan | None = None,
    **counts: int | float | str | None,
) -> Iterator[FaultPlan]:
    """Apply a fault plan to every in-process ``sim/`` call (any thread) inside the block.

    A per-call ``sim_faults=`` plan takes precedence. Yields the plan so a test can inspect
    ``plan.injected`` afterwards.
    """
    if plan is None:
        plan = FaultPlan(**counts)  # type: ignore[arg-type]
    elif counts:
        raise TypeError("pass either a FaultPlan or counts, not both")
    with _active_lock:
        _active.append(plan)
    try:
        yield plan
    finally:
        with _active_lock:
            _active.remove(plan)
