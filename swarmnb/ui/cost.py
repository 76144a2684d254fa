"""The cost view: tokens in and out, dollars spent against the budget, dollars per minute.

Usage comes from the attempt-ending events (``task.retrying|completed|failed|cancelled``
carry that attempt's totals), exactly what :func:`swarmnb.compute_metrics` sums, so the view and
``run.metrics["cost_usd"]`` agree. Rates are per minute of *run clock* — simulated minutes
under the virtual clock, and the view says so.

Example::

    cv = CostView.for_run(run)
    cv.cost["cost_usd"], cv.cost["budget"]
"""

from __future__ import annotations

import traitlets as t

from ._assets import es_module
from ._base import View
from ._state import Changes, SwarmState

__all__ = ["CostView"]

_SERIES_POINTS = 240


class CostView(View):
    """Tokens, dollars vs budget, and spend rate."""

    _esm = es_module("cost.js")

    cost = t.Dict().tag(sync=True)

    def _sync(self, state: SwarmState, changes: Changes) -> None:
        if not (changes.full or changes.cost or changes.run):
            return
        totals = state.totals
        self.cost = {
            "tokens_in": totals.tokens_in,
            "tokens_out": totals.tokens_out,
            "cost_usd": round(totals.cost_usd, 10),
            "steps": totals.steps,
            "budget": dict(state.budget),
            "budget_exceeded": state.budget_exceeded,
            "usd_per_min": round(state.usd_per_minute(), 10),
            "usd_per_min_recent": round(state.usd_per_minute(window=60.0), 10),
            "elapsed": round(state.now, 6),
            "clock": state.clock or "real",
            "series": _downsample(state.cost_series, _SERIES_POINTS),
        }

    def _repr_fields(self) -> str:
        totals = self.state.totals
        return (
            f"cost_usd={totals.cost_usd:.4f} tokens={totals.tokens_in + totals.tokens_out} "
            f"status={self.state.status}"
        )


def _downsample(points: list[list[float]], limit: int) -> list[list[float]]:
    """At most ``limit`` points of a cumulative series, keeping the last one exactly."""
    if len(points) <= limit:
        return [[round(a, 6), round(b, 10)] for a, b in points]
    step = len(points) / (limit - 1)
    picked = [points[int(k * step)] for k in range(limit - 1)] + [points[-1]]
    return [[round(a, 6), round(b, 10)] for a, b in picked]
