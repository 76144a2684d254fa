"""Former home of the runtime's exceptions; they live in :mod:`swarmnb._exceptions` now.

Kept so ``from swarmnb.runtime.errors import …`` goes on working.
"""

from .._exceptions import (
    BudgetExceeded,
    CapabilityDenied,
    GraphError,
    ModelError,
    RetryableError,
    StructuredOutputError,
    SwarmError,
    TaskFailed,
    TaskTimeout,
)

__all__ = [
    "BudgetExceeded",
    "CapabilityDenied",
    "GraphError",
    "ModelError",
    "RetryableError",
    "StructuredOutputError",
    "SwarmError",
    "TaskFailed",
    "TaskTimeout",
]
