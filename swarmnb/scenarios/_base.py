"""What every scenario offers: goal, tools, decomposition, merge, grader, oracle.

A :class:`Scenario` is an environment an agent plays — a simulated one or a real model,
through the same OpenAI tool schemas. Subclasses (:class:`~swarmnb.scenarios.WideSearch`,
:class:`~swarmnb.scenarios.DeepSearch`, :class:`~swarmnb.scenarios.MixedCoding`) build their
world from a seed and register an oracle under :attr:`Scenario.key`, so the offline ``sim/``
models can play them too.

Example::

    sc = WideSearch(n_items=20, seed=0)
    sc.goal                                  # the whole task, for one agent
    parts = sc.split(4)                      # 4 self-contained subtasks
    text = await sc.call_tool("search", {"query": "Aldera Systems"})
    sc.grade(sc.ground_truth)["item_f1"]     # 1.0
"""

from __future__ import annotations

import asyncio
import random
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from .._exceptions import ScenarioError
from ..oracle import SimReply, final_reply, marker, register_oracle, tool_reply
from ..protocol import is_orchestrator
from ._conversation import Conversation, tool_names
from ._tools import ToolError, ToolSpec

if TYPE_CHECKING:
    from ..graph import TaskGraph

__all__ = [
    "Scenario",
    "ScenarioError",
    "Subtask",
    "final_reply",
    "parse_results",
    "render_results",
    "tool_reply",
]

_RESULT_BLOCK = re.compile(r"<<<result subtask=(\S+?)>>>\n(.*?)\n<<<end result>>>", re.DOTALL)
MERGE_HEADER = "Combine the partial results below into the final answer."


def render_results(results: Mapping[str, str]) -> str:
    """Results of subtasks as delimited blocks a model (and an oracle) can read back."""
    return "\n".join(
        f"<<<result subtask={sid}>>>\n{text}\n<<<end result>>>" for sid, text in results.items()
    )


