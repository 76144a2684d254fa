"""The runtime: scheduler, clocks, budgets, contexts, errors and the run handle.

``Run`` and ``start_run`` load on first use, so ``swarmnb.graph`` can import the errors here
without a cycle.
"""

from typing import Any

from .budget import Budget, Usage
from .clock import VirtualClockLoop
from .context import Context
from .errors import (
    BackendUnavailable,
    BudgetExceeded,
    CapabilityDenied,
    GraphError,
    ModelError,
    ResultStoreError,
    ResumeCorrupt,
    ResumeError,
    ResumeMismatch,
    ResumeNotFound,
    ResumeVersionError,
    RetryableError,
    StructuredOutputError,
    SwarmError,
    TaskFailed,
    TaskTimeout,
)

__all__ = [
    "BackendUnavailable",
    "Budget",
    "BudgetExceeded",
    "CapabilityDenied",
    "Context",
    "GraphError",
    "ModelError",
    "ResultStoreError",
    "ResumeCorrupt",
    "ResumeError",
    "ResumeMismatch",
    "ResumeNotFound",
    "ResumeVersionError",
    "RetryableError",
    "Run",
    "StructuredOutputError",
    "SwarmError",
    "TaskFailed",
    "TaskTimeout",
    "Usage",
    "VirtualClockLoop",
    "start_run",
]


def __getattr__(name: str) -> Any:
    if name == "Run":
        from .run import Run

        return Run
    if name == "start_run":
        from .start import start_run

        return start_run
    raise AttributeError(f"module 'swarmnb.runtime' has no attribute {name!r}")
