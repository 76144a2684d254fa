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
import time
from typing import Any

import httpx

from .._exceptions import TransientModelError
from ..runtime.retry import RETRYABLE_STATUS, Backoff
from ._litellm import litellm

__all__ = ["TRANSIENT_STATUS", "Backoff", "TransientModelError", "is_transient", "retry_after_of"]

#: HTTP statuses that mean "try again later" (the runtime's one set).
TRANSIENT_STATUS = RETRYABLE_STATUS

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
    return isinstance(status, int) and status in RETRYABLE_STATUS


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
