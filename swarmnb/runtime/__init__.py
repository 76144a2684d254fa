"""The runtime: scheduler, clocks, budgets, contexts, errors and the run handle.

``Run`` and ``start_run`` load on first use, so ``swarmnb.graph`` can import the errors here
without a cycle.
"""

from typing import Any

from .budget import Budget, Usage
from .clock import VirtualClockLoop
from .context import Context
from .errors import (
    BudgetExceeded,
    BusError,
    BusTimeout,
    CapabilityDenied,
    DependencyError,
    GraphError,
    ManifestError,
    ModelError,
    RegistryError,
    RetryableError,
    StructuredOutputError,
    SwarmError,
    TaskFailed,
    TaskTimeout,
    ToolDefinitionError,
    UnknownRole,
)

__all__ = [
    "Budget",
    "BudgetExceeded",
    "BusError",
    "BusTimeout",
    "CapabilityDenied",
    "Context",
    "DependencyError",
    "GraphError",
    "ManifestError",
    "ModelError",
    "RegistryError",
    "RetryableError",
    "Run",
    "StructuredOutputError",
    "SwarmError",
    "TaskFailed",
    "TaskTimeout",
    "ToolDefinitionError",
    "UnknownRole",
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
