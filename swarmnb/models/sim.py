"""The ``sim/`` models' behaviour: what they reply, how long it takes, what it costs.

:func:`simulate` is a pure function of the request — model, messages, tools, seed — used by
both the in-process litellm provider and the loopback HTTP server, so ``sim/small`` and
``openai/sim-small`` (through :func:`~swarmnb.models.serve_sim`) give the same reply. It never
sleeps; the callers sleep ``outcome.latency_s`` on their clock.

What it says: if the messages carry a scenario marker, the scenario's oracle answers at the
profile's accuracy for this context fill (see :mod:`swarmnb.oracle`). Otherwise a short,
deterministic "[sim …]" reply: a tool call when the last user message names one of the tools
(or ``tool_choice`` forces one), a summary of the tool result after a tool turn, else text.

Example::

    out = simulate("sim/small", [{"role": "user", "content": "hello"}], seed=0)
    out.content, out.tokens_in, out.latency_s     # ('[sim small] hello', 11, 0.3…)
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .._exceptions import ContextOverflow, UnknownSimModel
from .._image_facts import answer_from_facts, facts_in_messages
from ..oracle import find_oracle
from ._tools_json import tools_json
from .faults import MalformedKind
from .sim_params import CHARS_PER_TOKEN, SIM_PROFILES, SimProfile
from .structured import is_repair_message, tool_parameters
from .tokens import estimate_text_tokens, estimate_tokens, message_text, tool_calls_key

__all__ = [
    "ContextOverflow",
    "SimOutcome",
    "SimToolCallOut",
    "UnknownSimModel",
    "example_from_schema",
    "plain_messages",
    "resolve_profile",
    "simulate",
    "strip_repairs",
]

_SIM_NAME = re.compile(r"^(?:sim/|(?:[\w.\-]+/)?sim-)([\w.\-]+)$")


@dataclass(frozen=True, slots=True)
class SimToolCallOut:
    id: str
    name: str
    arguments: str  #: JSON text, as on the wire (possibly malformed on purpose)


@dataclass(frozen=True, slots=True, kw_only=True)
class SimOutcome:
    """A simulated reply with its token counts, latency and the accuracy it was drawn at."""

    model: str
    content: str | None
    tool_calls: tuple[SimToolCallOut, ...]
    finish_reason: str
    tokens_in: int
    tokens_out: int
    latency_s: float
    accuracy: float
    oracle: str | None
    request_hash: str


def resolve_profile(model: str) -> SimProfile:
    """The profile for ``"sim/small"``, ``"small"``, ``"sim-small"`` or ``"openai/sim-small"``."""
    match = _SIM_NAME.match(model)
    name = match.group(1) if match else model
    try:
        return SIM_PROFILES[name]
    except KeyError:
        known = ", ".join(f"sim/{n}" for n in SIM_PROFILES)
        raise UnknownSimModel(f"unknown sim model {model!r}; known: {known}") from None


def sim_profile_or_none(model: str) -> SimProfile | None:
    """The profile if ``model`` is a sim model string (``sim/x`` or ``provider/sim-x``)."""
    if not _SIM_NAME.match(model):
        return None
    try:
        return resolve_profile(model)
    except UnknownSimModel:
        return None


def plain_messages(messages: Sequence[Any]) -> list[dict[str, Any]]:
    """Messages as plain dicts (litellm ``Message`` objects are pydantic models)."""
    out = []
    for m in messages:
        if isinstance(m, dict):
            out.append(m)
        elif hasattr(m, "model_dump"):
            out.append({k: v for k, v in m.model_dump().items() if v is not None})
        else:
            raise TypeError(f"a message must be a dict, not {type(m).__name__}")
    return out


def strip_repairs(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The conversation without trailing repair turns, and how many turns were removed."""
    msgs = list(messages)
    repairs = 0
    while msgs and is_repair_message(msgs[-1]):
        while msgs and is_repair_message(msgs[-1]):
            msgs.pop()
        if msgs and msgs[-1].get("role") == "assistant":
            msgs.pop()
        repairs += 1
    return msgs, repairs


_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def _digest(*parts: Any) -> str:
    return hashlib.sha256(_canonical(parts).encode()).hexdigest()


_TEXT_JSON: dict[tuple[tuple[str, str], ...], str] = {}  # all-text message items → JSON
_CALLS_JSON: dict[tuple[tuple[str, Any], ...], str] = {}  # text + tool_calls_key → JSON


