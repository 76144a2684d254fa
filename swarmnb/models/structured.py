"""Checking what a model said: tool calls against their schemas, JSON against a model class.

Models make mistakes that are cheap to fix if caught: truncated JSON in tool arguments, a
misspelt tool name, a number where a string belongs, prose around a JSON object. Each check
here either returns clean data or raises :class:`InvalidOutput` carrying the *repair turn* —
the messages to append so the model sees its mistake and tries again.
:func:`~swarmnb.models.complete` does that up to :data:`MAX_REPAIRS` times and then raises
:class:`~swarmnb.StructuredOutputError`.

Repair messages start with :data:`REPAIR_PREFIX`, so the ``sim/`` provider can recognise them
and re-answer the original conversation instead of treating the error text as new input.

Example::

    calls = parse_tool_calls(message, tools)         # [ToolCall(id=..., name='search', ...)]
    plan = parse_structured('{"steps": [...]}', Plan) # a validated Plan instance
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

import pydantic

from .._exceptions import InvalidOutput

__all__ = [
    "MAX_REPAIRS",
    "REPAIR_PREFIX",
    "InvalidOutput",
    "ToolCall",
    "is_repair_message",
    "parse_structured",
    "parse_tool_calls",
    "response_format_for",
    "tool_parameters",
]

#: Marks the messages of a repair turn (an error shown back to the model).
REPAIR_PREFIX = "[repair] "
#: How many times a malformed reply is sent back for repair before giving up.
MAX_REPAIRS = 3

M = TypeVar("M", bound=pydantic.BaseModel)

_FENCE = re.compile(r"^\s*```(?:json|JSON)?\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One validated tool call: ``arguments`` is already parsed and schema-checked."""

    id: str
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def to_openai(self) -> dict[str, Any]:
        """The OpenAI wire format, for the assistant message in a conversation history."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": json.dumps(self.arguments)},
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.arguments.items())
        if len(args) > 60:
            args = args[:57] + "..."
        return f"ToolCall({self.name}({args}), id={self.id!r})"


def is_repair_message(message: dict[str, Any]) -> bool:
    """Whether a message is part of a repair turn (see :data:`REPAIR_PREFIX`)."""
    content = message.get("content")
    return (
        message.get("role") in ("user", "tool")
        and isinstance(content, str)
        and content.startswith(REPAIR_PREFIX)
    )


def tool_parameters(tools: Sequence[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Tool name → its JSON schema for arguments (an empty schema when none is given)."""
    out: dict[str, dict[str, Any]] = {}
    for tool in tools or ():
        fn = tool.get("function", tool)
        name = fn.get("name")
        if not isinstance(name, str):
            raise ValueError(f"tool without a function name: {tool!r}")
        out[name] = fn.get("parameters") or {"type": "object"}
    return out


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Any:
    # Imported on first use: jsonschema's import builds format grammars and takes a second or
    # two, which a notebook should not pay before its first tool call.
    import jsonschema

    schema = json.loads(schema_json)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema)


#: JSON types a flat schema may name, and the exact Python types that certainly satisfy them
_PLAIN_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}
_FLAT_KEYS = frozenset({"type", "properties", "required", "additionalProperties", "description"})
_PROPERTY_KEYS = frozenset({"type", "description", "title"})


