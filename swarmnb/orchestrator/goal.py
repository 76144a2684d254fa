"""``Goal``: your own task for a swarm — a goal in words and your tools, no grader.

``await swarm.solve("free-form goal", tools=[search, fetch])`` wraps the text and the tools
(``@sn.tool`` functions, or any typed functions) in a :class:`Goal` and lets an LLM orchestrator
run it: it creates subagents, assigns them parts of the goal in parallel, and merges what they
return. There is no ground truth, so the episode's quality metrics are absent; everything else
(critical steps, parallelism, tokens, cost, the trace) is measured as for any scenario.

Offline, ``sim/`` models play it through the goal's oracle: the orchestrator gives each tool
its own subagent ("Subtask part-k of n: use the tool …"), each subagent calls its tool once with
arguments taken from the goal's words, and the answer lists what came back. A real model plays
the same goal through the same tools.

Example::

    @sn.tool(capability="web.search")
    async def search(query: str) -> str:
        \"\"\"Search the web.\"\"\"
        ...

    ep = await sn.Swarm(clock="virtual").solve("compare NATS and Kafka", tools=[search, fetch])
    ep.answer, ep.metrics["critical_steps"], ep.metrics["item_f1"]   # ..., ..., None
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .._exceptions import ScenarioError, ToolError
from ..agents.tools import Tool, ToolArgumentError, make_tool
from ..models.sim import example_from_schema
from ..oracle import SimReply
from ..scenarios._base import Scenario, Subtask, final_reply, tool_reply
from ..scenarios._conversation import Conversation

__all__ = ["Goal"]

_MAX_WIDTH = 8


class Goal(Scenario):
    """A free-form goal with user tools and no grader (see module docs)."""

    name = "goal"
    role = "assistant"
    role_prompt = "You are a capable assistant. Use the tools you are given."

    def __init__(
        self, text: str, *, tools: Iterable[Tool | Callable[..., Any]] = (), seed: int = 0
    ) -> None:
        super().__init__(seed=seed)
        if not isinstance(text, str) or not text.strip():
            raise ScenarioError("a goal is a non-empty text")
        self.text = text.strip()
        self.tool_list: list[Tool] = [t if isinstance(t, Tool) else make_tool(t) for t in tools]
        names = [t.name for t in self.tool_list]
        if len(set(names)) != len(names):
            raise ScenarioError(f"two tools share a name: {names}")
        self._tools = {t.name: t for t in self.tool_list}
        self._oracle_tools = frozenset(names[:1])  # the ideal worker needs at least one tool
        digest = hashlib.sha256(f"{self.text}\x00{names}\x00{seed}".encode()).hexdigest()[:12]
        self._key = f"goal-{digest}"
        self._register()

    # -- identity ----------------------------------------------------------------------------
    @property
    def key(self) -> str:
        return self._key

    @property
    def goal(self) -> str:
        names = ", ".join(self._tools) or "none"
        return f"{self.marker} {self.text}\n\nTools your subagents can use: {names}."

    @property
    def ground_truth(self) -> None:
        return None

    @property
    def default_width(self) -> int:
        return max(1, min(len(self.tool_list), _MAX_WIDTH))

    def features(self) -> dict[str, float]:
        n = len(self.tool_list)
        return {"n_items": n, "depth": 1, "width_max": max(1, n), "est_steps_single": 1 + 2 * n,
                "default_width": self.default_width}  # fmt: skip

    # -- tools -------------------------------------------------------------------------------
    def _specs(self) -> Sequence[Any]:
        return []

    async def _run_tool(self, name: str, args: dict[str, str]) -> str:  # pragma: no cover
        raise ToolError(f"unknown tool {name!r}", tool=name)

    def tools(self) -> list[dict[str, Any]]:
        return [t.schema for t in self.tool_list]

    async def call_tool(self, name: str, arguments: Mapping[str, Any] | str | None = None) -> str:
        tool = self._tools.get(name)
        if tool is None:
            raise ToolError(f"unknown tool {name!r}; available: {sorted(self._tools)}", tool=name)
        try:
            return await tool.run(arguments)
        except ToolArgumentError as exc:
            raise ToolError(str(exc), tool=name) from None
        except Exception as exc:  # the user's tool failed: the model reads why
            raise ToolError(f"{name} failed: {type(exc).__name__}: {exc}", tool=name) from None

    # -- decomposition: one part per tool ----------------------------------------------------
    def split(self, width: int) -> list[Subtask]:
        width = self._check_width(width)
        if not self.tool_list or width == 1:
            return [Subtask(id="part-1", prompt=f"{self.marker} Subtask part-1 of 1: {self.text}")]
        parts = self.tool_list[:width]
        return [
            Subtask(
                id=f"part-{i}",
                prompt=(
                    f"{self.marker} Subtask part-{i} of {len(parts)}: use the tool {t.name} "
                    f"for this goal and report what it returned.\n\nGoal: {self.text}"
                ),
                items=(t.name,),
            )
            for i, t in enumerate(parts, 1)
        ]

    def merge(self, results: Mapping[str, str]) -> str:
        return "\n".join(f"- {text.strip()}" for text in results.values() if text.strip())

    def format_answer(self, answer: Any) -> str:
        return str(answer)

    def _answer_format(self) -> str:
        return "Answer in plain text."

    def grade(self, answer: Any) -> dict[str, float]:
        return {}  # no grader: the quality metrics stay absent

    # -- the ideal worker (what sim/ models play) ---------------------------------------------
    def _respond(
        self, conv: Conversation, *, can_act: bool, accuracy: float, rng: random.Random
    ) -> SimReply:
        wanted = [n for n in self._tools if f"use the tool {n} " in conv.task] or list(self._tools)
        done = {c.name for c in conv.calls}
        todo = [n for n in wanted if n not in done]
        if todo and can_act:
            words = " ".join(self.text.split()[:12])
            calls = [
                {"name": n, "arguments": example_from_schema(
                    self._tools[n].schema["function"]["parameters"], words)}
                for n in todo
            ]  # fmt: skip
            reply = tool_reply(calls[0]["name"], **calls[0]["arguments"])
            reply["tool_calls"] = calls
            return reply
        found = [f"{c.name}: {(c.result or '').strip()[:300]}" for c in conv.calls]
        return final_reply("; ".join(found) or f"(no tool used) {self.text}")

    def _params(self) -> dict[str, Any]:
        return {"text": self.text[:40], "tools": list(self._tools), "seed": self.seed}
