"""The agent pool: one tile per agent with its profile, state, current task and totals.

Agents come from ``agent.spawned`` / ``agent.finished`` events and from the ``agent`` of each
attempt; supervised agents (a :class:`~swarmnb.agents.Registry`) also show their health, the
age of their last heartbeat, restarts, quarantine and denied tool calls. Tasks without an
agent run on numbered *worker* lanes (see :mod:`swarmnb.ui._state`). Finished agents leave
the pool live (``show_finished`` keeps them).
Rows travel through a :class:`~swarmnb.ui._channel.DeltaChannel`: a flush sends only the agents
whose row changed.

Example::

    pool = AgentPoolView.for_run(run)
    pool.totals()["worker 0"]["cost_usd"]
"""

from __future__ import annotations

from typing import Any

import traitlets as t

from ._assets import es_module
from ._base import View
from ._channel import DeltaChannel
from ._state import AGENT_FIELDS, Changes, SwarmState

__all__ = ["AgentPoolView"]


class AgentPoolView(View):
    """Live tiles for agents (or worker lanes), with steps, tokens and dollars per agent."""

    _esm = es_module("agent_pool.js")

    agents_base = t.Dict().tag(sync=True)
    agents_delta = t.Dict().tag(sync=True)
    fields = t.List(t.Unicode(), default_value=list(AGENT_FIELDS)).tag(sync=True)
    show_finished = t.Bool(False).tag(sync=True)
    clock = t.Float(0.0).tag(sync=True)  #: the state's time, for heartbeat ages
    height = t.Int(260).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        self._channel = DeltaChannel("agents", min_rebase=64)
        super().__init__(**kwargs)

    def totals(self) -> dict[str, dict[str, float]]:
        """Usage per agent id, as shown."""
        return self.state.agent_totals()

    def _sync(self, state: SwarmState, changes: Changes) -> None:
        self.clock = float(state.now)
        agents = state.agents
        changed = {aid: agents[aid].row() for aid in changes.agents if aid in agents}
        self._set(
            self._channel.update(
                changed,
                full=lambda: {aid: agent.row() for aid, agent in agents.items()},
                size=len(agents),
                rebase=changes.full,
            )
        )

    def _repr_fields(self) -> str:
        agents = self.state.agents.values()
        live = sum(1 for a in agents if a.state != "finished")
        return f"agents={len(self.state.agents)} active={live} status={self.state.status}"
