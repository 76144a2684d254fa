"""Every exception swarmnb raises, in one place.

Each derives from :class:`SwarmError`, so ``except sn.SwarmError`` catches them all, and from
the built-in it behaves like, so the usual idioms keep working (a :class:`GraphError` is also
a ``ValueError``, a :class:`TaskTimeout` a ``TimeoutError``)::

    SwarmError
    ├── GraphError (ValueError)            bad graph: cycle, unknown or duplicate id
    ├── RetryableError                     a transient fault; the scheduler retries the task
    │   ├── TaskTimeout (TimeoutError)     an attempt ran past its ``timeout``
    │   ├── AgentCrashed                   the agent running an attempt crashed (the swarm
    │                                      service's supervised pools): retried elsewhere
    │   └── TransientModelError            (also a ModelError, below) 429/5xx/timeouts
    │                                      outlasted the call's retries: the task retries
    ├── TaskFailed                         awaiting the result of a task that did not complete
    ├── BudgetExceeded                     a unit of work would pass the run's budget
    ├── CapabilityDenied (PermissionError) an agent used a tool it was not granted
    ├── ManifestError (ValueError)         an agent manifest is malformed: unknown field, bad
    │   │                                  version, bad capability (swarmnb.agents)
    │   └── DependencyError                a missing, too old or cyclic agent dependency
    ├── UnknownRole (LookupError)          no built-in or installed role by that name
    ├── RegistryError (ValueError)         a registry operation that cannot be done (scale < 0,
    │                                      a role not installed, a closed registry)
    ├── ToolDefinitionError (TypeError)    a function cannot become a tool (no type hints)
    ├── ToolArgumentError (ValueError)     a model sent arguments the tool's signature rejects
    ├── BusError                           the message bus failed (swarmnb.bus)
    │   └── BusTimeout (TimeoutError)      a request got no reply in time
    ├── ModelError                         a model call failed for good
    │   ├── StructuredOutputError          output still invalid after the repair attempts
    │   ├── TransientModelError            (see RetryableError above)
    │   ├── UnknownSimModel (LookupError)  a ``sim/…`` model string names no sim profile
    │   └── ContextOverflow (ValueError)   a prompt longer than the profile's context window
    ├── InvalidOutput (ValueError)         one reply that cannot be used as is; carries the
    │                                      repair turn (the completion loop catches it)
    ├── AgentLimitReached                  the swarm already has ``max_subagents`` subagents
    ├── StepLimitReached                   an agent used all its steps without an answer
    ├── ToolError                          unknown tool or bad arguments (handed back to the
    │                                      model as the tool result)
    ├── ScenarioError (ValueError)         a scenario built or asked with invalid parameters
    ├── PolicyFileError (ValueError)       a policy file that is missing, not JSON or not a policy
    ├── CheckpointError (ValueError)       a training checkpoint that cannot be resumed from
    ├── TrainingConfigError (ValueError)   bad training settings: λ < 0, an empty curriculum, …
    ├── CalibrationError (ValueError)      traces cannot give a sim profile: no model calls,
    │                                      several models and none named (swarmnb.models)
    ├── SwarmConflict (ValueError)         a service request that does not fit the swarm's
    │                                      state: closed, duplicate or unknown task ids (409)
    ├── ServiceError (RuntimeError)        the swarm service answered an error (sn.Client):
    │                                      ``status``, ``detail``, ``retry_after``
    ├── SandboxError (RuntimeError)        untrusted code could not be run as asked (sandbox)
    │   ├── WorkspaceError (NotADirectoryError)  the workspace is missing or not a directory
    │   └── CommandNotFound (FileNotFoundError)  the command does not exist
    ├── NotCodeError (ValueError)          a model reply that should hold code holds none
    ├── RequirementError (ValueError)      a team workflow got an empty or unusable request
    ├── GitError (RuntimeError)            a git command of a team workflow failed (workflows)
    ├── ResultStoreError (ValueError)      a task's result cannot be made durable (over the
    │                                      size cap, or neither JSON nor picklable)
    ├── ResumeError (ValueError)           a run cannot be resumed from this trace
    │   ├── ResumeNotFound (FileNotFoundError)  no such trace, or no result store beside it
    │   ├── ResumeCorrupt                  a line other than the last is not a record
    │   ├── ResumeMismatch                 the trace belongs to a different graph or run
    │   ├── ResumeVersionError             written by a newer format version
    │   └── ResumeNotRebuildable           ``swarmnb resume`` cannot rebuild the run from its
    │                                      trace (Python objects): resume it from Python
    └── BackendUnavailable (ImportError)   an execution backend's extra is not installed

Work functions raise :class:`RetryableError` to ask for a retry; any other exception fails the
task at once and skips its descendants.

One class here is a *signal*, not an error, and deliberately outside the tree: like
``KeyboardInterrupt`` it derives from ``BaseException`` only, so no ``except Exception`` in
the code it interrupts can swallow it (listed in :data:`SIGNALS`)::

    BaseException
    └── AgentCrash                         kills a worker's incarnation (fault injection)

Example::

    try:
        g.validate()
    except sn.GraphError as exc:
        print(exc.nodes)       # the task ids on the cycle
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "SIGNALS",
    "AgentCrash",
    "AgentCrashed",
    "AgentLimitReached",
    "BackendUnavailable",
    "BudgetExceeded",
    "BusError",
    "BusTimeout",
    "CalibrationError",
    "CapabilityDenied",
    "CheckpointError",
    "CommandNotFound",
    "ContextOverflow",
    "DependencyError",
    "GitError",
    "GraphError",
    "InvalidOutput",
    "ManifestError",
    "ModelError",
    "NotCodeError",
    "PolicyFileError",
    "RegistryError",
    "RequirementError",
    "ResultStoreError",
    "ResumeCorrupt",
    "ResumeError",
    "ResumeMismatch",
    "ResumeNotFound",
    "ResumeNotRebuildable",
    "ResumeVersionError",
    "RetryableError",
    "SandboxError",
    "ScenarioError",
    "ServiceError",
    "StepLimitReached",
    "StructuredOutputError",
    "SwarmConflict",
    "SwarmError",
    "TaskFailed",
    "TaskTimeout",
    "ToolArgumentError",
    "ToolDefinitionError",
    "ToolError",
    "TrainingConfigError",
    "TransientModelError",
    "UnknownRole",
    "UnknownSimModel",
    "WorkspaceError",
]


class SwarmError(Exception):
    """Base class of every error swarmnb raises on purpose."""


class GraphError(SwarmError, ValueError):
    """The task graph is malformed.

    ``nodes`` lists the task ids involved (the cycle, the unknown dependency, …) so a caller
    can point at them.
    """

    def __init__(self, message: str, *, nodes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.nodes = tuple(nodes)


class RetryableError(SwarmError):
    """A transient fault: the scheduler retries the task with backoff.

    ``retry_after`` (seconds), when given, replaces the computed backoff — use it for a
    provider's ``Retry-After`` header.

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


