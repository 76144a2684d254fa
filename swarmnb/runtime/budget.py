"""Budgets: caps on dollars, tokens, seconds and steps for one run.

The scheduler checks a budget *before* each unit of work — it reserves the work's estimated
cost, and refuses to start it when spent + reserved + estimate would pass a cap — and again
*after*, when the real usage is known. Once a cap is reached no new work starts; the run ends
with ``status == "budget_exhausted"``.

Example::

    budget = Budget(usd=1.0, tokens=200_000)
    run = await sn.run_graph(g, work, budget=budget)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .._exceptions import BudgetExceeded
from ..events import Usage

__all__ = ["Budget", "BudgetTracker", "Usage"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """Caps for one run; ``None`` means no cap on that resource.

    ``seconds`` is measured on the run's clock (simulated seconds under the virtual clock);
    ``tokens`` counts input plus output tokens; ``steps`` counts model and tool steps reported
    through ``ctx.record_usage(steps=…)`` (an attempt that reports none counts as one step).
    """

    usd: float | None = None
    tokens: int | None = None
    seconds: float | None = None
    steps: int | None = None

    def __post_init__(self) -> None:
        for name in ("usd", "tokens", "seconds", "steps"):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, int | float) or value < 0 or math.isnan(value)
            ):
                raise ValueError(f"Budget.{name} must be a number ≥ 0 or None, not {value!r}")

    @property
    def unlimited(self) -> bool:
        return (
            self.usd is None and self.tokens is None and self.seconds is None and self.steps is None
        )


class BudgetTracker:
    """Spent and reserved amounts against a :class:`Budget`, for one run."""

    __slots__ = (
        "budget",
        "exhausted",
        "reserved_steps",
        "reserved_tokens",
        "reserved_usd",
        "spent",
    )

    def __init__(self, budget: Budget | None) -> None:
        self.budget = budget or Budget()
        self.spent = Usage()
        self.reserved_usd = 0.0
        self.reserved_tokens = 0
        self.reserved_steps = 0
        self.exhausted: str | None = None  # the resource that ran out, once one has

    def admit(self, *, usd: float = 0.0, tokens: int = 0, steps: int = 1, now: float = 0.0) -> None:
        """Raise :class:`BudgetExceeded` if work of this estimated size may not start now."""
        budget = self.budget
        if self.exhausted is not None:
            raise BudgetExceeded(f"{self.exhausted} budget exhausted", resource=self.exhausted)
        if (
            budget.usd is not None
            and self.spent.cost_usd + self.reserved_usd + usd > budget.usd + 1e-12
        ):
            raise BudgetExceeded(
                f"usd budget: spent ${self.spent.cost_usd:.4f} + reserved ${self.reserved_usd:.4f}"
                f" + estimate ${usd:.4f} would pass ${budget.usd:.4f}",
                resource="usd",
            )
        if budget.tokens is not None:
            used = self.spent.tokens_in + self.spent.tokens_out + self.reserved_tokens
            if used + tokens > budget.tokens:
                raise BudgetExceeded(
                    f"token budget: {used} + {tokens} would pass {budget.tokens}", resource="tokens"
                )
        if budget.steps is not None:
            used_steps = self.spent.steps + self.reserved_steps
            if used_steps + steps > budget.steps:
                raise BudgetExceeded(
                    f"step budget: {used_steps} + {steps} would pass {budget.steps}",
                    resource="steps",
                )
        if budget.seconds is not None and now >= budget.seconds:
            raise BudgetExceeded(f"time budget of {budget.seconds}s used up", resource="seconds")

    def reserve(self, *, usd: float = 0.0, tokens: int = 0, steps: int = 0) -> None:
        self.reserved_usd += usd
        self.reserved_tokens += tokens
        self.reserved_steps += steps

    def release(self, *, usd: float = 0.0, tokens: int = 0, steps: int = 0) -> None:
        self.reserved_usd = max(0.0, self.reserved_usd - usd)
        self.reserved_tokens = max(0, self.reserved_tokens - tokens)
        self.reserved_steps = max(0, self.reserved_steps - steps)

    @property
    def held(self) -> bool:
        """Whether running work holds reservations (so a refusal now may pass later)."""
        return self.reserved_usd > 0 or self.reserved_tokens > 0 or self.reserved_steps > 0

    def spend(self, usage: Usage) -> str | None:
        """Add real usage; return the resource that is now used up, if one just ran out."""
        self.spent.add(usage)
        if self.exhausted is not None:
            return None
        budget = self.budget
        if budget.usd is not None and self.spent.cost_usd >= budget.usd:
            self.exhausted = "usd"
        elif (
            budget.tokens is not None
            and self.spent.tokens_in + self.spent.tokens_out >= budget.tokens
        ):
            self.exhausted = "tokens"
        elif budget.steps is not None and self.spent.steps >= budget.steps:
            self.exhausted = "steps"
        return self.exhausted