def _message_json(message: dict[str, Any]) -> str:
    """``_canonical(message)``, remembered: a conversation's turns are hashed again at every
    later turn. Only messages whose JSON their key fixes are stored — all-text items, or text
    plus plain tool calls (:func:`~swarmnb.models.tokens.tool_calls_key`) — so a hit is always
    a message equal to the stored one (``1 == True`` cannot collide with a string)."""
    items = tuple(message.items())
    if "tool_calls" in message:
        store, key = _CALLS_JSON, _calls_message_key(items)
        if key is not None and (text := _CALLS_JSON.get(key)) is not None:
            return text
    else:
        try:
            return _TEXT_JSON[items]
        except (KeyError, TypeError):  # not seen yet, or holds a list
            store = _TEXT_JSON
            key = items if all(type(k) is str and type(v) is str for k, v in items) else None
    text = _canonical(message)
    if key is not None:
        if len(store) >= 4096:
            store.clear()
        store[key] = text
    return text


def _calls_message_key(items: tuple[tuple[Any, Any], ...]) -> tuple[tuple[str, Any], ...] | None:
    key = []
    for name, value in items:
        if type(name) is not str:
            return None
        if type(value) is not str:
            value = tool_calls_key(value) if name == "tool_calls" else None
            if value is None:
                return None
        key.append((name, value))
    return tuple(key)


def _request_digest(
    seed: int, name: str, base: list[dict[str, Any]], tools: Any, repairs: int
) -> str:
    """``_digest(seed, name, base, tools, repairs)``, its JSON assembled message by message."""
    head = _canonical([seed, name])[:-1]
    tail = f"{tools_json(tools)[1] if tools else _canonical(tools)},{_canonical(repairs)}]"
    blob = f"{head},[{','.join(map(_message_json, base))}],{tail}"
    return hashlib.sha256(blob.encode()).hexdigest()


def simulate(
    model: str,
    messages: Sequence[Any],
    *,
    tools: Sequence[dict[str, Any]] | None = None,
    tool_choice: Any = None,
    response_format: dict[str, Any] | None = None,
    seed: int | None = None,
    max_tokens: int | None = None,
    malformed: MalformedKind | None = None,
    prompt_tokens: int | None = None,
) -> SimOutcome:
    """Compute a sim model's reply; deterministic in (seed, model, messages, tools).

    ``malformed`` forces a corrupted reply (fault injection); otherwise a tool-calling reply
    is corrupted with the profile's ``malformed_rate``. A text reply longer than
    ``max_tokens`` is cut there (``finish_reason == "length"``), as real models stop.
    ``prompt_tokens`` is ``estimate_tokens(messages, tools)`` when the caller has counted
    already (the fast path has), else it is counted here.
    Raises :class:`UnknownSimModel` and :class:`ContextOverflow`.
    """
    profile = resolve_profile(model)
    msgs = plain_messages(messages)
    tools = list(tools) if tools else None
    tokens_in = estimate_tokens(msgs, tools) if prompt_tokens is None else prompt_tokens
    if tokens_in > profile.context_window:
        raise ContextOverflow(
            f"{profile.model}: prompt of ~{tokens_in:,} tokens exceeds the context window of "
            f"{profile.context_window:,} tokens"
        )
    base, repairs = strip_repairs(msgs)
    request_hash = _request_digest(seed or 0, profile.name, base, tools, repairs)
    rng = random.Random(request_hash)
    accuracy = profile.accuracy(tokens_in)

    oracle = find_oracle(base)
    if oracle is not None:
        reply = oracle.respond(base, tools, accuracy=accuracy, rng=rng)
        content = reply.get("content")
        calls = [(c["name"], dict(c.get("arguments") or {})) for c in reply.get("tool_calls") or []]
    elif (seen := facts_in_messages(base)) is not None:  # an image: answer from its metadata
        content, calls = answer_from_facts(seen[0], seen[1], tag=f"[sim {profile.name} vision]"), []
    else:
        content, calls = _generic_reply(profile, base, tools, tool_choice, response_format)
    if tool_choice == "none" and calls:
        content = content or f"[sim {profile.name}] (would call {calls[0][0]})"
        calls = []

    wire = [
        SimToolCallOut(
            id=f"call_{_digest(request_hash, i)[:24]}",
            name=name,
            arguments=json.dumps(args, ensure_ascii=False),
        )
        for i, (name, args) in enumerate(calls)
    ]
    kind = malformed
    if kind is None and wire and rng.random() < profile.malformed_rate:
        kind = rng.choice(("bad_json", "unknown_tool", "wrong_type"))
    if kind is not None:
        content, wire = _corrupt(kind, content, wire, tools, response_format)

    finish = "tool_calls" if wire else "stop"
    if max_tokens and content and estimate_text_tokens(content) > max_tokens:
        content = content[: int(max_tokens * CHARS_PER_TOKEN)]
        finish = "length" if not wire else finish
    out_text = (content or "") + "".join(c.name + c.arguments for c in wire)
    tokens_out = max(1, estimate_text_tokens(out_text) + 3 * len(wire))
    latency = profile.latency(tokens_in, tokens_out, rng.gauss(0.0, 1.0))
    return SimOutcome(
        model=profile.model,
        content=content,
        tool_calls=tuple(wire),
        finish_reason=finish,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        latency_s=latency,
        accuracy=accuracy,
        oracle=getattr(oracle, "key", None),
        request_hash=request_hash,
    )


