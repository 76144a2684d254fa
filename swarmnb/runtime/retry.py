"""The one retry policy: which faults are transient, and how long to wait before trying again.

Both retry loops use it — the scheduler's (a task attempt that raised) and the model caller's
(one HTTP request, :mod:`swarmnb.models.retry`, which adds only litellm's exception types).

Example::

    is_retryable(TimeoutError())                       # True
    Backoff(base=0.5, cap=30.0).delay(0, random.Random(0))   # 0.25 … 0.5 s
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .._exceptions import RetryableError

__all__ = ["RETRYABLE_STATUS", "Backoff", "is_retryable"]

#: HTTP statuses that mean "try again later" (timeouts, conflicts, rate limits, 5xx).
RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})


def is_retryable(exc: BaseException) -> bool:
    """Transient faults: RetryableError, timeouts, and provider 429/5xx errors."""
    if isinstance(exc, RetryableError | TimeoutError):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and status in RETRYABLE_STATUS


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """Exponential backoff with jitter: ``full = min(cap, base · factor**retry)``.

    By default the upper ``jitter`` fraction of ``full`` is drawn at random (the wait is in
    ``[full·(1-jitter), full)``); ``centered=True`` spreads it around ``full`` instead
    (``[full·(1-jitter/2), full·(1+jitter/2))`` — the scheduler's "equal jitter" with
    ``jitter=1``). A provider's ``retry_after`` stretches the wait to at least that.
    """

    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.5
    centered: bool = False

    def __post_init__(self) -> None:
        if self.base < 0 or self.cap < 0 or self.factor < 1 or not 0 <= self.jitter <= 1:
            raise ValueError("Backoff needs base ≥ 0, cap ≥ 0, factor ≥ 1, 0 ≤ jitter ≤ 1")

    def delay(self, retry: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (0 for the first retry)."""
        full = min(self.cap, self.base * self.factor**retry)
        if self.centered:
            wait = full * ((1.0 - self.jitter / 2) + self.jitter * rng.random())
        else:
            wait = full * (1.0 - self.jitter) + full * self.jitter * rng.random()
        if retry_after is not None:
            # Honour the provider, plus a little spread so waiting callers do not stampede.
            wait = max(wait, retry_after * (1.0 + 0.1 * rng.random()))
        return wait
