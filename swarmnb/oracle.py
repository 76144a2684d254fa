"""How the offline ``sim/`` models know what a good answer looks like.

A scenario (an environment with tools and a grader) registers an :class:`Oracle`. Its goal
and subtask prompts carry a marker ``[scenario:KEY]``; when a ``sim/`` model receives messages
that mention a registered key, it asks that oracle for the reply an *ideal* agent would give
next — a tool call or a final answer — at the accuracy the model's profile and context fill
allow. Real models ignore the marker; they play the same scenario through the same tools.

Example::

    class EchoOracle:
        key = "echo-0"
        def respond(self, messages, tools, *, accuracy, rng):
            return {"content": messages[-1]["content"], "tool_calls": []}

    register_oracle(EchoOracle())
    find_oracle([{"role": "user", "content": "[scenario:echo-0] hi"}])   # the EchoOracle
"""

from __future__ import annotations

import random
import re
import threading
from functools import lru_cache
from typing import Any, Protocol, TypedDict, runtime_checkable

__all__ = [
    "Oracle",
    "SimReply",
    "SimToolCall",
    "final_reply",
    "find_oracle",
    "marker",
    "register_oracle",
    "tool_reply",
]

_MARKER = re.compile(r"\[scenario:([A-Za-z0-9_.:\-]+)\]")


class SimToolCall(TypedDict):
    name: str
    arguments: dict[str, Any]


class SimReply(TypedDict):
    """What the ideal agent says next: text, tool calls, or both."""

    content: str | None
    tool_calls: list[SimToolCall]


def final_reply(content: str) -> SimReply:
    """A reply that ends the turn with ``content``."""
    return {"content": content, "tool_calls": []}


def tool_reply(name: str, **arguments: Any) -> SimReply:
    """A reply that calls one tool."""
    return {"content": None, "tool_calls": [{"name": name, "arguments": arguments}]}


@runtime_checkable
class Oracle(Protocol):
    """Knows a scenario's ground truth and the ideal next move in any of its conversations."""

    key: str

    def respond(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        *,
        accuracy: float,
        rng: random.Random,
    ) -> SimReply:
        """The next reply. Each fact in a final answer is right with probability ``accuracy``."""
        ...


_registry: dict[str, Oracle] = {}
_lock = threading.Lock()


def marker(key: str) -> str:
    """The text to put into a prompt so sim models find the scenario's oracle."""
    return f"[scenario:{key}]"


def register_oracle(oracle: Oracle) -> None:
    """Make an oracle findable by its key (a later registration with the same key wins)."""
    with _lock:
        _registry[oracle.key] = oracle


@lru_cache(maxsize=1024)  # every turn scans the conversation's earlier messages again
def _markers_last_first(text: str) -> tuple[str, ...]:
    return tuple(reversed(_MARKER.findall(text)))


def find_oracle(messages: list[dict[str, Any]]) -> Oracle | None:
    """The oracle whose marker appears in the messages (the last mention wins), if any."""
    for message in reversed(messages):
        content = message.get("content")
        if isinstance(content, list):  # OpenAI content parts
            content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        if not isinstance(content, str):
            continue
        for key in _markers_last_first(content):
            oracle = _registry.get(key)
            if oracle is not None:
                return oracle
    return None
