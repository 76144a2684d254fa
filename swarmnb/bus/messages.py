"""The messages agents and the registry exchange, and the subjects they travel on.

Every message is a pydantic model; every subject starts with ``swarmnb.``. Broadcast subjects
carry assignments, progress, completions and heartbeats; help and decision requests use
request/reply; completions (and failures) are kept in the durable stream for replay.

=====================================  ===========================  =====================
subject                                message                      how
=====================================  ===========================  =====================
``swarmnb.tasks.assigned.<agent>``     :class:`TaskAssigned`        broadcast
``swarmnb.tasks.started``              :class:`TaskStarted`         broadcast
``swarmnb.tasks.progress``             :class:`TaskProgress`        broadcast
``swarmnb.tasks.completed``            :class:`TaskCompleted`       stream (replayable)
``swarmnb.tasks.failed``               :class:`TaskFailedMsg`       stream (replayable)
``swarmnb.agent.heartbeat.<agent>``    :class:`Heartbeat`           broadcast
``swarmnb.agent.help.<role>``          :class:`HelpRequest`         request → HelpOffer
``swarmnb.context.shared``             :class:`SharedContext`       broadcast
``swarmnb.decision.request.<role>``    :class:`DecisionRequest`     request → DecisionMade
=====================================  ===========================  =====================

Example::

    await bus.publish(subjects.heartbeat("developer-1"),
                      Heartbeat(agent="developer-1", role="developer", status="idle", load=0.0))
"""

from __future__ import annotations

import time
from typing import Any, Literal

import pydantic

__all__ = [
    "DecisionMade",
    "DecisionRequest",
    "Heartbeat",
    "HelpOffer",
    "HelpRequest",
    "SharedContext",
    "TaskAssigned",
    "TaskCompleted",
    "TaskFailedMsg",
    "TaskProgress",
    "TaskStarted",
    "subjects",
]


class _Msg(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    sent_at: float = pydantic.Field(default_factory=time.time)


class TaskAssigned(_Msg):
    """The registry hands a task to one agent (at least once: it may arrive again)."""

    task_id: str
    role: str
    agent: str
    prompt: str
    priority: int = 5
    deadline: float | None = None  #: on the registry's loop clock
    attempt: int = 1
    tools: list[str] = pydantic.Field(default_factory=list)
    submitted_at: float = 0.0  #: on the registry's loop clock


class TaskStarted(_Msg):
    task_id: str
    agent: str
    attempt: int = 1


class TaskProgress(_Msg):
    task_id: str
    agent: str
    percent: float = pydantic.Field(ge=0, le=100)
    current_step: str = ""


class TaskCompleted(_Msg):
    """A result; the registry records the first one per ``task_id`` and drops repeats."""

    task_id: str
    agent: str
    role: str
    output: str
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    duration_s: float = 0.0
    tool_calls: int = 0
    attempt: int = 1


class TaskFailedMsg(_Msg):
    task_id: str
    agent: str
    role: str
    error: str
    retry_count: int = 0
    attempt: int = 1


class Heartbeat(_Msg):
    agent: str
    role: str
    status: Literal["idle", "busy", "draining"] = "idle"
    load: float = pydantic.Field(default=0.0, ge=0.0, le=1.0)
    incarnation: int = 0


class HelpRequest(_Msg):
    from_agent: str
    roles: list[str]
    question: str


class HelpOffer(_Msg):
    from_agent: str
    answer: str


class SharedContext(_Msg):
    """Knowledge shared with every agent; ``ttl_s`` says how long it stays valid."""

    from_agent: str
    type: str
    data: dict[str, Any] = pydantic.Field(default_factory=dict)
    ttl_s: float | None = None


class DecisionRequest(_Msg):
    from_agent: str
    question: str
    options: list[str]


class DecisionMade(_Msg):
    choice: str
    reasoning: str
    made_by: str


class _Subjects:
    """Subject names, in one place."""

    prefix = "swarmnb"
    started = "swarmnb.tasks.started"
    progress = "swarmnb.tasks.progress"
    completed = "swarmnb.tasks.completed"
    failed = "swarmnb.tasks.failed"
    shared_context = "swarmnb.context.shared"
    heartbeats = "swarmnb.agent.heartbeat.>"

    @staticmethod
    def assigned(agent: str) -> str:
        return f"swarmnb.tasks.assigned.{agent}"

    @staticmethod
    def heartbeat(agent: str) -> str:
        return f"swarmnb.agent.heartbeat.{agent}"

    @staticmethod
    def help(role: str) -> str:
        return f"swarmnb.agent.help.{role}"

    @staticmethod
    def decision(role: str) -> str:
        return f"swarmnb.decision.request.{role}"


subjects = _Subjects()
