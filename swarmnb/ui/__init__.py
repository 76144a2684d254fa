"""Live widgets for swarmnb runs: task graph, agent pool, timeline, cost, and the dashboard.

All five are anywidgets fed from a run's events (live, finished, or replayed from a trace), with
updates coalesced to at most ten flushes a second. Front-end code lives in ``widgets/`` (shipped
in the wheel as ``swarmnb/_widgets``); nothing is fetched at run time.

Example::

    from swarmnb.ui import Dashboard
    dash = Dashboard.for_run(run)      # same as run.dashboard()
    dash.pause(); dash.resume()
"""

from __future__ import annotations

from .agent_pool import AgentPoolView
from .cost import CostView
from .dashboard import Dashboard
from .task_graph import TaskGraphView
from .timeline import TimelineView
from .training import TrainingDashboard

__all__ = [
    "AgentPoolView",
    "CostView",
    "Dashboard",
    "TaskGraphView",
    "TimelineView",
    "TrainingDashboard",
]
