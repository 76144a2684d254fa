"""A fast in-process path for ``sim/`` calls: the same replies without litellm's call machinery.

Training lives on simulated episodes per minute, and most of a ``sim/`` call's real time is
spent in litellm's general path (request normalisation, logging hooks, cost lookups through
its price map) rather than in the simulation itself. With the fast path on, a ``sim/x`` call
made through :func:`~swarmnb.models.complete` goes straight to the in-process
:class:`~swarmnb.models.SimProvider` with the very parameters litellm would hand it, and its
cost is computed from the profile's prices with the same arithmetic as
``litellm.completion_cost``. Replies, usage, cost, latency and events are the same byte for
byte (a test runs the same seeds through both paths and compares the traces).

The fast path steps aside — the call goes through litellm as usual — whenever the difference
could show: for models other than ``sim/x``, when an ``api_base`` is given, when faults are
injected (``sim_faults=`` or :func:`~swarmnb.models.inject_faults`), or when litellm callbacks
are registered (someone is listening to litellm's logging).

It is off by default and switched per process (training workers switch it on)::

    from swarmnb.models import sim_fast_path

    with sim_fast_path():
        ep = swarm.solve_sync(scenario)       # same episode, a fraction of the real time

``SWARMNB_SIM_FAST=1`` in the environment switches it on at import.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from ._litellm import _nobody_listens, litellm
from .faults import active_plan
from .provider import _PROVIDER

__all__ = ["fast_sim_enabled", "sim_fast_acompletion", "sim_fast_path", "use_fast"]

_state = {"on": os.environ.get("SWARMNB_SIM_FAST", "") not in ("", "0", "false", "False")}
#: request keys litellm consumes itself rather than handing to the custom provider
_LITELLM_ONLY = frozenset({"model", "timeout", "drop_params", "api_key", "metadata"})
_DEFAULT_TIMEOUT = 600.0
_fix_messages = litellm.utils.validate_and_fix_openai_messages


def fast_sim_enabled() -> bool:
    """Whether ``sim/`` calls in this process take the fast path."""
    return _state["on"]


@contextlib.contextmanager
def sim_fast_path(enabled: bool = True) -> Iterator[None]:
    """Within the block, ``sim/`` calls in this process take the fast path (or not)."""
    before = _state["on"]
    _state["on"] = bool(enabled)
    try:
        yield
    finally:
        _state["on"] = before


def use_fast(request: dict[str, Any]) -> bool:
    """Whether a request (``ProviderCaller.request``) can take the fast path now."""
    if not _state["on"]:
        return False
    model = str(request.get("model", ""))
    if not model.startswith("sim/") or request.get("api_base") is not None:
        return False
    if request.get("response_format") is not None or request.get("sim_faults") is not None:
        return False
    if active_plan() is not None:
        return False
    return _nobody_listens()


async def sim_fast_acompletion(
    messages: list[dict[str, Any]], request: dict[str, Any], prompt_tokens: int | None = None
) -> Any:
    """What ``litellm.acompletion(messages=messages, **request)`` returns for a ``sim/`` model.

    ``prompt_tokens`` — ``estimate_tokens(messages, request["tools"])`` if the caller has it —
    is reused rather than counted again when litellm's clean-up cannot change it (every tool
    call in the messages is a plain dict).
    """
    if prompt_tokens is not None and not _plain_tool_calls(messages):
        prompt_tokens = None
    params = {k: v for k, v in request.items() if k not in _LITELLM_ONLY}
    # litellm's own message clean-up (drops None fields, normalises tool calls) — as it does
    messages = _fix_messages(messages=messages)
    timeout = request.get("timeout")
    return await _PROVIDER.acompletion(
        str(request["model"])[4:],
        messages,
        optional_params=params,
        timeout=float(timeout) if timeout is not None else _DEFAULT_TIMEOUT,
        sim_prompt_tokens=prompt_tokens,
    )


def _plain_tool_calls(messages: list[dict[str, Any]]) -> bool:
    # litellm dumps pydantic tool calls without their None fields, which changes their length
    for message in messages:
        calls = message.get("tool_calls")
        if calls and not (isinstance(calls, list) and all(type(c) is dict for c in calls)):
            return False
    return True