def _words(text: str, n: int = 16) -> str:
    words = text.split()
    return " ".join(words[:n]) + (" …" if len(words) > n else "")


def _generic_reply(
    profile: SimProfile,
    msgs: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    tool_choice: Any,
    response_format: dict[str, Any] | None,
) -> tuple[str | None, list[tuple[str, dict[str, Any]]]]:
    tag = f"[sim {profile.name}]"
    last = msgs[-1] if msgs else {}
    last_user = next((m for m in reversed(msgs) if m.get("role") == "user"), {})
    user_text = message_text(last_user)
    schemas = tool_parameters(tools)
    forced = None
    if isinstance(tool_choice, dict):
        forced = (tool_choice.get("function") or {}).get("name")
    elif tool_choice == "required" and schemas:
        forced = next(iter(schemas))
    if last.get("role") == "tool" and forced is None:
        return f"{tag} Based on the tool result: {_words(message_text(last))}", []
    if (schemas and last.get("role") == "user") or forced:
        named = forced or next(
            (n for n in schemas if re.search(rf"\b{re.escape(n)}\b", user_text, re.I)), None
        )
        if named in schemas:
            return None, [(named, example_from_schema(schemas[named], _words(user_text, 12)))]
    if response_format and response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {}
        return json.dumps(example_from_schema(schema, f"{tag} {_words(user_text, 8)}")), []
    if response_format and response_format.get("type") == "json_object":
        return json.dumps({"answer": f"{tag} {_words(user_text)}"}), []
    return f"{tag} {_words(user_text)}" if user_text else f"{tag} (no question)", []


def example_from_schema(schema: dict[str, Any], text: str, *, _root: Any = None) -> Any:
    """A deterministic value that satisfies a (simple) JSON schema, strings filled with text."""
    root = schema if _root is None else _root
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {})
        return example_from_schema(target, text, _root=root)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for combo in ("anyOf", "oneOf", "allOf"):
        if schema.get(combo):
            options = [s for s in schema[combo] if s.get("type") != "null"] or schema[combo]
            return example_from_schema(options[0], text, _root=root)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties") or {}
        return {k: example_from_schema(v, text, _root=root) for k, v in props.items()}
    if kind == "array":
        return [example_from_schema(schema.get("items") or {}, text, _root=root)]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return text


def _corrupt(
    kind: MalformedKind,
    content: str | None,
    wire: list[SimToolCallOut],
    tools: list[dict[str, Any]] | None,
    response_format: dict[str, Any] | None,
) -> tuple[str | None, list[SimToolCallOut]]:
    """Damage a reply the way real models do (fault injection and the natural error rate)."""
    if not wire:
        if response_format and content:  # a JSON answer cut short
            return content[: max(1, len(content) // 2)], wire
        return content, wire
    first = wire[0]
    schema = tool_parameters(tools).get(first.name, {})
    props = list((schema.get("properties") or {}).items())
    if kind == "unknown_tool":
        bad = SimToolCallOut(first.id, first.name + "_v2", first.arguments)
    elif kind == "wrong_type" and props:
        args = json.loads(first.arguments)
        key, prop = props[0]
        args[key] = 12345 if prop.get("type") in ("string", "array", "object", None) else "many"
        bad = SimToolCallOut(first.id, first.name, json.dumps(args, ensure_ascii=False))
    else:  # bad_json: truncated mid-object
        cut = first.arguments[: max(1, len(first.arguments) - 2)]
        bad = SimToolCallOut(first.id, first.name, cut)
    return content, [bad, *wire[1:]]
