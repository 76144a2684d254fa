"""Request and response bodies of the swarm service (pydantic; FastAPI draws the OpenAPI).

Every field has bounds, so a bad body is refused with 422 naming the field instead of
reaching a swarm. The same models are what :class:`swarmnb.api.Client` sends.

Example::

    SwarmCreate(name="research", agents=20, tasks=[TaskSpec(prompt="look up A", id="a")])
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "AgentInfo",
    "AnalyzeRequest",
    "AnalyzeResult",
    "FaultSpec",
    "SwarmCreate",
    "SwarmInfo",
    "SwarmList",
    "TaskInfo",
    "TaskSpec",
    "TaskSubmit",
    "TaskSubmitted",
]

_ID = r"^[A-Za-z0-9_.:\-]{1,128}$"
MAX_TASKS_PER_REQUEST = 10_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TaskSpec(_Strict):
    """One task for a swarm's agents: a prompt, its dependencies, how much work it does."""

    id: str | None = Field(None, pattern=_ID, description="unique in the swarm; default t<n>")
    prompt: str = Field(..., min_length=1, max_length=20_000)
    deps: list[str] = Field(default_factory=list, max_length=1_000)
    profile: str | None = Field(None, max_length=64)
    role: str | None = Field(None, max_length=64)
    model: bool = Field(True, description="make one model call (the swarm's model)")
    tool_calls: int = Field(0, ge=0, le=16, description="concurrent tool calls the task makes")
    max_retries: int = Field(5, ge=0, le=20)
    timeout: float | None = Field(None, gt=0, le=3600)


class FaultSpec(_Strict):
    """Injected faults for load and chaos testing (simulation only)."""

    transient_rate: float = Field(0.0, ge=0, le=1, description="attempts that fail retryably")
    crash_rate: float = Field(0.0, ge=0, le=1, description="attempts whose agent crashes")
    restart_s: float = Field(0.5, ge=0, le=60, description="time a crashed agent takes to restart")


class SwarmCreate(_Strict):
    """``POST /v1/swarms``: a swarm of ``agents`` workers and its first tasks."""

    name: str = Field("swarm", min_length=1, max_length=100)
    agents: int = Field(10, ge=1, le=1_000, description="agents working in parallel")
    max_concurrent_tasks: int = Field(
        1,
        ge=1,
        le=64,
        description="tasks one agent works on at once (as an agent manifest's "
        "limits.max_concurrent_tasks): the swarm runs up to agents × this many attempts",
    )
    model: str = Field("sim/small", min_length=1, max_length=200)
    tasks: list[TaskSpec] = Field(default_factory=list, max_length=MAX_TASKS_PER_REQUEST)
    keep_open: bool = Field(
        False, description="accept tasks until closed or deleted (else end when tasks are done)"
    )
    tool_latency_s: float = Field(0.05, ge=0, le=60)
    latency_scale: float = Field(1.0, ge=0, le=100, description="scale of sim model latency")
    backoff_s: float = Field(0.05, ge=0, le=60, description="first retry delay")
    faults: FaultSpec = Field(default_factory=FaultSpec)
    roles: dict[str, int] = Field(
        default_factory=dict,
        max_length=20,
        description="long-lived agents by role (sn.agents.Registry): a task whose role is "
        "listed runs on one of them, with the registry's supervision and capability gate",
    )
    seed: int = Field(0, ge=0, le=2**31)

    @model_validator(mode="after")
    def _role_counts(self) -> SwarmCreate:
        from ..agents.catalogue import role_names

        known = set(role_names())
        for role, count in self.roles.items():
            if role not in known:
                raise ValueError(f"roles: unknown role {role!r}; built-in roles: {sorted(known)}")
            if not 1 <= count <= 100:
                raise ValueError(f"roles.{role}: between 1 and 100 agents, not {count}")
        return self

    @model_validator(mode="after")
    def _open_or_tasks(self) -> SwarmCreate:
        if not self.tasks and not self.keep_open:
            raise ValueError("a swarm needs tasks, or keep_open=true to receive them later")
        return self


class TaskSubmit(_Strict):
    """``POST /v1/swarms/{id}/tasks``: more tasks for a live swarm."""

    tasks: list[TaskSpec] = Field(..., min_length=1, max_length=MAX_TASKS_PER_REQUEST)
    close: bool = Field(False, description="no more tasks after these: finish when done")


class TaskSubmitted(BaseModel):
    swarm: str
    ids: list[str]
    n_tasks: int


class SwarmInfo(BaseModel):
    """A swarm as the service sees it."""

    id: str
    name: str
    status: Literal["running", "completed", "failed", "cancelled", "budget_exhausted", "deleted"]
    created: float
    agents: int
    model: str
    open: bool
    n_tasks: int
    counts: dict[str, int]
    runs: list[str]
    resumed: int = Field(0, description="times the swarm was resumed after a restart")
    n_events: int


class SwarmList(BaseModel):
    swarms: list[SwarmInfo]


class TaskInfo(BaseModel):
    id: str
    status: str
    attempts: int
    agent: str | None = None
    deps: list[str] = Field(default_factory=list)
    result: Any = None
    error: str | None = None
    started: float | None = None
    finished: float | None = None
    restored: bool = False


class AgentInfo(BaseModel):
    """One agent of a swarm (the columns of ``sn.agents.Registry.agents()``).

    Pool workers are ``idle``, ``busy`` or ``down``; registry agents report the registry's
    states (``starting``, ``idle``, ``busy``, ``quarantined``, …) and health.
    """

    id: str
    role: str = "worker"
    status: str
    health: str
    in_flight: int = Field(0, description="attempts the agent is working on now")
    tasks_done: int
    tokens: int = 0
    cost_usd: float = 0.0
    restarts: int
    last_heartbeat: float | None


class AnalyzeRequest(_Strict):
    """``POST /v1/swarms/{id}/vision/analyze``: a question about an image (or the swarm)."""

    question: str = Field(..., min_length=1, max_length=4_000)
    image: str | None = Field(
        None, max_length=12_000_000, description="base64 PNG/JPEG; default: a snapshot of the swarm"
    )
    model: str = Field("sim/small", min_length=1, max_length=200)


class AnalyzeResult(BaseModel):
    answer: str
    model: str
    simulated: bool
    latency_s: float
    tokens_in: int
    tokens_out: int
    cost_usd: float
