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
    ├── SandboxError (RuntimeError)      untrusted code could not be run as asked (swarmnb.sandbox)
    │   ├── WorkspaceError (NotADirectoryError)  the workspace is missing or not a directory
    │   └── CommandNotFound (FileNotFoundError)  the command does not exist
    ├── NotCodeError (ValueError)        a model reply that should hold code holds none
    ├── RequirementError (ValueError)    a team workflow got an empty or unusable request
    └── GitError (RuntimeError)          a git command of a team workflow failed
                                         (swarmnb.workflows)

Work functions raise :class:`RetryableError` to ask for a retry; any other
exception fails the task at once and skips its descendants.
"""

from __future__ import annotations

__all__ = [
    "BudgetExceeded",
    "CapabilityDenied",
    "CommandNotFound",
    "GitError",
    "GraphError",
    "ModelError",
    "NotCodeError",
    "RequirementError",
    "RetryableError",
    "SandboxError",
    "StructuredOutputError",
    "SwarmError",
    "TaskFailed",
    "TaskTimeout",
    "WorkspaceError",
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


class SandboxError(SwarmError, RuntimeError):
    """Untrusted code could not be run as asked (for example a confinement that is missing)."""


class WorkspaceError(SandboxError, NotADirectoryError):
    """The sandbox workspace does not exist or is not a directory."""


class CommandNotFound(SandboxError, FileNotFoundError):
    """The command to run in the sandbox does not exist (nothing was started)."""


class NotCodeError(SwarmError, ValueError):
    """A model reply that should hold code holds none (or it does not parse)."""


class RequirementError(SwarmError, ValueError):
    """A team workflow got an empty or unusable requirement, proposal or goal."""


class GitError(SwarmError, RuntimeError):
    """A git command of a team workflow failed; the message carries git's own words."""
