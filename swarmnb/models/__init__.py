"""Model access for swarmnb: one call path through litellm, and the offline ``sim/`` models.

Everything that talks to a model goes through :func:`complete` (budgets, usage, events,
retries, admission control, cache, structured output). The embedded ``sim/`` provider —
``sim/small``, ``sim/medium``, ``sim/large``, ``sim/orchestrator`` — is registered in litellm
when this package is imported, so it works offline and deterministically per seed;
:func:`serve_sim` serves the same models over loopback HTTP as an OpenAI-compatible endpoint.
:func:`calibrate` fits a sim profile to traces of real runs and :func:`register_profile` makes
it ``sim/<name>``, so cheap simulated episodes behave like a measured model.
A real provider is one model string away (``"openai/gpt-4o-mini"`` with ``OPENAI_API_KEY``
set, ``"anthropic/claude-…"`` with ``ANTHROPIC_API_KEY``, …).

Example::

    from swarmnb.models import complete

    c = await complete(model="sim/small", messages=[{"role": "user", "content": "hi"}])
    c.content, c.tokens_in, c.cost_usd      # simulated figures
"""

from __future__ import annotations

from ._litellm import flush_logging  # first: sets LITELLM_LOCAL_MODEL_COST_MAP, then imports
from .admission import AdmissionController, ModelLimits
from .cache import ResponseCache
from .calibrate import Calibration, calibrate
from .completion import Completion, complete
from .fast_sim import fast_sim_enabled, sim_fast_path
from .faults import FaultPlan, inject_faults
from .profiles import override_profiles, register_profile, unregister_profile
from .provider import SimProvider, register_sim_provider
from .retry import Backoff, TransientModelError
from .server import SimServer, serve_sim
from .sim import simulate
from .sim_params import SIM_PROFILES, SimProfile
from .structured import ToolCall
from .tokens import estimate_tokens

__all__ = [
    "SIM_PROFILES",
    "AdmissionController",
    "Backoff",
    "Calibration",
    "Completion",
    "FaultPlan",
    "ModelLimits",
    "ResponseCache",
    "SimProfile",
    "SimProvider",
    "SimServer",
    "ToolCall",
    "TransientModelError",
    "calibrate",
    "complete",
    "estimate_tokens",
    "fast_sim_enabled",
    "flush_logging",
    "inject_faults",
    "override_profiles",
    "register_profile",
    "register_sim_provider",
    "serve_sim",
    "sim_fast_path",
    "simulate",
    "unregister_profile",
]

register_sim_provider()
