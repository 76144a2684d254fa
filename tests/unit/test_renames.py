"""Renamed public names keep working for one release, with a DeprecationWarning."""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path

import pytest

import swarmnb as sn
from swarmnb import protocol
from swarmnb.orchestrator import AssignAction, FinishAction, ToolCallAction
from swarmnb.scenarios import WideSearch

# the module (the package also exports its function of the same name)
context_window = importlib.import_module("swarmnb.orchestrator.context_window")


@pytest.mark.parametrize(
    ("old", "new"),
    [("Assign", AssignAction), ("Finish", FinishAction), ("ToolCall", ToolCallAction)],
)
def test_old_action_names_warn_and_resolve(old: str, new: type) -> None:
    with pytest.warns(DeprecationWarning, match=new.__name__):
        assert getattr(sn.orchestrator, old) is new


def test_old_context_module_warns_and_is_the_same_strategies() -> None:
    sys.modules.pop("swarmnb.orchestrator.context", None)
    with pytest.warns(DeprecationWarning, match="context_window"):
        old = importlib.import_module("swarmnb.orchestrator.context")
    assert old.Summarize is context_window.Summarize


def test_swarm_context_is_now_context_strategy() -> None:
    strategy = context_window.DiscardAll(window=2500)
    with pytest.warns(DeprecationWarning, match="context_strategy"):
        swarm = sn.Swarm(policy=sn.policies.Single(), context=strategy, trace=None)
    assert swarm.context_strategy is strategy and swarm.context is strategy
    new = sn.Swarm(policy=sn.policies.Single(), context_strategy=strategy, trace=None)
    assert new.episode_config().context_strategy is strategy


def test_heuristic_moved_to_its_own_module() -> None:
    from swarmnb.policies import fixed, heuristic

    assert sn.policies.Heuristic is heuristic.Heuristic
    with pytest.warns(DeprecationWarning, match="heuristic"):
        assert fixed.Heuristic is heuristic.Heuristic


def test_the_k25_contract_is_one_leaf_module() -> None:
    names = [t["function"]["name"] for t in protocol.ORCHESTRATOR_TOOLS]
    assert names == [protocol.CREATE_SUBAGENT, protocol.ASSIGN_TASK]
    assert sn.scenarios.ORCHESTRATOR_TOOLS is protocol.ORCHESTRATOR_TOOLS
    assert sn.orchestrator.ORCHESTRATOR_SYSTEM_PROMPT is protocol.ORCHESTRATOR_SYSTEM_PROMPT
    assert protocol.is_orchestrator({"assign_task", "create_subagent", "search"})
    assert not protocol.is_orchestrator({"assign_task", "search"})
    source = importlib.util.find_spec("swarmnb.protocol").origin  # type: ignore[union-attr]
    text = Path(source).read_text(encoding="utf-8")
    assert "from ." not in text and "import swarmnb" not in text


def test_episode_learns_through_its_on_finish_callback() -> None:
    seen: list[object] = []
    swarm = sn.Swarm(policy=sn.policies.Heuristic(), trace=None)
    episode = swarm.solve_sync(WideSearch(n_items=6, seed=0))
    assert episode.reward is not None and isinstance(episode, sn.Episode)
    again = sn.Episode(
        run=episode.run, scenario=episode.scenario, decision=episode.decision,
        observation=episode.observation, on_finish=seen.append,
    )  # fmt: skip
    asyncio.run(_await_twice(again))
    assert seen == [again]


async def _await_twice(episode: sn.Episode) -> None:
    await episode
    await episode
