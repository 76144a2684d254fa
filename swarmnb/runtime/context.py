"""What a unit of work sees of its run.

Each attempt of a task gets a fresh :class:`Context`: the results of its dependencies, a
seeded random generator, the run's clock, a way to report usage (so budgets and metrics see
it) and a way to emit its own events (model and tool calls).

Example::

    async def work(task: sn.Task, ctx: sn.Context) -> str:
        with ctx.reserve(usd=0.002):          # refused with BudgetExceeded if it would not fit
            reply = await call_model(task.prompt, ctx.inputs)
        ctx.record_usage(tokens_in=900, tokens_out=120, cost_usd=0.0017, steps=1)
        return reply
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .budget import Usage

if TYPE_CHECKING:
    from ..graph import Task
    from .scheduler import Scheduler

__all__ = ["Context"]


class Context:
    """Per-attempt handle on the run; passed as the second argument to work."""

    __slots__ = ("_rng", "_scheduler", "attempt", "task", "usage")

    def __init__(self, scheduler: Scheduler, task: Task, attempt: int) -> None:
        self._scheduler = scheduler
        self.task = task
        self.attempt = attempt  #: 1 for the first attempt, 2 for the first retry, …
        self.usage: Usage | None = None  #: what this attempt reported, once it reports
        self._rng: random.Random | None = None

    # -- reading -----------------------------------------------------------------------------
    @property
    def run_id(self) -> str:
        return self._scheduler.run_id

    @property
    def seed(self) -> int:
        return self._scheduler.seed

    @property
    def rng(self) -> random.Random:
        """A generator seeded by (run seed, task id, attempt): same inputs, same draws."""
        if self._rng is None:
            self._rng = random.Random(f"{self._scheduler.seed}:{self.task.id}:{self.attempt}")
        return self._rng

    @property
    def inputs(self) -> Mapping[str, Any]:
        """Results of this task's dependencies, by task id."""
        return {dep: self._scheduler.result_of(dep) for dep in self.task.deps}

    def now(self) -> float:
        """Seconds since the run started, on the run's clock."""
        return self._scheduler.now()

    # -- reporting ---------------------------------------------------------------------------
    def record_usage(
        self,
        *,
        tokens_in: int = 0,
        tokens_out: int = 0,
        cost_usd: float = 0.0,
        steps: int = 0,
    ) -> None:
        """Report resources this attempt used; budgets see them at once."""
        if min(tokens_in, tokens_out, cost_usd, steps) < 0:
            raise ValueError("usage must not be negative")
        usage = Usage(int(tokens_in), int(tokens_out), float(cost_usd), int(steps))
        if self.usage is None:
            self.usage = Usage()
        self.usage.add(usage)
        self._scheduler.spend(usage)

    @contextmanager
    def reserve(self, *, usd: float = 0.0, tokens: int = 0) -> Iterator[None]:
        """Hold an estimate against the budget while a call runs.

        Raises :class:`~swarmnb.BudgetExceeded` up front if spent + reserved + this estimate
        would pass a cap. Record the real usage inside the block; the hold ends with it.
        """
        tracker = self._scheduler.budget
        tracker.admit(usd=usd, tokens=tokens, steps=0, now=self._scheduler.now())
        tracker.reserve(usd=usd, tokens=tokens)
        try:
            yield
        finally:
            tracker.release(usd=usd, tokens=tokens)

    def emit(self, kind: str, **fields: Any) -> None:
        """Emit an event about this task (``model.call``, ``tool.call``, ``agent.*``, …)."""
        fields["task"] = self.task.id
        if self.task.agent is not None:
            fields.setdefault("agent", self.task.agent)
        self._scheduler.bus.emit(kind, fields)

    def __repr__(self) -> str:
        return f"<Context task={self.task.id!r} attempt={self.attempt} run={self.run_id!r}>"
