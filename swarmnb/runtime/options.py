"""``RunOptions``: every option of a run, validated once, in one frozen value.

:func:`swarmnb.run_graph` and :class:`swarmnb.Swarm` build one from their keyword arguments;
the run keeps it (``run.options``) and states it in its ``run.started`` event.

Example::

    opts = RunOptions(max_concurrency=8, clock="virtual", trace=None, seed=3)
    opts.replace(seed=4).seed          # 4: options are values, copied with changes
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from ..events import EventSink
from .backends import Backend
from .budget import Budget
from .clock import ClockName, check_clock

if TYPE_CHECKING:
    from .run import Run

__all__ = ["RunOptions", "SinkSpec", "check_limit"]

#: An extra event sink for a run: a sink, or a callable that makes one for each run.
SinkSpec = Union[EventSink, Callable[["Run"], EventSink]]  # noqa: UP007 — a string forward ref


def check_limit(value: Any, name: str) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise ValueError(f"{name} must be an int ≥ 1 or None, not {value!r}")


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False)
class RunOptions:
    """How a run runs; see :func:`swarmnb.run_graph` for what each option means."""

    max_concurrency: int | None = 64
    profile_limits: Mapping[str, int] = dataclasses.field(default_factory=dict)
    budget: Budget | None = None
    clock: ClockName = "real"
    trace: str | Path | None = "runs/"
    seed: int = 0
    name: str | None = None
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    backend: Backend | None = None
    sinks: tuple[SinkSpec, ...] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise through the back door, once
        set_(self, "clock", check_clock(self.clock))
        check_limit(self.max_concurrency, "max_concurrency")
        limits = dict(self.profile_limits or {})
        for profile, limit in limits.items():
            check_limit(limit, f"profile_limits[{profile!r}]")
        set_(self, "profile_limits", limits)
        if self.budget is not None and not isinstance(self.budget, Budget):
            raise TypeError(f"budget must be a swarmnb.Budget, not {type(self.budget).__name__}")
        if not isinstance(self.seed, int):
            raise TypeError(f"seed must be an int, not {self.seed!r}")
        if self.backoff_base < 0 or self.backoff_max < 0:
            raise ValueError("backoff_base and backoff_max must be ≥ 0")
        if self.backend is not None and not isinstance(self.backend, Backend):
            raise TypeError(
                f"backend must have run(work, task, ctx) and close(), not {self.backend!r}"
            )
        set_(self, "sinks", tuple(self.sinks))

    def replace(self, **changes: Any) -> RunOptions:
        """A copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)

    def started_fields(self, *, name: str, n_tasks: int) -> dict[str, Any]:
        """The fields of the run's ``run.started`` event."""
        budget = self.budget or Budget()
        return {
            "name": name,
            "clock": self.clock,
            "max_concurrency": self.max_concurrency,
            "profile_limits": self.profile_limits,
            "budget": {k: getattr(budget, k) for k in ("usd", "tokens", "seconds", "steps")},
            "seed": self.seed,
            "n_tasks": n_tasks,
        }