class AgentCrashed(RetryableError):
    """The agent running an attempt crashed; the task is retried on another agent."""


class TaskFailed(SwarmError):
    """The awaited task ended without completing (failed, skipped or cancelled)."""

    def __init__(self, task_id: str, status: str, reason: str) -> None:
        super().__init__(f"task {task_id!r} {status}: {reason}")
        self.task_id = task_id
        self.status = status
        self.reason = reason


class BudgetExceeded(SwarmError):
    """Starting this unit of work would pass the run's budget.

    ``resource`` names the exhausted budget: ``"usd"``, ``"tokens"``, ``"seconds"`` or
    ``"steps"``.
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

    def __str__(self) -> str:  # a LookupError would show its message quoted, like a KeyError
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


class TransientModelError(ModelError, RetryableError):
    """A model call kept failing with a transient fault (429, 5xx, timeout) after its retries.

    It is a :class:`ModelError` (the call failed) and a :class:`RetryableError` (the scheduler
    may retry the whole task later, after ``retry_after`` seconds when the provider said so).
    """


class UnknownSimModel(ModelError, LookupError):
    """The model string names no sim profile."""


class ContextOverflow(ModelError, ValueError):
    """The prompt is longer than the profile's context window."""


class InvalidOutput(SwarmError, ValueError):
    """A reply that cannot be used as is; ``repair`` holds the messages that ask for a fix."""

    def __init__(self, problems: Sequence[str], repair: list[dict[str, Any]]) -> None:
        self.problems = list(problems)
        self.repair = repair
        super().__init__("; ".join(self.problems))


