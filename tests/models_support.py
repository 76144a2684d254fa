"""Shared pieces for the model tests: tools, a tiny scenario oracle, call counting."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest

import swarmnb as sn
from swarmnb.models._litellm import litellm
from swarmnb.oracle import marker, register_oracle
from swarmnb.runtime.clock import VirtualClockLoop

SEARCH = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Search the corpus.",
        "parameters": {
            "type": "object",
            "properties": {"query": {"type": "string"}, "k": {"type": "integer"}},
            "required": ["query"],
        },
    },
}
OPEN_PAGE = {
    "type": "function",
    "function": {
        "name": "open_page",
        "description": "Open a page by id.",
        "parameters": {
            "type": "object",
            "properties": {"page": {"type": "integer"}},
            "required": ["page"],
        },
    },
}
TOOLS = [SEARCH, OPEN_PAGE]


@dataclass
class CapitalsOracle:
    """Knows the capital of each country; asks ``search`` first, then answers.

    Each answer is right with probability ``accuracy`` (else a random wrong city), so replies
    depend on the seeded rng the sim passes in.
    """

    key: str = "capitals-test"
    seen: list[dict[str, Any]] = field(default_factory=list)

    truth: ClassVar[dict[str, str]] = {
        "France": "Paris",
        "Japan": "Tokyo",
        "Kenya": "Nairobi",
        "Peru": "Lima",
    }

    def respond(self, messages, tools, *, accuracy, rng):
        self.seen.append({"accuracy": accuracy, "n_messages": len(messages), "tools": tools})
        country = next((c for c in self.truth if c in str(messages[0].get("content"))), "France")
        if tools and messages[-1].get("role") != "tool":
            return {
                "content": None,
                "tool_calls": [
                    {"name": "search", "arguments": {"query": f"capital of {country}", "k": 3}}
                ],
            }
        right = rng.random() < accuracy
        wrong = [c for c in self.truth.values() if c != self.truth[country]]
        city = self.truth[country] if right else rng.choice(wrong)
        return {"content": f"The capital of {country} is {city}.", "tool_calls": []}


ORACLE = CapitalsOracle()
register_oracle(ORACLE)


def ask(country: str = "France") -> list[dict[str, Any]]:
    """A conversation that the test oracle answers."""
    return [{"role": "user", "content": f"{marker(ORACLE.key)} What is the capital of {country}?"}]


def run_virtual(fn: Callable[[], Awaitable[Any]]) -> tuple[Any, float]:
    """Run ``fn()`` on a fresh virtual-clock loop; return its result and the simulated seconds."""
    loop = VirtualClockLoop()
    asyncio.set_event_loop(loop)
    try:
        start = loop.time()
        result = loop.run_until_complete(fn())
        return result, loop.time() - start
    finally:
        # Like asyncio.run: cancel what is left (litellm's background logging worker) so no
        # pending task is garbage-collected against a closed loop.
        leftovers = asyncio.all_tasks(loop)
        for task in leftovers:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        asyncio.set_event_loop(None)
        loop.close()


@dataclass
class CallLog:
    starts: list[float] = field(default_factory=list)
    tokens: list[tuple[float, int]] = field(default_factory=list)  # (start, total tokens)
    in_flight: int = 0
    peak: int = 0

    @property
    def calls(self) -> int:
        return len(self.starts)


@contextmanager
def count_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[CallLog]:
    """Wrap ``litellm.acompletion``: record start times (loop clock) and peak concurrency."""
    log = CallLog()
    real = litellm.acompletion

    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        start = asyncio.get_running_loop().time()
        log.starts.append(start)
        log.in_flight += 1
        log.peak = max(log.peak, log.in_flight)
        try:
            response = await real(*args, **kwargs)
            log.tokens.append((start, response.usage.total_tokens))
            return response
        finally:
            log.in_flight -= 1

    monkeypatch.setattr(litellm, "acompletion", wrapped)
    yield log


def run_graph(graph: sn.TaskGraph, work: Callable[..., Awaitable[Any]], **options: Any) -> Any:
    """``sn.run_graph_sync`` on the virtual clock, without a trace file."""
    options.setdefault("trace", None)
    return sn.run_graph_sync(graph, work, clock="virtual", **options)
