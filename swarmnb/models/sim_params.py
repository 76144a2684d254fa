"""Every parameter of the offline ``sim/`` models, in one place, with the reason for each.

These are defaults for *all* scenarios and benchmarks: they are never tuned per scenario, so
a comparison between strategies measures the strategies, not the knobs. Each figure mimics a
class of real hosted models at the time of writing; none claims to be a measurement of a
particular product. Everything a sim model reports (latency, tokens, dollars, accuracy) is a
simulation and is labelled as such wherever it is shown.

The models (see docs/models.md for the formulas)::

    latency  = (overhead_s + tokens_in / prefill_tokens_per_s
                + tokens_out / output_tokens_per_s) · exp(σ·Z − σ²/2),   Z ~ N(0, 1)
    accuracy = base_accuracy · (1 − context_drop · fill ** context_shape),
    fill     = min(1, tokens_in / context_window)

Example::

    from swarmnb.models.sim_params import SIM_PROFILES
    SIM_PROFILES["small"].input_cost_per_token    # 1.5e-07 (simulated price)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "CHARS_PER_TOKEN",
    "DEFAULT_OUTPUT_ESTIMATE",
    "MESSAGE_OVERHEAD_TOKENS",
    "REPLY_PRIMING_TOKENS",
    "SIM_PROFILES",
    "SimProfile",
]

#: BPE tokenizers of current chat models average about four characters of English per token;
#: counting characters keeps the sim fast, offline and identical on every machine.
CHARS_PER_TOKEN = 4.0

#: Chat formats wrap every message in role and separator tokens (OpenAI documents ~3–4).
MESSAGE_OVERHEAD_TOKENS = 4

#: The tokens that open the assistant's reply in the chat template.
REPLY_PRIMING_TOKENS = 3

#: Output tokens assumed when reserving budget before a call whose reply length is unknown and
#: no ``max_tokens`` was given — about one paragraph or one tool call with its reasoning.
DEFAULT_OUTPUT_ESTIMATE = 256


@dataclass(frozen=True, slots=True, kw_only=True)
class SimProfile:
    """One simulated model: latency, price, context and accuracy behaviour.

    Fields, and the real behaviour each mimics:

    * ``context_window`` — the hard limit of prompt tokens; a longer prompt is refused with a
      context-window error, as real providers refuse it.
    * ``input_usd_per_mtok`` / ``output_usd_per_mtok`` — list prices per million tokens of the
      model class it stands for; output costs 4–5× input, as with hosted models.
    * ``overhead_s`` — fixed time before the first token: network round trip, queueing and
      scheduling at the provider. Bigger models sit on busier, slower-to-schedule hardware.
    * ``prefill_tokens_per_s`` — prompt processing speed; long contexts delay the first token.
    * ``output_tokens_per_s`` — decode speed; the dominant cost of long replies, and far lower
      for large models than small ones.
    * ``latency_sigma`` — spread of a mean-one lognormal factor on the whole latency: provider
      latencies are right-skewed with a long tail.
    * ``base_accuracy`` — the chance each fact in an answer is right on a short prompt.
    * ``context_drop`` / ``context_shape`` — how much accuracy is lost as the prompt fills the
      context, and how late the loss sets in ("lost in the middle", "context rot": recall of
      facts degrades with prompt length, slowly at first and steeply near the limit).
    * ``malformed_rate`` — the chance a tool-calling reply comes back malformed (truncated
      JSON, a misspelt tool name, a wrongly typed argument), as smaller models occasionally do.
    """

    name: str
    context_window: int
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    overhead_s: float
    prefill_tokens_per_s: float
    output_tokens_per_s: float
    latency_sigma: float
    base_accuracy: float
    context_drop: float
    context_shape: float
    malformed_rate: float

    def __post_init__(self) -> None:
        for field in ("context_window", "prefill_tokens_per_s", "output_tokens_per_s"):
            if getattr(self, field) <= 0:
                raise ValueError(f"SimProfile.{field} must be > 0")
        for field in ("base_accuracy", "context_drop", "malformed_rate"):
            if not 0.0 <= getattr(self, field) <= 1.0:
                raise ValueError(f"SimProfile.{field} must be within [0, 1]")

    @property
    def model(self) -> str:
        """The litellm model string, e.g. ``"sim/small"``."""
        return f"sim/{self.name}"

    @property
    def input_cost_per_token(self) -> float:
        return self.input_usd_per_mtok / 1e6

    @property
    def output_cost_per_token(self) -> float:
        return self.output_usd_per_mtok / 1e6

    def accuracy(self, tokens_in: int) -> float:
        """Per-fact accuracy for a prompt of ``tokens_in`` tokens (falls as the context fills)."""
        fill = min(1.0, max(0.0, tokens_in / self.context_window))
        return self.base_accuracy * (1.0 - self.context_drop * fill**self.context_shape)

    def mean_latency(self, tokens_in: int, tokens_out: int) -> float:
        """Expected seconds for a call, before the lognormal noise."""
        return (
            self.overhead_s
            + tokens_in / self.prefill_tokens_per_s
            + tokens_out / self.output_tokens_per_s
        )

    def latency(self, tokens_in: int, tokens_out: int, z: float) -> float:
        """Seconds for a call given a standard-normal draw ``z`` (mean-one lognormal noise)."""
        s = self.latency_sigma
        return self.mean_latency(tokens_in, tokens_out) * math.exp(s * z - s * s / 2.0)

    def __repr__(self) -> str:
        return (
            f"SimProfile({self.model!r}, ctx={self.context_window:,}, "
            f"${self.input_usd_per_mtok}/${self.output_usd_per_mtok} per Mtok, "
            f"acc={self.base_accuracy})"
        )


SIM_PROFILES: dict[str, SimProfile] = {
    # A cheap, fast "mini" model: quick to answer, forgets as its 32k context fills,
    # occasionally fumbles tool-call JSON.
    "small": SimProfile(
        name="small",
        context_window=32_768,
        input_usd_per_mtok=0.15,
        output_usd_per_mtok=0.60,
        overhead_s=0.30,
        prefill_tokens_per_s=20_000.0,
        output_tokens_per_s=140.0,
        latency_sigma=0.25,
        base_accuracy=0.72,
        context_drop=0.45,
        context_shape=1.5,
        malformed_rate=0.03,
    ),
    # A mid-size open-weights model served by an API: 128k context, moderate price.
    "medium": SimProfile(
        name="medium",
        context_window=131_072,
        input_usd_per_mtok=0.60,
        output_usd_per_mtok=2.50,
        overhead_s=0.50,
        prefill_tokens_per_s=10_000.0,
        output_tokens_per_s=80.0,
        latency_sigma=0.25,
        base_accuracy=0.84,
        context_drop=0.35,
        context_shape=1.8,
        malformed_rate=0.015,
    ),
    # A frontier model: most accurate, slowest per token, priced ~20× the small one.
    "large": SimProfile(
        name="large",
        context_window=200_000,
        input_usd_per_mtok=3.00,
        output_usd_per_mtok=15.00,
        overhead_s=0.90,
        prefill_tokens_per_s=5_000.0,
        output_tokens_per_s=45.0,
        latency_sigma=0.30,
        base_accuracy=0.92,
        context_drop=0.25,
        context_shape=2.0,
        malformed_rate=0.005,
    ),
    # The orchestrator class (a K2.5-like agentic model): long 256k context for planning over
    # many subagent results, strong tool use, mid-range price.
    "orchestrator": SimProfile(
        name="orchestrator",
        context_window=262_144,
        input_usd_per_mtok=0.60,
        output_usd_per_mtok=3.00,
        overhead_s=0.70,
        prefill_tokens_per_s=8_000.0,
        output_tokens_per_s=60.0,
        latency_sigma=0.30,
        base_accuracy=0.90,
        context_drop=0.30,
        context_shape=2.0,
        malformed_rate=0.005,
    ),
}
