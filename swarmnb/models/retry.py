"""Which model errors are worth retrying, and how long to wait before the next try.

Rate limits (429), server errors (5xx), timeouts and dropped connections are transient: the
same request usually succeeds a little later. Everything else — a bad request, a missing
key, a prompt longer than the context window — fails the same way every time, so it is raised
at once as :class:`~swarmnb.ModelError`.

The wait grows exponentially with jitter (so many callers hit by one outage do not retry in
lock-step), and a provider's ``Retry-After`` header is honoured: the wait is never shorter.
Waits use ``asyncio.sleep``, so they cost no real time under the virtual clock.

Example::

    backoff = Backoff(base=0.5, cap=30.0)
    backoff.delay(0, rng)                    # 0.25 … 0.5 s before the first retry
    backoff.delay(3, rng, retry_after=10.0)  # ≥ 10 s: the provider asked for it
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import time
from dataclasses import dataclass
from typing import Any

import httpx

from .._exceptions import TransientModelError
from ._litellm import litellm

__all__ = ["TRANSIENT_STATUS", "Backoff", "TransientModelError", "is_transient", "retry_after_of"]

#: HTTP statuses that mean "try again later".
TRANSIENT_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})

_TRANSIENT_TYPES: tuple[type[BaseException], ...] = (
    litellm.RateLimitError,
    litellm.Timeout,
    litellm.APIConnectionError,
    litellm.InternalServerError,
    litellm.ServiceUnavailableError,
    litellm.BadGatewayError,
    TimeoutError,
    asyncio.TimeoutError,
    httpx.TransportError,
)


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the same request later may succeed."""
    if isinstance(exc, litellm.ContextWindowExceededError):
        return False
    if isinstance(exc, _TRANSIENT_TYPES):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and status in TRANSIENT_STATUS


def _header_sources(exc: BaseException) -> list[Any]:
    """Where a provider's response headers may sit on an exception (litellm moves them)."""
    sources = []
    try:
        response = getattr(exc, "response", None)
    except Exception:  # some exception types raise on .response when there is none
        response = None
    for headers in (
        getattr(response, "headers", None),
        getattr(exc, "litellm_response_headers", None),
        getattr(exc, "headers", None),
    ):
        if headers:
            sources.append(headers)
    return sources


def _parse_retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return max(0.0, float(value) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def retry_after_of(exc: BaseException) -> float | None:
    """Seconds the provider asked us to wait (``retry-after-ms`` / ``retry-after``), if any."""
    for headers in _header_sources(exc):
        seconds = _parse_retry_after(headers)
        if seconds is not None:
            return seconds
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """Exponential backoff with jitter: ``min(cap, base · factor**n)``, the upper ``jitter``
    fraction of it drawn at random; a ``retry_after`` stretches the wait to at least that."""

    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.base < 0 or self.cap < 0 or self.factor < 1 or not 0 <= self.jitter <= 1:
            raise ValueError("Backoff needs base ≥ 0, cap ≥ 0, factor ≥ 1, 0 ≤ jitter ≤ 1")

    def delay(self, retry: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (0 for the first retry)."""
        full = min(self.cap, self.base * self.factor**retry)
        wait = full * (1.0 - self.jitter) + full * self.jitter * rng.random()
        if retry_after is not None:
            # Honour the provider, plus a little spread so waiting callers do not stampede.
            wait = max(wait, retry_after * (1.0 + 0.1 * rng.random()))
        return wait
