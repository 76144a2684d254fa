"""One provider reply: ``litellm.acompletion`` with admission control, timeout and retries.

:func:`~swarmnb.models.complete` asks for a reply once per repair turn; each ask goes through a
:class:`ProviderCaller`, which waits for a slot from the admission controller (if any), bounds
the attempt with ``timeout`` on the loop's clock, and retries transient faults with
:class:`~swarmnb.models.retry.Backoff`. litellm's own retries are switched off
(``max_retries=0``) so there is exactly one retry policy, visible and seeded.

Example::

    caller = ProviderCaller(model="sim/small", tools=None, tool_choice=None, seed=0,
                            limiter=None, max_retries=4, timeout=30.0, api_base=None,
                            api_key=None, backoff=Backoff(), kwargs={}, tokens_est=300)
    raw, latency_s = await caller.call(messages)
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from .._exceptions import ModelError, SwarmError
from ._litellm import litellm, quiet_logging
from .admission import AdmissionController, Grant
from .fast_sim import sim_fast_acompletion, use_fast
from .retry import Backoff, TransientModelError, is_transient, retry_after_of

__all__ = ["ProviderCaller", "describe"]


class _FreeSlot:
    """The slot of a call without admission control: granted at once (a plain async context
    manager — a generator-based one costs several times more, on every call)."""

    __slots__ = ("_grant",)

    def __init__(self, tokens: int) -> None:
        self._grant = Grant([0.0, float(tokens)])

    async def __aenter__(self) -> Grant:
        return self._grant

    async def __aexit__(self, *exc: object) -> None:
        return None


def describe(exc: BaseException) -> str:
    """The provider's own message for an exception (litellm keeps it in ``.message``)."""
    return str(getattr(exc, "message", None) or exc) or type(exc).__name__


class ProviderCaller:
    """The retry loop around ``litellm.acompletion`` (with admission control and timeout)."""

    def __init__(
        self,
        *,
        model: str,
        tools: list[dict[str, Any]] | None,
        tool_choice: Any,
        seed: int | None,
        limiter: AdmissionController | None,
        max_retries: int,
        timeout: float | None,
        api_base: str | None,
        api_key: str | None,
        backoff: Backoff,
        kwargs: dict[str, Any],
        tokens_est: int,
    ) -> None:
        self.model = model
        self.limiter = limiter
        self.max_retries = max_retries
        self.timeout = timeout
        self.backoff = backoff
        self.tokens_est = tokens_est
        self.retries = 0
        self._rng_seed = f"{seed}:{model}:backoff"
        self._rng: random.Random | None = None
        request: dict[str, Any] = {"model": model, **kwargs, "max_retries": 0}
        optional = {
            "tools": tools,
            "tool_choice": tool_choice,
            "seed": seed,
            "timeout": timeout,
            "api_base": api_base,
            "api_key": api_key,
        }
        request.update({k: v for k, v in optional.items() if v is not None})
        self.request = request

    @property
    def rng(self) -> random.Random:
        """The backoff's jitter, seeded per (seed, model); made at the first retry (seeding
        from a string hashes it, and most calls never retry)."""
        if self._rng is None:
            self._rng = random.Random(self._rng_seed)
        return self._rng

    def __repr__(self) -> str:
        return (
            f"<ProviderCaller {self.model} max_retries={self.max_retries} "
            f"timeout={self.timeout} retries={self.retries}>"
        )

    async def call(
        self, messages: list[dict[str, Any]], prompt_tokens: int | None = None
    ) -> tuple[Any, float]:
        """One reply (``ModelResponse``) and the seconds its successful attempt took.

        ``prompt_tokens`` is the caller's ``estimate_tokens`` of ``messages`` (and the tools),
        which the fast sim path reuses."""
        loop = asyncio.get_running_loop()
        last: BaseException | None = None
        for attempt in range(self.max_retries + 1):
            try:
                slot = (
                    self.limiter.slot(self.model, tokens=self.tokens_est)
                    if self.limiter is not None
                    else _FreeSlot(self.tokens_est)
                )
                async with slot as grant:
                    t0 = loop.time()
                    async with asyncio.timeout(self.timeout):
                        if use_fast(self.request):
                            raw = await sim_fast_acompletion(messages, self.request, prompt_tokens)
                        else:
                            with quiet_logging():
                                raw = await litellm.acompletion(messages=messages, **self.request)
                    usage = getattr(raw, "usage", None)
                    grant.settle(int(getattr(usage, "total_tokens", 0) or 0) or self.tokens_est)
                return raw, loop.time() - t0
            except SwarmError:
                raise
            except Exception as exc:
                if not is_transient(exc):
                    raise ModelError(f"{self.model}: {describe(exc)}") from exc
                last = exc
                if attempt == self.max_retries:
                    break
                self.retries += 1
                await asyncio.sleep(self.backoff.delay(attempt, self.rng, retry_after_of(exc)))
        assert last is not None
        raise TransientModelError(
            f"{self.model}: still failing after {self.max_retries + 1} attempts: {describe(last)}",
            retry_after=retry_after_of(last),
        ) from last