class AgentLimitReached(SwarmError):
    """The swarm already has ``max_subagents`` subagents."""


class StepLimitReached(SwarmError):
    """An agent used all its steps without giving a final answer."""


class ToolError(SwarmError):
    """A tool was called by a name the scenario does not have, or with bad arguments.

    Agent loops should hand the message back to the model as the tool's result (for example
    ``"Error: " + str(exc)``) so it can correct the call; the scenario oracles treat a tool
    result starting with ``Error`` as a failed call.
    """

    def __init__(self, message: str, *, tool: str | None = None) -> None:
        super().__init__(message)
        self.tool = tool


class ScenarioError(SwarmError, ValueError):
    """A scenario was built or asked for something with invalid parameters."""


class SandboxError(SwarmError, RuntimeError):
    """Untrusted code could not be run as asked (for example a confinement that is missing)."""


class WorkspaceError(SandboxError, NotADirectoryError):
    """The sandbox workspace does not exist or is not a directory."""


class CommandNotFound(SandboxError, FileNotFoundError):
    """The command to run in the sandbox does not exist (nothing was started)."""


class CalibrationError(SwarmError, ValueError):
    """The traces cannot be calibrated: no model calls, too few, or several models unnamed.

    ``models`` lists the models the traces hold calls to (pick one with ``model=``).
    """

    def __init__(self, message: str, *, models: list[str] | tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.models = tuple(models)


class PolicyFileError(SwarmError, ValueError):
    """A saved policy that cannot be loaded: no such file, not JSON, or not that policy's format."""


class CheckpointError(SwarmError, ValueError):
    """A training checkpoint that cannot be resumed from (missing, truncated or foreign)."""


class TrainingConfigError(SwarmError, ValueError):
    """Training settings that cannot work: a negative λ, an empty curriculum, a bad size."""


class SwarmConflict(SwarmError, ValueError):
    """A swarm-service request that does not fit the swarm's state (HTTP 409)."""


class ServiceError(SwarmError, RuntimeError):
    """The swarm service answered with an error status; ``status`` and ``detail`` say which."""

    def __init__(self, status: int, detail: Any, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail
        self.retry_after = retry_after


class NotCodeError(SwarmError, ValueError):
    """A model reply that should hold code holds none (or it does not parse)."""


class RequirementError(SwarmError, ValueError):
    """A team workflow got an empty or unusable requirement, proposal or goal."""


class GitError(SwarmError, RuntimeError):
    """A git command of a team workflow failed; the message carries git's own words."""


class ResultStoreError(SwarmError, ValueError):
    """A completed task's result cannot be made durable.

    Raised (and the attempt failed with it) when the result is neither JSON nor picklable, or
    when its stored form is over the result store's size cap.
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


class ResumeNotRebuildable(ResumeError):
    """``swarmnb resume`` cannot rebuild the run from its trace and result store alone.

    A work function, scenario, policy or tools defined in a notebook or script (or not plain
    data) were not recorded; the message says how to resume from Python instead:
    ``sn.run_graph(g, work, resume=...)`` or ``swarm.solve(scenario, resume=...)``.
    """


class BackendUnavailable(SwarmError, ImportError):
    """An execution backend needs an extra that is not installed (``pip install swarmnb[ray]``)."""


class ToolArgumentError(SwarmError, ValueError):
    """The model sent arguments the tool's signature rejects (returned to it as a tool error)."""


class AgentCrash(BaseException):
    """Kills a worker's incarnation (fault injection); a BaseException, so nothing swallows it."""


#: Control-flow signals: ``BaseException`` subclasses on purpose, not :class:`SwarmError`.
SIGNALS: tuple[type[BaseException], ...] = (AgentCrash,)
