"""The records the dashboard folds events into: tasks, agents, totals, and what changed.

Plain slotted dataclasses, so folding thousands of events a second stays cheap; each knows its
own wire form (:meth:`TaskState.detail`, :meth:`AgentState.row`).

Example::

    TaskState(index=0, id="a").detail()["status"]   # 'queued'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..events import STATUS_CODES, TASK_STATUSES

__all__ = [
    "AGENT_FIELDS",
    "STATUSES",
    "STATUS_CODE",
    "AgentState",
    "Changes",
    "TaskState",
    "Totals",
]

#: Display statuses, in legend order, and their one-letter wire codes (from the event model).
STATUSES: tuple[str, ...] = TASK_STATUSES
STATUS_CODE: dict[str, str] = STATUS_CODES


@dataclass(slots=True, kw_only=True)
class TaskState:
    """What the dashboard knows about one task."""

    index: int
    id: str
    deps: tuple[str, ...] = ()
    prompt: str = ""
    profile: str | None = None
    role: str | None = None
    stage: int | None = None
    agent: str | None = None
    status: str = "queued"
    attempts: int = 0
    retries: int = 0
    started: float | None = None
    finished: float | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    steps: int = 0
    error: str | None = None
    reason: str | None = None
    result: Any = None
    lane_agent: str | None = field(default=None, repr=False)  # who runs the current attempt
    bar: int | None = field(default=None, repr=False)  # open timeline bar

    @property
    def duration(self) -> float | None:
        if self.started is None or self.finished is None:
            return None
        return self.finished - self.started

    def detail(self) -> dict[str, Any]:
        """JSON-ready facts for the task inspector."""
        return {
            "id": self.id,
            "status": self.status,
            "prompt": self.prompt,
            "deps": list(self.deps),
            "profile": self.profile,
            "role": self.role,
            "stage": self.stage,
            "agent": self.agent or self.lane_agent,
            "attempts": self.attempts,
            "retries": self.retries,
            "started": self.started,
            "finished": self.finished,
            "duration": self.duration,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost_usd": self.cost_usd,
            "steps": self.steps,
            "error": self.error,
            "reason": self.reason,
            "result": _jsonable(self.result),
        }


@dataclass(slots=True, kw_only=True)
class AgentState:
    """One agent (or, for tasks without one, one worker lane) and its running totals."""

    id: str
    name: str
    profile: str | None = None
    role: str | None = None
    state: str = "idle"  # idle | busy | finished
    task: str | None = None
    running: int = 0
    tasks_done: int = 0
    steps: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    spawned: float | None = None
    left: float | None = None
    worker: bool = False  # a synthetic worker lane, not an agent from the trace
    slot: int = -1  # the worker number of a worker lane
    # supervised (long-lived) agents only: None/0 for an episode's subagents
    health: str | None = None  # healthy | unhealthy | restarting | failed
    last_heartbeat: float | None = None
    restarts: int = 0
    quarantined: bool = False
    denied: int = 0

    def row(self) -> list[Any]:
        """Wire form, in :data:`AGENT_FIELDS` order."""
        return [
            self.name, self.profile, self.role, self.state, self.task, self.tasks_done,
            self.steps, self.tokens_in, self.tokens_out, round(self.cost_usd, 8), int(self.worker),
            self.health, self.last_heartbeat, self.restarts, int(self.quarantined), self.denied,
        ]  # fmt: skip


AGENT_FIELDS = (
    "name", "profile", "role", "state", "task", "tasks_done",
    "steps", "tokens_in", "tokens_out", "cost_usd", "worker",
    "health", "last_heartbeat", "restarts", "quarantined", "denied",
)  # fmt: skip


@dataclass(slots=True)
class Totals:
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    steps: int = 0


@dataclass(slots=True)
class Changes:
    """What changed since the last :meth:`SwarmState.take_changes`."""

    full: bool = False  # everything: the state was rebuilt (a replay seek)
    shape: bool = False  # tasks or edges were added
    tasks: set[int] = field(default_factory=set)
    agents: set[str] = field(default_factory=set)
    bars: set[int] = field(default_factory=set)
    curve_from: int | None = None
    lanes: bool = False
    limits: bool = False
    run: bool = False
    cost: bool = False
    finished: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.full or self.shape or self.tasks or self.agents or self.bars or self.lanes
            or self.limits or self.run or self.cost or self.curve_from is not None
        )  # fmt: skip


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return repr(value)
