"""The runtime: scheduler, clocks, budgets, contexts, errors and the run handle.

``Run`` and ``start_run`` load on first use, so ``swarmnb.graph`` can import the errors here
without a cycle.
"""

from typing import Any

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
from .budget import Budget, Usage
from .clock import VirtualClockLoop
from .context import Context

__all__ = [
    "Budget",
    "BudgetExceeded",
    "CapabilityDenied",
    "Context",
    "GraphError",
    "ModelError",
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
