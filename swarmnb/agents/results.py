"""What ``reg.submit`` returns, and the registry's ledger entry for each task.

Every submitted task ends in exactly one terminal state — ``completed``, ``failed`` or
``cancelled`` — recorded once, however many times it was delivered (delivery is at least
once: a task held by an agent that crashed is assigned again).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["TERMINAL", "TaskRecord", "TaskResult"]

Status = Literal["queued", "assigned", "running", "completed", "failed", "cancelled"]
TERMINAL = frozenset({"completed", "failed", "cancelled"})


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskResult:
    """The outcome of one submitted task.

    ``queued_s`` is the assignment latency (submit → an agent started it, on the registry's
    clock); ``attempts`` counts the times an agent started it (more than one after a crash).
    """

    task_id: str
    role: str
    status: Literal["completed", "failed", "cancelled"]
    output: str | None = None
    error: str | None = None
    agent: str | None = None
    attempts: int = 1
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    tool_calls: int = 0
    duration_s: float = 0.0
    queued_s: float | None = None
    late: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "completed"

    def __repr__(self) -> str:
        text = self.output if self.ok else self.error
        text = (text or "").replace("\n", " ")
        short = text[:48] + "…" if len(text) > 48 else text
        return (
            f"<TaskResult {self.task_id} {self.role} {self.status} by {self.agent} "
            f"attempts={self.attempts} {short!r}>"
        )


@dataclass(slots=True, kw_only=True)
class TaskRecord:
    """The registry's view of one task while it lives."""

    id: str
    role: str
    prompt: str
    priority: int
    deadline: float | None
    tools: tuple[str, ...]
    submitted_at: float
    seq: int = 0  #: submission order (ties in the backlog)
    status: Status = "queued"
    agent: str | None = None
    attempt: int = 0  #: deliveries so far (an assignment message carries its number)
    starts: int = 0  #: times an agent started it
    started_at: float | None = None
    finished_at: float | None = None
    result: TaskResult | None = None
    future: asyncio.Future[TaskResult] | None = field(default=None, repr=False)

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    @property
    def queued_s(self) -> float | None:
        """Submit → an agent started it; ``None`` while it has not started."""
        return None if self.started_at is None else self.started_at - self.submitted_at
