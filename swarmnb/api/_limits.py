"""Per-token rate limits (token buckets) and the request-size limit (an ASGI middleware).

Why buckets: a client may burst (a notebook submitting a batch) but not sustain more than its
rate; the refusal says when to come back (``Retry-After``), so well-behaved clients slow down
instead of failing.

Example::

    bucket = RateLimiter()
    wait = bucket.take("token-hash", rate=10, burst=20)   # 0.0: allowed; > 0: retry after
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["BodyLimit", "RateLimiter"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class RateLimiter:
    """Token buckets keyed by token hash; ``take`` returns 0 or the seconds to wait."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, last refill)

    def take(self, key: str, *, rate: float, burst: float) -> float:
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (burst, now))
            tokens = min(burst, tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / rate


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413 (``large`` for listed path suffixes).

    Checks ``Content-Length`` up front; a body without one (chunked) is read here up to the
    limit before the handler sees it, so no handler ever reads more than the limit.
    """

    def __init__(
        self, app: ASGIApp, *, limit: int, large: int, large_suffixes: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.limit = limit
        self.large = large
        self.large_suffixes = large_suffixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self.large if path.endswith(self.large_suffixes) else self.limit
        length = None
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit():
                length = int(value)
        if length is not None:
            if length > limit:
                await _too_large(send, limit)
                return
            await self.app(scope, receive, send)
            return
        # no length (a chunked upload): read it here, up to the limit, then hand it on
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > limit:
                await _too_large(send, limit)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"request body larger than {limit} bytes"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
