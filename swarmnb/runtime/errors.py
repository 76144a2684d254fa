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
    ├── ManifestError (ValueError)       an agent manifest is malformed: unknown field, bad
    │   │                                version, bad capability (swarmnb.agents)
    │   └── DependencyError              a missing, too old or cyclic agent dependency
    ├── UnknownRole (LookupError)        no built-in or installed role by that name
    ├── RegistryError (ValueError)       a registry operation that cannot be done (scale < 0,
    │                                    a role not installed, a closed registry)
    ├── ToolDefinitionError (TypeError)  a function cannot become a tool (no type hints)
    ├── BusError                         the message bus failed (swarmnb.bus)
    │   └── BusTimeout (TimeoutError)    a request got no reply in time
    └── ModelError                       a model call failed for good
        ├── StructuredOutputError        output still invalid after the repair attempts
        └── TransientModelError          429/5xx/timeouts outlasted the call's retries; also
                                         a RetryableError, so the task retries
                                         (swarmnb.models)

Work functions raise :class:`RetryableError` to ask for a retry; any other
exception fails the task at once and skips its descendants.
"""

from __future__ import annotations

__all__ = [
    "BudgetExceeded",
    "BusError",
    "BusTimeout",
    "CapabilityDenied",
    "DependencyError",
    "GraphError",
    "ManifestError",
    "ModelError",
    "RegistryError",
    "RetryableError",
    "StructuredOutputError",
    "SwarmError",
    "TaskFailed",
    "TaskTimeout",
    "ToolDefinitionError",
    "UnknownRole",
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
    """An agent called a tool outside the capabilities it was granted.

    ``agent`` and ``capability`` name who asked for what (``"fs.write:/etc/passwd"``).
    """

    def __init__(self, message: str, *, agent: str | None = None, capability: str = "") -> None:
        super().__init__(message)
        self.agent = agent
        self.capability = capability


class ManifestError(SwarmError, ValueError):
    """An agent manifest is malformed; the message names the field and the file."""


class DependencyError(ManifestError):
    """An agent's dependency is missing, too old, or part of a cycle (``chain`` names it)."""

    def __init__(self, message: str, *, chain: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.chain = tuple(chain)


class UnknownRole(SwarmError, LookupError):
    """No built-in or installed role by that name (the message lists the known ones)."""

    def __str__(self) -> str:  # LookupError would quote a single argument like KeyError does not
        return str(self.args[0]) if self.args else ""


class RegistryError(SwarmError, ValueError):
    """An agent registry operation that cannot be done (scale below zero, role not installed)."""


class ToolDefinitionError(SwarmError, TypeError):
    """A function cannot become a tool: a parameter or the return value lacks a type hint."""


class BusError(SwarmError):
    """The message bus failed: not connected, closed, or the server refused."""


class BusTimeout(BusError, TimeoutError):
    """A request on the bus got no reply within its timeout."""


class ModelError(SwarmError):
    """A model call failed for good (after retries, or with a non-transient error)."""


class StructuredOutputError(ModelError):
    """The model's output did not validate against the schema after every repair."""
