"""What a model call costs, before (an estimate to reserve budget) and after (the bill).

Real models are priced by litellm's bundled price map (``litellm.completion_cost``); the sim
models — in-process ``sim/x`` or served as ``<provider>/sim-x`` by
:func:`~swarmnb.models.serve_sim` — by their profile in :mod:`~swarmnb.models.sim_params`,
passed to the same function as ``custom_cost_per_token``. A model litellm cannot price costs
0, with a warning once per model, rather than failing the call.

Example::

    price_per_token("sim/small")            # (1.5e-07, 6e-07)  — simulated prices
    estimate_cost("sim/small", 1000, 256)   # 0.0003036
"""

from __future__ import annotations

import logging
from typing import Any

from ._litellm import litellm
from .fast_sim import fast_sim_enabled
from .sim import sim_profile_or_none
from .sim_params import SimProfile

__all__ = ["call_cost", "estimate_cost", "price_per_token"]

log = logging.getLogger("swarmnb.models")
_unpriced: set[str] = set()


def price_per_token(model: str) -> tuple[float, float]:
    """(input, output) dollars per token; (0, 0) if the model has no known price."""
    profile = sim_profile_or_none(model)
    if profile is not None:
        return profile.input_cost_per_token, profile.output_cost_per_token
    try:
        info = litellm.get_model_info(model)
    except Exception:
        return 0.0, 0.0
    return float(info.get("input_cost_per_token") or 0.0), float(
        info.get("output_cost_per_token") or 0.0
    )


def estimate_cost(model: str, tokens_in: int, tokens_out: int) -> float:
    """Dollars for a call of this size at list price (used to reserve budget up front)."""
    p_in, p_out = price_per_token(model)
    return tokens_in * p_in + tokens_out * p_out


def profile_cost(profile: SimProfile, response: Any) -> float:
    """A sim reply's dollars with ``litellm.completion_cost``'s arithmetic, without its lookups."""
    usage = response.usage
    prompt = int(usage.prompt_tokens or 0)
    completion = int(usage.completion_tokens or 0)
    input_cost = prompt * profile.input_cost_per_token
    return float(input_cost + completion * profile.output_cost_per_token)


def call_cost(model: str, response: Any) -> float:
    """Dollars billed for one provider reply."""
    profile = sim_profile_or_none(model)
    if profile is not None:
        if fast_sim_enabled():
            return profile_cost(profile, response)
        return float(
            litellm.completion_cost(
                completion_response=response,
                model=profile.name,
                custom_llm_provider="sim",
                custom_cost_per_token={
                    "input_cost_per_token": profile.input_cost_per_token,
                    "output_cost_per_token": profile.output_cost_per_token,
                },
            )
        )
    try:
        return float(litellm.completion_cost(completion_response=response, model=model))
    except Exception as exc:
        if model not in _unpriced:
            _unpriced.add(model)
            log.warning("no price known for %s (%s); counting its calls as $0", model, exc)
        return 0.0
