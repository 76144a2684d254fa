"""Former home of the runtime's exceptions; they live in :mod:`swarmnb._exceptions` now.

Kept so ``from swarmnb.runtime.errors import …`` goes on working.
"""

from .._exceptions import (
    BudgetExceeded,
    CapabilityDenied,
    CommandNotFound,
    GraphError,
    ModelError,
    RetryableError,
    SandboxError,
    StructuredOutputError,
    SwarmError,
    TaskFailed,
    TaskTimeout,
    WorkspaceError,
)

__all__ = [
    "BudgetExceeded",
    "CapabilityDenied",
    "CommandNotFound",
    "GraphError",
    "ModelError",
    "RetryableError",
    "SandboxError",
    "StructuredOutputError",
    "SwarmError",
    "TaskFailed",
    "TaskTimeout",
    "WorkspaceError",
]
