"""Scenarios: environments any agent can play — a simulated one or a real model.

Each scenario has a goal text, OpenAI-format tools, a grader with a stated ground truth, a
natural decomposition for a swarm (:meth:`Scenario.split`) and an oracle the offline ``sim/``
models consult (its marker is in every prompt the scenario writes).

- :class:`WideSearch` — fill a table of N companies × attributes (item-F1, row-F1, success);
- :class:`DeepSearch` — follow a chain of lookups (little to parallelise);
- :class:`MixedCoding` — implement a DAG of modules whose tests really run;
- :class:`CodingTask` — one function with a reference solution and pytest tests, for team
  workflows: :func:`coding_tasks` (the in-repo set), :func:`humaneval_tasks` (HumanEval).

Example::

    import swarmnb as sn

    sc = sn.scenarios.WideSearch(n_items=100, n_attributes=4, seed=0)
    sc.tools()                      # search, open_page
    parts = sc.split(20)            # 20 subtasks of 5 companies
    p = await sn.scenarios.play(sc, accuracy=1.0)   # the ideal single agent
    p.scores                        # {'item_f1': 1.0, 'row_f1': 1.0, 'success_rate': 1.0}
"""

from __future__ import annotations

from ._base import Scenario, ScenarioError, ScenarioOracle, Subtask
from ._play import ORCHESTRATOR_TOOLS, Playthrough, play
from ._tools import ToolError
from .codetasks import CodingTask, coding_tasks, extract_code, humaneval_tasks
from .coding import MixedCoding
from .deep import DeepSearch
from .wide import WideSearch

__all__ = [
    "ORCHESTRATOR_TOOLS",
    "CodingTask",
    "DeepSearch",
    "MixedCoding",
    "Playthrough",
    "Scenario",
    "ScenarioError",
    "ScenarioOracle",
    "Subtask",
    "ToolError",
    "WideSearch",
    "coding_tasks",
    "extract_code",
    "humaneval_tasks",
    "play",
]