def parse_results(text: str) -> dict[str, str]:
    """The blocks written by :func:`render_results`, by subtask id."""
    return {m.group(1): m.group(2) for m in _RESULT_BLOCK.finditer(text)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Subtask:
    """One self-contained piece of a scenario for one subagent.

    ``deps`` are the ids of subtasks whose results this one needs, ``items`` what it covers
    (entity names, hop ids, module names). :meth:`render` appends the dependencies' results to
    the prompt — pass it what the dependencies answered.

    Example::

        hop2 = sc.split(6)[1]
        hop2.render({"hop-01": "ANSWER: Mara Quell"})
    """

    id: str
    prompt: str
    deps: tuple[str, ...] = ()
    items: tuple[str, ...] = ()

    def render(self, inputs: Mapping[str, str] | None = None) -> str:
        """The prompt with the results of its dependencies (those given) appended."""
        given = {d: inputs[d] for d in self.deps if inputs and d in inputs}
        if not given:
            return self.prompt
        return f"{self.prompt}\n\nResults of the subtasks this one depends on:\n" + (
            render_results(given)
        )

    def __repr__(self) -> str:
        deps = f", deps={list(self.deps)}" if self.deps else ""
        return f"Subtask(id={self.id!r}, items={len(self.items)}{deps})"


class Scenario(ABC):
    """Base class: the shared machinery around a seeded world.

    Subclasses define the world (``_build``), the tools (``_specs`` + ``_run_tool``), the
    decomposition, the merge, the grader and the ideal agent (``_respond``). A scenario with a
    workspace (coding) cleans it up in :meth:`close`; use ``async with`` to be sure.
    """

    name: ClassVar[str]
    #: what the orchestrator calls its subagents for this kind of work
    role: ClassVar[str] = "researcher"
    role_prompt: ClassVar[str] = "You are a careful research agent."
    #: the tools the ideal worker needs; without them it answers with what it has
    _oracle_tools: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *, seed: int) -> None:
        if not isinstance(seed, int):
            raise ScenarioError(f"seed must be an int, not {seed!r}")
        self.seed = seed

    # -- identity ----------------------------------------------------------------------------
    @property
    @abstractmethod
    def key(self) -> str:
        """Unique per (class, parameters, seed); the oracle's key and the prompt marker."""

    @property
    def marker(self) -> str:
        return marker(self.key)

    @property
    @abstractmethod
    def goal(self) -> str:
        """The whole task for one agent doing everything (contains the marker)."""

    @property
    @abstractmethod
    def ground_truth(self) -> Any:
        """The gold answer (what :meth:`grade` scores 1.0)."""

    @property
    @abstractmethod
    def default_width(self) -> int:
        """How many parallel subtasks the ideal orchestrator uses."""

    @abstractmethod
    def features(self) -> dict[str, float]:
        """Numeric observation features for policies (n_items, depth, width_max, …)."""

    # -- tools -------------------------------------------------------------------------------
    @abstractmethod
    def _specs(self) -> Sequence[ToolSpec]: ...

    @abstractmethod
    async def _run_tool(self, name: str, args: dict[str, str]) -> str: ...

    def tools(self) -> list[dict[str, Any]]:
        """The OpenAI tool schemas an agent playing this scenario gets."""
        return [spec.schema() for spec in self._specs()]

    async def call_tool(self, name: str, arguments: Mapping[str, Any] | str | None = None) -> str:
        """Run one tool call; raises :class:`ToolError` for an unknown tool or bad arguments."""
        specs = {spec.name: spec for spec in self._specs()}
        spec = specs.get(name)
        if spec is None:
            raise ToolError(f"unknown tool {name!r}; available: {sorted(specs)}", tool=name)
        return await self._run_tool(name, spec.check(arguments))

    # -- decomposition -----------------------------------------------------------------------
    @abstractmethod
    def split(self, width: int) -> list[Subtask]:
        """The natural decomposition into at most ``width`` parallel subtasks."""

    @abstractmethod
    def merge(self, results: Mapping[str, str]) -> Any:
        """Combine subagents' final answers (by subtask id) into the scenario's answer."""

    @abstractmethod
    def format_answer(self, answer: Any) -> str:
        """The answer as the final message text an agent would send."""

    def looks_usable(self, subtask: Subtask, result: str) -> bool:
        """Whether one subtask's answer looks usable, judged as an orchestrator can: from the
        answer alone, never the ground truth.

        Not empty, and — where merging it on its own gives rows — as many rows as the subtask
        has items. Scenarios whose subtasks answer in their own form override it.
        """
        if not result.strip():
            return False
        try:
            merged = self.merge({subtask.id: result})
        except Exception:  # a merge that needs more than one answer: judged non-empty above
            return True
        if isinstance(merged, list):
            return len(merged) >= len(subtask.items)
        if isinstance(merged, str):
            return bool(merged.strip())
        return True

    def merge_prompt(self, results: Mapping[str, str]) -> str:
        """A self-contained prompt asking one agent to merge subtask results."""
        return (
            f"{self.marker} {MERGE_HEADER}\n\n{self._answer_format()}\n\n{render_results(results)}"
        )

    def to_graph(self, width: int, **fields: Any) -> TaskGraph:
        """The :meth:`split` as a :class:`~swarmnb.TaskGraph` (items go to ``task.meta``)."""
        from ..graph import TaskGraph

        graph = TaskGraph()
        for sub in self.split(width):
            graph.add(
                sub.prompt, id=sub.id, deps=sub.deps, role=self.role, items=sub.items, **fields
            )
        return graph

    def _check_width(self, width: int) -> int:
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise ScenarioError(f"width must be an int ≥ 1, not {width!r}")
        return width

    # -- grading -----------------------------------------------------------------------------
    @abstractmethod
    def grade(self, answer: Any) -> dict[str, float]:
        """Quality scores of an answer (text or structured); malformed answers score 0."""

    async def agrade(self, answer: Any) -> dict[str, float]:
        """:meth:`grade` off the event loop (grading code may run a subprocess)."""
        return await asyncio.to_thread(self.grade, answer)

    # -- the ideal agent ---------------------------------------------------------------------
    @abstractmethod
    def _answer_format(self) -> str:
        """The sentence that tells an agent how to write its final answer."""

    @abstractmethod
    def _respond(
        self, conv: Conversation, *, can_act: bool, accuracy: float, rng: random.Random
    ) -> SimReply:
        """The ideal worker's next move for the task in ``conv.task``."""

    def _final_from_results(self, results: Mapping[str, str]) -> str:
        return self.format_answer(self.merge(results))

    @property
    def oracle(self) -> ScenarioOracle:
        return self._oracle

    def _register(self) -> None:
        self._oracle = ScenarioOracle(self)
        register_oracle(self._oracle)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickled in another process (a Ray actor running subagents): the oracle registry
        # there is empty, so register this scenario's oracle for the sim models to find.
        self.__dict__.update(state)
        if "_oracle" in state:
            register_oracle(self._oracle)

    # -- lifetime ----------------------------------------------------------------------------
    async def close(self) -> None:  # noqa: B027 - optional hook, nothing to release here
        """Release what the scenario holds (a coding workspace); safe to call twice."""

    async def __aenter__(self) -> Scenario:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _params(self) -> dict[str, Any]:
        """The constructor arguments that define this instance (for ``repr``)."""
        return {"seed": self.seed}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"


class ScenarioOracle:
    """The ideal agent for one scenario: orchestrator, merger or worker, by conversation.

    - tools include ``create_subagent`` and ``assign_task`` → the orchestrator
      (see :mod:`swarmnb.scenarios._orchestrate`);
    - the task is a :meth:`Scenario.merge_prompt` → the merged answer at once;
    - otherwise a worker doing the task in the prompt with the scenario's tools; when the
      needed tools are missing it answers with what it has.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.key = scenario.key
        self.scenario = scenario

    def respond(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        *,
        accuracy: float,
        rng: random.Random,
    ) -> SimReply:
        sc = self.scenario
        conv = Conversation.read(messages, marker=sc.marker)
        names = tool_names(tools)
        accuracy = min(1.0, max(0.0, float(accuracy)))
        if is_orchestrator(names):
            from ._orchestrate import orchestrate

            return orchestrate(sc, conv)
        if MERGE_HEADER in conv.task:
            return final_reply(sc._final_from_results(parse_results(conv.task)))
        can_act = sc._oracle_tools <= names
        return sc._respond(conv, can_act=can_act, accuracy=accuracy, rng=rng)

    def __repr__(self) -> str:
        return f"ScenarioOracle(key={self.key!r})"
