"""Token estimates for chat requests, without a tokenizer.

The sim models bill by these estimates, and :func:`~swarmnb.models.complete` uses them to
reserve budget before any call (real models are then billed by the provider's own counts).
A character count is fast, offline and the same on every machine; at ~4 characters per token
it is within ~10–20 % of real BPE tokenizers on English prose and JSON.

Example::

    estimate_tokens([{"role": "user", "content": "hello there"}])   # 4 + 3 + 3 = 10
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from ._tools_json import tools_json
from .sim_params import CHARS_PER_TOKEN, MESSAGE_OVERHEAD_TOKENS, REPLY_PRIMING_TOKENS

__all__ = ["estimate_message_tokens", "estimate_text_tokens", "estimate_tokens", "message_text"]

# Built once: ``json.dumps`` with keyword arguments builds a new encoder on every call, and
# this runs for every message of every request.
_dumps = json.JSONEncoder(default=str).encode
_CALL_TOKENS: dict[tuple[tuple[str, str, str, str], ...], int] = {}  # tool_calls_key → tokens


def estimate_text_tokens(text: str | None) -> int:
    """Tokens in a piece of text (0 for empty or ``None``)."""
    if not text:
        return 0
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def message_text(message: dict[str, Any]) -> str:
    """The textual content of an OpenAI-format message (joins content parts)."""
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return content if isinstance(content, str) else ""


def estimate_message_tokens(message: dict[str, Any]) -> int:
    """Tokens of one message: framing, text, and any tool calls it carries."""
    content = message.get("content")
    text = content if type(content) is str else message_text(message)
    tokens = MESSAGE_OVERHEAD_TOKENS + estimate_text_tokens(text)
    tool_calls = message.get("tool_calls")
    if tool_calls:
        key = tool_calls_key(tool_calls)
        counted = _CALL_TOKENS.get(key) if key is not None else None
        if counted is None:
            if not (isinstance(tool_calls, list) and all(type(c) is dict for c in tool_calls)):
                tool_calls = _plain(tool_calls)  # plain dicts already dump as they are
            counted = estimate_text_tokens(_dumps(tool_calls))
            if key is not None:
                if len(_CALL_TOKENS) >= 4096:
                    _CALL_TOKENS.clear()
                _CALL_TOKENS[key] = counted
        tokens += counted
    return tokens


def tool_calls_key(tool_calls: Any) -> tuple[tuple[str, str, str, str], ...] | None:
    """``(id, type, name, arguments)`` of each call when ``tool_calls`` is a list of plain
    OpenAI tool calls with text fields only — which then fix its JSON up to key order — else
    ``None``. Earlier turns of a conversation are counted and hashed again at every later
    turn; this key lets their JSON be remembered."""
    if type(tool_calls) is not list:
        return None
    key = []
    for call in tool_calls:  # exactly id, type, function{name, arguments}, all text
        if type(call) is not dict or len(call) != 3:
            return None
        function = call.get("function")
        if type(function) is not dict or len(function) != 2:
            return None
        fields = (call.get("id"), call.get("type"), function.get("name"), function.get("arguments"))
        if not (
            type(fields[0]) is str
            and type(fields[1]) is str
            and type(fields[2]) is str
            and type(fields[3]) is str
        ):
            return None
        key.append(fields)
    return tuple(key)


def estimate_tokens(
    messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]] | None = None
) -> int:
    """Prompt tokens of a request: every message, the tool schemas, and the reply priming."""
    total = REPLY_PRIMING_TOKENS + sum(estimate_message_tokens(m) for m in messages)
    if tools:
        total += estimate_text_tokens(tools_json(tools)[0])
    return total


def _plain(value: Any) -> Any:
    """Pydantic objects (litellm message parts) to plain data for counting."""
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
