"""Tool schemas as JSON, remembered while they stay the same.

Every turn of an agent's conversation sends the same tool schemas, and every turn both
counts them (:func:`~swarmnb.models.estimate_tokens`) and hashes them (the sim's request
hash): encoding the same schemas twice per turn is a large share of a simulated call. The
schemas are remembered by the identity of the tool dicts *and* checked against a deep copy
taken when they were first seen, so a schema edited in place is encoded afresh.

Example::

    sorted_json, canonical_json = tools_json(tools)
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

__all__ = ["tools_json"]

#: ``json.dumps(tools, sort_keys=True, default=str)`` — what the token estimate measures
_sorted = json.JSONEncoder(sort_keys=True, default=str).encode
#: compact and sorted — what the sim's request hash covers
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode

_MAX = 256
# ids of the tool dicts → (the dicts, a deep copy of them, sorted JSON, canonical JSON);
# holding the dicts keeps their ids from being reused while remembered
_seen: dict[tuple[int, ...], tuple[tuple[Any, ...], list[Any], str, str]] = {}


def tools_json(tools: Sequence[Any]) -> tuple[str, str]:
    """``(_sorted(list(tools)), _canonical(list(tools)))``, remembered for unchanged tools."""
    tools = list(tools)
    key = tuple(map(id, tools))
    hit = _seen.get(key)
    if hit is not None and hit[1] == tools:
        return hit[2], hit[3]
    texts = _sorted(tools), _canonical(tools)
    try:
        snapshot = copy.deepcopy(tools)
    except Exception:  # an object that cannot be copied: not remembered
        return texts
    if snapshot == tools:  # (NaN and odd __eq__ never match themselves: not remembered)
        if len(_seen) >= _MAX:
            _seen.clear()
        _seen[key] = (tuple(tools), snapshot, *texts)
    return texts