def _plainly_valid(args: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Whether ``args`` certainly satisfies a flat object schema (typed properties, required,
    ``additionalProperties``) — the usual tool schema, checked without the general validator.
    ``False`` means "ask jsonschema", which also words the problems."""
    if not isinstance(schema, dict) or not schema.keys() <= _FLAT_KEYS:
        return False
    if schema.get("type", "object") != "object":
        return False
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    extra = schema.get("additionalProperties", True)
    if not isinstance(properties, dict) or (extra is not True and extra is not False):
        return False
    if not isinstance(required, list) or any(type(k) is not str for k in required):
        return False
    if any(key not in args for key in required):
        return False
    for key, value in args.items():
        if key not in properties:
            if extra is False:
                return False
            continue
        prop = properties[key]
        if not isinstance(prop, dict) or not prop.keys() <= _PROPERTY_KEYS:
            return False
        kind = prop.get("type")
        if kind is not None and (
            type(kind) is not str or type(value) not in _PLAIN_TYPES.get(kind, ())
        ):
            return False
    return True


def _schema_problems(name: str, args: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    if _plainly_valid(args, schema):
        return []
    validator = _validator(json.dumps(schema, sort_keys=True))
    problems = []
    for error in sorted(validator.iter_errors(args), key=lambda e: list(map(str, e.path))):
        where = ".".join(str(p) for p in error.absolute_path)
        problems.append(f"{name}{'.' + where if where else ''}: {error.message}")
    return problems


def parse_tool_calls(
    message: dict[str, Any], tools: Sequence[dict[str, Any]] | None
) -> list[ToolCall]:
    """Parse and validate the tool calls of an assistant message (plain dict form).

    Raises :class:`InvalidOutput` naming every bad call — unparsable JSON, an unknown tool, or
    arguments that break the tool's schema — with a repair turn that answers each call.
    """
    raw_calls = message.get("tool_calls") or []
    if not raw_calls:
        return []
    schemas = tool_parameters(tools)
    calls: list[ToolCall] = []
    verdicts: list[str | None] = []
    echoed: list[dict[str, Any]] = []
    for i, raw in enumerate(raw_calls):
        fn = raw.get("function") or {}
        call_id = raw.get("id") or f"call_{i}"
        name = fn.get("name") or ""
        text = fn.get("arguments")
        problem: str | None = None
        args: Any = {}
        ok_json: bool | None = None  # whether ``text`` is JSON, once known
        if name not in schemas:
            known = ", ".join(sorted(schemas)) or "none"
            problem = f"unknown tool {name!r}; the tools are: {known}"
        if problem is None:
            try:
                if isinstance(text, str) and text.strip():
                    args, ok_json = json.loads(text), True
                else:
                    args = text or {}
            except json.JSONDecodeError as exc:
                problem = f"{name}: arguments are not valid JSON ({exc.msg}): {str(text)[:200]!r}"
        if problem is None and not isinstance(args, dict):
            problem = f"{name}: arguments must be a JSON object, not {type(args).__name__}"
        if problem is None:
            found = _schema_problems(name, args, schemas[name])
            problem = "; ".join(found) if found else None
        verdicts.append(problem)
        if ok_json is None:
            ok_json = isinstance(text, str) and _is_json(text)
        echoed.append(
            {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": text if ok_json else "{}"},
            }
        )
        if problem is None:
            calls.append(ToolCall(id=call_id, name=name, arguments=args))
    problems = [p for p in verdicts if p]
    if not problems:
        return calls
    repair: list[dict[str, Any]] = [
        {"role": "assistant", "content": message.get("content"), "tool_calls": echoed}
    ]
    for call, verdict in zip(echoed, verdicts, strict=True):
        note = (
            f"invalid tool call: {verdict}. Call the tool again with arguments that match "
            "its schema."
            if verdict
            else "not run: another tool call in the same reply was invalid; repeat it if "
            "it is still needed."
        )
        repair.append({"role": "tool", "tool_call_id": call["id"], "content": REPAIR_PREFIX + note})
    raise InvalidOutput(problems, repair)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return False
    return True


def response_format_for(response_model: type[pydantic.BaseModel]) -> dict[str, Any]:
    """The OpenAI ``response_format`` asking for JSON that matches ``response_model``."""
    return {
        "type": "json_schema",
        "json_schema": {
            "name": response_model.__name__,
            "schema": response_model.model_json_schema(),
            "strict": False,
        },
    }


def parse_structured(content: str | None, response_model: type[M]) -> M:
    """Validate a reply's text as JSON for ``response_model`` (tolerating a ```json fence)."""
    text = content or ""
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        return response_model.model_validate_json(text)
    except pydantic.ValidationError as exc:
        problems = [
            f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in exc.errors()
        ][:10]
    schema = json.dumps(response_model.model_json_schema())
    note = (
        f"your reply did not match the required JSON schema: {'; '.join(problems)}. "
        f"Reply with only a JSON object matching this schema: {schema}"
    )
    repair = [
        {"role": "assistant", "content": content or ""},
        {"role": "user", "content": REPAIR_PREFIX + note},
    ]
    raise InvalidOutput(problems, repair)
