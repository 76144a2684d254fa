"""The exceptions swarmnb raises, in one place.

Every error the SDK raises on purpose derives from :class:`SwarmError`, so
``except sn.SwarmError`` catches them all while the built-in bases keep the
usual idioms working (a :class:`GraphError` is also a ``ValueError``)::

    SwarmError
    ├── GraphError (ValueError)          bad graph: cycle, unknown or duplicate id
    ├── RetryableError                   a transient fault; the scheduler retries the task
    │   └── TaskTimeout (TimeoutError)   an attempt ran past its ``timeout``
    ├── TaskFailed                       awaiting the result of a task that did not complete
    ├── BudgetExceeded                   a unit of work would pass the run's budget
    ├── CapabilityDenied (PermissionError)  an agent used a tool it was not granted
    ├── ModelError                       a model call failed for good
    │   ├── StructuredOutputError        output still invalid after the repair attempts
    │   └── TransientModelError          429/5xx/timeouts outlasted the call's retries; also
    │                                    a RetryableError, so the task retries
    │                                    (swarmnb.models)
    ├── ResultStoreError (ValueError)    a task's result cannot be made durable (too large,
    │                                    or neither JSON nor picklable)
    ├── ResumeError (ValueError)         a run cannot be resumed from this trace
    │   ├── ResumeNotFound (FileNotFoundError)  no such trace, or no result store beside it
    │   ├── ResumeCorrupt                a line other than the last is not a record
    │   ├── ResumeMismatch               the trace belongs to a different graph or run
    │   └── ResumeVersionError           written by a newer format version
    └── BackendUnavailable (ImportError) an execution backend's extra is not installed

Work functions raise :class:`RetryableError` to ask for a retry; any other
exception fails the task at once and skips its descendants.
"""

from __future__ import annotations

__all__ = [
    "BackendUnavailable",
    "BudgetExceeded",
    "CapabilityDenied",
    "GraphError",
    "ModelError",
    "ResultStoreError",
    "ResumeCorrupt",
    "ResumeError",
    "ResumeMismatch",
    "ResumeNotFound",
    "ResumeVersionError",
    "RetryableError",
    "StructuredOutputError",
    "SwarmError",
    "TaskFailed",
    "TaskTimeout",
]


class SwarmError(Exception):
    """Base class of every error swarmnb raises on purpose."""


class GraphError(SwarmError, ValueError):
    """The task graph is malformed.

    ``nodes`` lists the task ids involved (the cycle, the unknown dependency, …)
    so a caller can point at them.
    """

    def __init__(self, message: str, *, nodes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.nodes = tuple(nodes)


class RetryableError(SwarmError):
    """A transient fault: the scheduler retries the task with backoff.

    ``retry_after`` (seconds), when given, replaces the computed backoff — use it
    for a provider's ``Retry-After`` header.

    Example::

        async def work(task, ctx):
            if flaky():
                raise sn.RetryableError("upstream hiccup", retry_after=2.0)
    """

    def __init__(self, message: str = "", *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TaskTimeout(RetryableError, TimeoutError):
    """An attempt ran longer than its task's ``timeout``."""


class TaskFailed(SwarmError):
    """The awaited task ended without completing (failed, skipped or cancelled)."""

    def __init__(self, task_id: str, status: str, reason: str) -> None:
        super().__init__(f"task {task_id!r} {status}: {reason}")
        self.task_id = task_id
        self.status = status
        self.reason = reason


class BudgetExceeded(SwarmError):
    """Starting this unit of work would pass the run's budget.

    ``resource`` names the exhausted budget: ``"usd"``, ``"tokens"``, ``"seconds"``
    or ``"steps"``.
    """

    def __init__(self, message: str, *, resource: str = "usd") -> None:
        super().__init__(message)
        self.resource = resource


class CapabilityDenied(SwarmError, PermissionError):
    """An agent called a tool outside the capabilities it was granted."""


class ModelError(SwarmError):
    """A model call failed for good (after retries, or with a non-transient error)."""


class StructuredOutputError(ModelError):
    """The model's output did not validate against the schema after every repair."""


class ResultStoreError(SwarmError, ValueError):
    """A completed task's result cannot be made durable.

    Raised (and the attempt failed with it) when the result is neither JSON nor picklable, or
    when its stored form is over the store's size cap.
    """


class ResumeError(SwarmError, ValueError):
    """A run cannot be resumed from the given trace; nothing was restored."""


class ResumeNotFound(ResumeError, FileNotFoundError):
    """No trace at the given path or run id, or no result store beside it."""


class ResumeCorrupt(ResumeError):
    """A line other than the last one of a trace or result store is not a valid record.

    A torn *last* line is what a crash mid-write leaves behind and is skipped, not fatal.
    """


class ResumeMismatch(ResumeError):
    """The trace belongs to a different graph or run than the one being resumed."""


class ResumeVersionError(ResumeError):
    """The trace or result store was written by a newer format version than this swarmnb reads."""


class BackendUnavailable(SwarmError, ImportError):
    """An execution backend needs an extra that is not installed (``pip install swarmnb[ray]``)."""
