"""swarmnb — explore agent swarms in Jupyter.

An orchestrator decomposes a goal, spawns frozen subagents and runs them in parallel over a
dependency graph, with retries, timeouts, budgets and failure cascades; live widgets show the
task graph, the agent pool, parallelism over time and cost.

Example::

    import swarmnb as sn

    g = sn.TaskGraph()
    g.add("look up A", id="a")
    g.add("look up B", id="b")
    g.add("merge", id="m", deps=["a", "b"])

    async def work(task, ctx):
        return task.prompt.upper()

    run = await sn.run_graph(g, work, clock="virtual")
    run.metrics["critical_steps"]     # 2

Subpackages load on first use: ``sn.models``, ``sn.scenarios``, ``sn.policies``,
``sn.orchestrator``, ``sn.bench``, ``sn.ui``, ``sn.sandbox``, ``sn.memory``, ``sn.workflows``,
``sn.backends``, ``sn.agents``, ``sn.bus``; ``sn.tool`` comes from ``sn.agents``.
"""

from __future__ import annotations

import importlib
import os

# litellm would otherwise fetch its price map over the network at import time.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from ._api import run_graph, run_graph_sync
from ._exceptions import (
    BackendUnavailable,
    BusError,
    BusTimeout,
    CalibrationError,
    CheckpointError,
    DependencyError,
    ManifestError,
    PolicyFileError,
    RegistryError,
    ResultStoreError,
    ResumeCorrupt,
    ResumeError,
    ResumeMismatch,
    ResumeNotFound,
    ResumeNotRebuildable,
    ResumeVersionError,
    ToolDefinitionError,
    TrainingConfigError,
    UnknownRole,
)
from ._version import __version__
from .events import EVENT_KINDS, EventBus
from .graph import Task, TaskGraph
from .metrics import METRIC_NAMES, compute_metrics
from .runtime import (
    Budget,
    BudgetExceeded,
    CapabilityDenied,
    Context,
    GraphError,
    ModelError,
    RetryableError,
    Run,
    StructuredOutputError,
    SwarmError,
    TaskFailed,
    TaskTimeout,
)
from .trace import ReplayedRun, replay, runs

__all__ = [
    "EVENT_KINDS",
    "METRIC_NAMES",
    "BackendUnavailable",
    "Budget",
    "BudgetExceeded",
    "BusError",
    "BusTimeout",
    "CalibrationError",
    "CapabilityDenied",
    "CheckpointError",
    "Context",
    "DependencyError",
    "Episode",
    "EventBus",
    "GraphError",
    "ManifestError",
    "ModelError",
    "PolicyFileError",
    "RegistryError",
    "ReplayedRun",
    "ResultStoreError",
    "ResumeCorrupt",
    "ResumeError",
    "ResumeMismatch",
    "ResumeNotFound",
    "ResumeNotRebuildable",
    "ResumeVersionError",
    "RetryableError",
    "Run",
    "StructuredOutputError",
    "Swarm",
    "SwarmError",
    "Task",
    "TaskFailed",
    "TaskGraph",
    "TaskTimeout",
    "ToolDefinitionError",
    "TrainingConfigError",
    "UnknownRole",
    "__version__",
    "compute_metrics",
    "replay",
    "run_graph",
    "run_graph_sync",
    "runs",
]

_LAZY_MODULES = frozenset(
    {"models", "scenarios", "policies", "orchestrator", "bench", "ui", "telemetry", "vision", "api"}
    | {"sandbox", "memory", "workflows"}
    | {"training"}
    | {"agents", "bus"}
)
_LAZY_NAMES = {
    "Swarm": "orchestrator",
    "Episode": "orchestrator",
    "Client": "api",
    "tool": "agents",
}
_LAZY_PATHS = {"backends": "runtime.backends"}


def __getattr__(name: str) -> object:
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_PATHS:
        return importlib.import_module(f".{_LAZY_PATHS[name]}", __name__)
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'swarmnb' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, *_LAZY_MODULES, *_LAZY_PATHS, *_LAZY_NAMES])
