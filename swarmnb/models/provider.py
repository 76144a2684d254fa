"""The ``sim/`` provider inside litellm: ``litellm.acompletion(model="sim/small", ...)``.

Importing :mod:`swarmnb.models` registers :class:`SimProvider` in
``litellm.custom_provider_map`` (appending; other custom providers stay), so any code that
calls litellm — swarmnb's own :func:`~swarmnb.models.complete`, a user's script, a library —
can use the four sim models offline. Replies come from :func:`~swarmnb.models.sim.simulate`;
latency is slept with ``asyncio.sleep`` so it is virtual under ``clock="virtual"``.

Extra keyword arguments the provider understands (ignored by real providers, and stripped by
:func:`~swarmnb.models.complete` before a real call):

* ``sim_faults=FaultPlan(...)`` — inject 429s, 500s, timeouts or malformed replies;
* ``sim_latency_scale=0.0`` — scale the simulated latency (0 for fast real-clock tests).

Example::

    import litellm, swarmnb.models
    r = await litellm.acompletion(model="sim/small", messages=[...], tools=[...], seed=1)
    r.choices[0].message.tool_calls, r.usage
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from ._litellm import litellm
from .faults import FaultPlan, active_plan
from .sim import ContextOverflow, SimOutcome, UnknownSimModel, simulate
from .sim_params import SIM_PROFILES

__all__ = ["SimProvider", "register_sim_provider", "to_model_response"]

_types = litellm.types.utils


class SimProvider(litellm.CustomLLM):
    """litellm custom provider serving the ``sim/`` profiles in-process."""

    async def acompletion(
        self,
        model: str,
        messages: list,
        *args: Any,
        sim_prompt_tokens: int | None = None,
        **kwargs: Any,
    ) -> Any:
        """The reply litellm hands back; ``sim_prompt_tokens`` (the fast path's own count of the
        prompt, see :func:`~swarmnb.models.sim.simulate`) saves counting it twice."""
        params: dict[str, Any] = dict(kwargs.get("optional_params") or {})
        model_name = f"sim/{model}"
        plan = params.get("sim_faults")
        if plan is not None and not isinstance(plan, FaultPlan):
            raise litellm.BadRequestError(
                message="sim_faults must be a FaultPlan", model=model_name, llm_provider="sim"
            )
        plan = plan or active_plan()
        fault = plan.take() if plan is not None else None
        scale = float(params.get("sim_latency_scale", 1.0))
        request = (  # only an injected HTTP error needs one (building it is not free)
            httpx.Request("POST", f"http://sim.invalid/v1/chat/completions#{model}")
            if fault in ("rate_limit", "server_error")
            else None
        )
        if fault == "rate_limit":
            assert plan is not None
            raise litellm.RateLimitError(
                message=f"simulated rate limit on {model_name}; retry after {plan.retry_after}s",
                llm_provider="sim",
                model=model_name,
                response=httpx.Response(
                    429, headers={"retry-after": f"{plan.retry_after:g}"}, request=request
                ),
            )
        if fault == "server_error":
            raise litellm.InternalServerError(
                message=f"simulated server error on {model_name}",
                llm_provider="sim",
                model=model_name,
                response=httpx.Response(500, request=request),
            )
        if fault == "timeout":
            assert plan is not None
            await asyncio.sleep(plan.hang_s if plan.hang_s is not None else _seconds(kwargs))
            raise litellm.Timeout(
                message=f"simulated timeout on {model_name}", model=model_name, llm_provider="sim"
            )
        try:
            outcome = simulate(
                model,
                messages,
                tools=params.get("tools"),
                tool_choice=params.get("tool_choice"),
                response_format=_plain_format(params.get("response_format")),
                seed=params.get("seed"),
                max_tokens=params.get("max_tokens") or params.get("max_completion_tokens"),
                malformed=plan.malformed_kind if fault == "malformed" and plan else None,
                prompt_tokens=sim_prompt_tokens,
            )
        except UnknownSimModel as exc:
            raise litellm.NotFoundError(
                message=str(exc), model=model_name, llm_provider="sim"
            ) from exc
        except ContextOverflow as exc:
            raise litellm.ContextWindowExceededError(
                message=str(exc), model=model_name, llm_provider="sim"
            ) from exc
        except Exception as exc:  # an oracle bug: deterministic, so not worth a retry
            raise litellm.BadRequestError(
                message=f"sim oracle failed: {exc!r}", model=model_name, llm_provider="sim"
            ) from exc
        if scale > 0:
            await asyncio.sleep(outcome.latency_s * scale)
        return to_model_response(outcome)

    def __repr__(self) -> str:
        return f"<SimProvider models={[f'sim/{n}' for n in SIM_PROFILES]}>"


def _seconds(kwargs: dict[str, Any]) -> float:
    timeout = kwargs.get("timeout")
    if isinstance(timeout, httpx.Timeout):
        timeout = timeout.read or timeout.connect
    return float(timeout) if timeout else 600.0


def _plain_format(fmt: Any) -> dict[str, Any] | None:
    if fmt is None or isinstance(fmt, dict):
        return fmt
    if isinstance(fmt, type) and hasattr(fmt, "model_json_schema"):  # a pydantic class
        return {
            "type": "json_schema",
            "json_schema": {"name": fmt.__name__, "schema": fmt.model_json_schema()},
        }
    return None


def to_model_response(outcome: SimOutcome) -> Any:
    """A litellm ``ModelResponse`` (OpenAI format) for a simulated reply."""
    tool_calls = [
        _types.ChatCompletionMessageToolCall(
            id=c.id, type="function", function=_types.Function(name=c.name, arguments=c.arguments)
        )
        for c in outcome.tool_calls
    ]
    message = _types.Message(
        content=outcome.content, role="assistant", tool_calls=tool_calls or None
    )
    return _types.ModelResponse(
        id=f"chatcmpl-sim-{outcome.request_hash[:24]}",
        created=int(time.time()),
        model=outcome.model,
        system_fingerprint="sim",
        choices=[_types.Choices(finish_reason=outcome.finish_reason, index=0, message=message)],
        usage=_types.Usage(
            prompt_tokens=outcome.tokens_in,
            completion_tokens=outcome.tokens_out,
            total_tokens=outcome.tokens_in + outcome.tokens_out,
        ),
    )


_PROVIDER = SimProvider()


def register_sim_provider() -> None:
    """Make ``sim/…`` routable in litellm (idempotent; keeps other custom providers)."""
    if litellm.custom_provider_map is None:
        litellm.custom_provider_map = []
    if any(item.get("provider") == "sim" for item in litellm.custom_provider_map):
        return
    litellm.custom_provider_map.append({"provider": "sim", "custom_handler": _PROVIDER})
