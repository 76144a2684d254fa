"""Helpers for the agent tests: a virtual-clock runner, tools, and permissive manifests."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import swarmnb as sn
from swarmnb.runtime.clock import run_in_new_loop


def virtual(main: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run ``main()`` on a fresh virtual-clock loop: heartbeats and timeouts cost no real time."""
    return run_in_new_loop(main, "virtual")


@sn.tool(capability="web.search")
async def search(query: str) -> str:
    """Search the web.

    Args:
        query: what to look for.
    """
    return f"3 results for {query}"


@sn.tool(capability="fs.write", scope="path")
def write_file(path: str, text: str) -> str:
    """Write a text file."""
    return f"wrote {len(text)} characters to {path}"


def manifest(role: str = "worker", **fields: Any) -> sn.agents.AgentManifest:
    """A small manifest granting web.search; ``fields`` override (nested dicts merge)."""
    data: dict[str, Any] = {
        "id": role, "name": role.title(), "role": role, "model": "sim/small",
        "capabilities": ["web.search"],
        "health": {"interval_s": 1.0, "timeout_s": 3.0, "failure_threshold": 2},
    }  # fmt: skip
    for key, value in fields.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return sn.agents.AgentManifest.parse(data)
