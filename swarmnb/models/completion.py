"""``complete()``: one model step through litellm, with everything a swarm needs around it.

A subagent or orchestrator step is more than ``litellm.acompletion``: the run's budget must be
checked *before* the call, usage recorded *after*, a ``model.call`` event emitted for the
dashboard and the metrics, transient faults retried with backoff, calls queued within the
provider's rate limits, identical requests served from a cache, and malformed output (bad
tool JSON, an unknown tool, a wrong argument type, JSON that does not fit the schema) sent
back for repair instead of crashing the step. :func:`complete` does all of it, for the
offline ``sim/`` models and for any real litellm model string alike.

Example::

    from swarmnb.models import complete

    c = await complete(
        model="sim/small",
        messages=[{"role": "user", "content": "search for the capital of France"}],
        tools=[SEARCH_TOOL],
        ctx=ctx,                    # inside a task: budget, usage and events
        seed=ctx.seed,
    )
    c.tool_calls    # [ToolCall(search(query='...'), id='call_...')]
    messages.append(c.message)     # the assistant turn, ready for the history
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import pydantic

from .._exceptions import ModelError, StructuredOutputError
from ._call import ProviderCaller
from ._litellm import litellm
from .admission import AdmissionController
from .cache import ResponseCache, request_key
from .pricing import call_cost, estimate_cost
from .provider import register_sim_provider
from .retry import Backoff
from .sim import plain_messages, sim_profile_or_none
from .sim_params import DEFAULT_OUTPUT_ESTIMATE
from .structured import (
    MAX_REPAIRS,
    InvalidOutput,
    ToolCall,
    parse_structured,
    parse_tool_calls,
    response_format_for,
    tool_parameters,
)
from .tokens import estimate_tokens

__all__ = ["Completion", "complete"]

#: Keyword arguments only the in-process sim provider understands.
SIM_ONLY_KWARGS = frozenset({"sim_faults", "sim_latency_scale"})
#: Parameters that do not change the reply, so they stay out of the cache key.
_NOT_IN_KEY = frozenset(
    {
        "timeout",
        "api_key",
        "metadata",
        "drop_params",
        "num_retries",
        "max_retries",
        "user",
        "extra_headers",
        "stream_options",
        *SIM_ONLY_KWARGS,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Completion:
    """The outcome of one :func:`complete` call.

    Usage figures are totals over every provider call it took (the first reply and any
    repairs); a cache hit reports zero tokens and ``cost_usd == 0``. ``latency_s`` is the time
    the caller waited, on the loop's clock (simulated seconds under the virtual clock).
    ``raw`` is the last litellm ``ModelResponse``.
    """

    content: str | None
    tool_calls: list[ToolCall] = field(default_factory=list)
    parsed: Any = None
    model: str
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0
    cached: bool = False
    raw: Any = None
    calls: int = 0  #: provider replies received (0 for a cache hit)
    repairs: int = 0  #: repair turns needed before the reply validated
    retries: int = 0  #: transient failures retried along the way

    @property
    def message(self) -> dict[str, Any]:
        """The assistant turn in OpenAI format, to append to the conversation."""
        msg: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            msg["tool_calls"] = [tc.to_openai() for tc in self.tool_calls]
        return msg

    def __repr__(self) -> str:
        if self.tool_calls:
            what = "tool_calls=[" + ", ".join(tc.name for tc in self.tool_calls) + "]"
        else:
            text = (self.content or "").replace("\n", " ")
            what = f"content={text[:40] + '…' if len(text) > 40 else text!r}"
        extra = " cached" if self.cached else ""
        extra += f" repairs={self.repairs}" if self.repairs else ""
        extra += f" retries={self.retries}" if self.retries else ""
        extra += " (simulated)" if sim_profile_or_none(self.model) is not None else ""
        return (
            f"<Completion {self.model} {what} tokens={self.tokens_in}→{self.tokens_out} "
            f"${self.cost_usd:.6f} {self.latency_s:.2f}s{extra}>"
        )


def _reserve(ctx: Any, usd: float, tokens: int) -> AbstractContextManager[Any]:
    reserve = getattr(ctx, "reserve", None)
    return reserve(usd=usd, tokens=tokens) if reserve is not None else nullcontext()


async def complete(
    model: str,
    messages: Sequence[Any],
    *,
    tools: Sequence[dict[str, Any]] | None = None,
    tool_choice: Any = None,
    ctx: Any = None,
    seed: int | None = None,
    response_model: type[pydantic.BaseModel] | None = None,
    cache: ResponseCache | None = None,
    limiter: AdmissionController | None = None,
    max_retries: int = 4,
    timeout: float | None = None,
    api_base: str | None = None,
    api_key: str | None = None,
    backoff: Backoff | None = None,
    max_repairs: int = MAX_REPAIRS,
    **litellm_kwargs: Any,
) -> Completion:
    """Call ``model`` once (plus retries and repairs) and return a validated :class:`Completion`.

    ``ctx`` — a task's :class:`~swarmnb.Context` (or anything with ``emit``; ``reserve`` and
    ``record_usage`` are used when present): reserves the estimated cost before the call,
    records tokens, dollars and one step per reply, and emits one ``model.call`` event per
    reply. ``seed`` goes to the provider (the sim's replies are a function of it); by default
    it is the run's seed (``ctx.seed``) inside a task, else 0. ``response_model`` asks for
    JSON matching a pydantic model and returns the instance as ``parsed``. Remaining keyword
    arguments go to ``litellm.acompletion`` (``temperature``, ``max_tokens``, …;
    ``sim_faults=`` and ``sim_latency_scale=`` for the sim).

    Raises :class:`~swarmnb.BudgetExceeded` before any call that would not fit the budget,
    :class:`TransientModelError` (a :class:`~swarmnb.RetryableError`) when transient faults
    outlast ``max_retries``, :class:`~swarmnb.ModelError` for errors that retrying cannot fix,
    and :class:`~swarmnb.StructuredOutputError` when the output is still invalid after
    ``max_repairs`` repair turns.
    """
    if max_retries < 0 or max_repairs < 0:
        raise ValueError("max_retries and max_repairs must be ≥ 0")
    register_sim_provider()
    if seed is None:
        seed = int(getattr(ctx, "seed", 0) or 0)
    msgs = plain_messages(messages)
    if not msgs:
        raise ValueError("messages must not be empty")
    tool_list = list(tools) if tools else None
    tool_parameters(tool_list)  # a malformed tool list is the caller's bug: fail loudly now
    if not model.startswith("sim/"):
        for name in SIM_ONLY_KWARGS:
            litellm_kwargs.pop(name, None)
    if response_model is not None:
        litellm_kwargs["response_format"] = response_format_for(response_model)
    litellm_kwargs.setdefault("drop_params", True)
    loop = asyncio.get_running_loop()
    started = loop.time()
    tokens_in_est = estimate_tokens(msgs, tool_list)
    out_est = int(
        litellm_kwargs.get("max_tokens")
        or litellm_kwargs.get("max_completion_tokens")
        or DEFAULT_OUTPUT_ESTIMATE
    )
    key = None
    if cache is not None:
        params = {k: v for k, v in litellm_kwargs.items() if k not in _NOT_IN_KEY}
        key = request_key(
            model=model,
            messages=msgs,
            tools=tool_list,
            tool_choice=tool_choice,
            seed=seed,
            api_base=api_base,
            params=params,
        )
        hit = _from_cache(cache, key, model, tool_list, response_model, ctx, loop.time() - started)
        if hit is not None:
            return hit

    caller = ProviderCaller(
        model=model,
        tools=tool_list,
        tool_choice=tool_choice,
        seed=seed,
        limiter=limiter,
        max_retries=max_retries,
        timeout=timeout,
        api_base=api_base,
        api_key=api_key,
        backoff=backoff or Backoff(),
        kwargs=litellm_kwargs,
        tokens_est=tokens_in_est + out_est,
    )
    totals = {"tokens_in": 0, "tokens_out": 0, "cost_usd": 0.0}
    convo = msgs
    problem: InvalidOutput | None = None
    with _reserve(ctx, estimate_cost(model, tokens_in_est, out_est), tokens_in_est + out_est):
        for repair in range(max_repairs + 1):
            raw, latency = await caller.call(convo, tokens_in_est if convo is msgs else None)
            usage = getattr(raw, "usage", None)
            t_in = int(getattr(usage, "prompt_tokens", 0) or 0)
            t_out = int(getattr(usage, "completion_tokens", 0) or 0)
            cost = call_cost(model, raw)
            totals["tokens_in"] += t_in
            totals["tokens_out"] += t_out
            totals["cost_usd"] += cost
            _account(ctx, model, t_in, t_out, cost, latency, cached=False, repair=repair)
            message = _message_of(raw, model)
            try:
                calls = parse_tool_calls(message, tool_list)
                parsed = None
                if response_model is not None and not calls:
                    parsed = parse_structured(message.get("content"), response_model)
            except InvalidOutput as bad:
                problem = bad
                convo = [*convo, *bad.repair]
                continue
            if cache is not None and key is not None:
                cache.put(key, raw.model_dump(), model=model)
            return Completion(
                content=message.get("content"),
                tool_calls=calls,
                parsed=parsed,
                model=model,
                tokens_in=totals["tokens_in"],
                tokens_out=totals["tokens_out"],
                cost_usd=totals["cost_usd"],
                latency_s=loop.time() - started,
                cached=False,
                raw=raw,
                calls=repair + 1,
                repairs=repair,
                retries=caller.retries,
            )
    raise StructuredOutputError(
        f"{model}: output still invalid after {max_repairs} repair turns: {problem}"
    )


def _message_of(raw: Any, model: str) -> dict[str, Any]:
    try:
        message = raw.choices[0].message
    except (AttributeError, IndexError) as exc:
        raise ModelError(f"{model}: reply has no message: {raw!r:.200}") from exc
    return message.model_dump() if hasattr(message, "model_dump") else dict(message)


def _account(
    ctx: Any,
    model: str,
    t_in: int,
    t_out: int,
    cost: float,
    latency: float,
    *,
    cached: bool,
    repair: int = 0,
) -> None:
    if ctx is None:
        return
    record = getattr(ctx, "record_usage", None)
    if record is not None:
        record(tokens_in=t_in, tokens_out=t_out, cost_usd=cost, steps=1)
    emit = getattr(ctx, "emit", None)
    if emit is not None:
        fields: dict[str, Any] = {
            "model": model,
            "tokens_in": t_in,
            "tokens_out": t_out,
            "cost_usd": cost,
            "latency_s": latency,
            "cached": cached,
        }
        if repair:
            fields["repair"] = repair
        emit("model.call", **fields)


def _from_cache(
    cache: ResponseCache,
    key: str,
    model: str,
    tools: list[dict[str, Any]] | None,
    response_model: type[pydantic.BaseModel] | None,
    ctx: Any,
    waited: float,
) -> Completion | None:
    body = cache.get(key)
    if body is None:
        return None
    try:
        raw = litellm.ModelResponse(**body)
        message = _message_of(raw, model)
        calls = parse_tool_calls(message, tools)
        parsed = None
        if response_model is not None and not calls:
            parsed = parse_structured(message.get("content"), response_model)
    except (InvalidOutput, ModelError, TypeError, ValueError):
        return None  # a stale or foreign entry: ask the provider instead
    _account(ctx, model, 0, 0, 0.0, 0.0, cached=True)
    return Completion(
        content=message.get("content"),
        tool_calls=calls,
        parsed=parsed,
        model=model,
        latency_s=waited,
        cached=True,
        raw=raw,
        calls=0,
    )
