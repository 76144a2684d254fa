"""``@sn.tool``: a typed Python function becomes an OpenAI tool guarded by a capability.

The parameters' type hints and the docstring make the schema (through a pydantic model, so
arguments from a model are validated and coerced the same way); ``capability`` names what an
agent must be granted to call it, and ``scope`` names the argument whose value is the call's
scope (a path, a host), so a grant like ``fs.write:workspace/**`` can limit where it writes.
Sync and async functions both work. A parameter without a type hint is an error: the model
would otherwise see an argument it cannot know how to fill.

Example::

    @sn.tool(capability="web.search")
    async def search(query: str, limit: int = 5) -> str:
        \"\"\"Search the web.

        Args:
            query: what to look for.
            limit: how many results.
        \"\"\"
        ...

    search.schema["function"]["parameters"]["required"]     # ['query']
    await search.run({"query": "nats"})                      # what the function returned, as text
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, get_type_hints, overload

import pydantic

from .._exceptions import ToolArgumentError, ToolDefinitionError
from .manifest import check_capability

__all__ = ["Tool", "ToolArgumentError", "tool"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Tool:
    """A callable tool: name, description, JSON schema, capability, and the function."""

    name: str
    description: str
    capability: str
    scope: str | None
    fn: Callable[..., Any]
    args_model: type[pydantic.BaseModel]
    schema: dict[str, Any] = field(repr=False)

    def parse_arguments(self, arguments: Mapping[str, Any] | str | None) -> dict[str, Any]:
        """Validated keyword arguments; :class:`ToolArgumentError` says what is wrong."""
        if arguments is None or arguments == "":
            arguments = {}
        if isinstance(arguments, str | bytes):
            try:
                arguments = json.loads(arguments)
            except ValueError as exc:
                raise ToolArgumentError(f"{self.name}: arguments are not JSON ({exc})") from None
        if not isinstance(arguments, Mapping):
            raise ToolArgumentError(f"{self.name}: arguments must be a JSON object")
        try:
            parsed = self.args_model.model_validate(dict(arguments))
        except pydantic.ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()
            )
            raise ToolArgumentError(f"{self.name}: {problems}") from None
        return {name: getattr(parsed, name) for name in type(parsed).model_fields}

    def scope_of(self, kwargs: Mapping[str, Any]) -> str | None:
        """The call's scope: the value of the ``scope`` argument, as text."""
        if self.scope is None:
            return None
        value = kwargs.get(self.scope)
        return None if value is None else str(value)

    async def invoke(self, kwargs: Mapping[str, Any]) -> Any:
        """Call the function with already-validated arguments (no capability check here)."""
        out = self.fn(**kwargs)
        if inspect.isawaitable(out):
            out = await out
        return out

    async def run(self, arguments: Mapping[str, Any] | str | None = None) -> str:
        """Validate, call, and render the result as text (what a model reads back).

        This is the unguarded path for your own code; agents call tools through the registry's
        capability gate.
        """
        return render_result(await self.invoke(self.parse_arguments(arguments)))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Tool {self.name} capability={self.capability!r}>"


def render_result(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump_json()
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def _doc_parts(doc: str) -> tuple[str, dict[str, str]]:
    """The summary paragraph and ``Args:``-section descriptions of a docstring."""
    doc = inspect.cleandoc(doc or "")
    summary = doc.split("\n\n", 1)[0].replace("\n", " ").strip()
    params: dict[str, str] = {}
    section = re.search(
        r"^(?:Args|Arguments|Parameters):\s*\n(.*?)(?:\n\s*\n|\Z)", doc, re.M | re.S
    )
    if section:
        current = None
        for line in section.group(1).splitlines():
            m = re.match(r"^\s*(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$", line)
            if m:
                current = m.group(1)
                params[current] = m.group(2).strip()
            elif current and line.strip():
                params[current] += " " + line.strip()
    return summary, params


def _strip_titles(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _strip_titles(v) for k, v in schema.items() if k != "title"}
    if isinstance(schema, list):
        return [_strip_titles(v) for v in schema]
    return schema


def make_tool(
    fn: Callable[..., Any],
    *,
    capability: str | None = None,
    name: str | None = None,
    description: str | None = None,
    scope: str | None = None,
) -> Tool:
    """Build a :class:`Tool` from ``fn`` (what ``@tool`` does)."""
    if isinstance(fn, Tool):
        fn = fn.fn
    if not callable(fn):
        raise ToolDefinitionError(f"a tool is a function, not {type(fn).__name__}")
    tool_name = name or getattr(fn, "__name__", "")
    if not _NAME.match(tool_name):
        raise ToolDefinitionError(f"bad tool name {tool_name!r}: letters, digits, '_' and '-'")
    try:
        hints = get_type_hints(fn)
    except Exception as exc:
        raise ToolDefinitionError(
            f"tool {tool_name!r}: cannot resolve type hints ({exc})"
        ) from None
    sig = inspect.signature(fn)
    summary, param_docs = _doc_parts(fn.__doc__ or "")
    fields: dict[str, Any] = {}
    for pname, param in sig.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ToolDefinitionError(
                f"tool {tool_name!r}: *{pname} cannot be described to a model; name each argument"
            )
        if pname not in hints:
            raise ToolDefinitionError(
                f"tool {tool_name!r}: parameter {pname!r} has no type hint "
                f"(e.g. `{pname}: str`); a model cannot know what to pass"
            )
        default = ... if param.default is param.empty else param.default
        fields[pname] = (hints[pname], pydantic.Field(default, description=param_docs.get(pname)))
    if "return" not in hints:
        raise ToolDefinitionError(
            f"tool {tool_name!r}: the return value has no type hint (e.g. `-> str`)"
        )
    if scope is not None and scope not in fields:
        raise ToolDefinitionError(
            f"tool {tool_name!r}: scope argument {scope!r} is not a parameter"
        )
    cap = capability if capability is not None else tool_name
    try:
        check_capability(cap)
    except ValueError as exc:
        raise ToolDefinitionError(f"tool {tool_name!r}: {exc}") from None
    if cap.startswith("!") or ":" in cap or "*" in cap:
        raise ToolDefinitionError(
            f"tool {tool_name!r}: capability {cap!r} must be a plain name like 'fs.write'"
        )
    model = pydantic.create_model(  # type: ignore[call-overload]
        f"{tool_name}_args", __config__=pydantic.ConfigDict(extra="forbid"), **fields
    )
    text = description or summary or f"Call {tool_name}."
    schema = {
        "type": "function",
        "function": {
            "name": tool_name,
            "description": text,
            "parameters": _strip_titles(model.model_json_schema()),
        },
    }
    return Tool(
        name=tool_name, description=text, capability=cap, scope=scope, fn=fn, args_model=model,
        schema=schema,
    )  # fmt: skip


@overload
def tool(fn: Callable[..., Any], /) -> Tool: ...


@overload
def tool(
    *,
    capability: str | None = None,
    name: str | None = None,
    description: str | None = None,
    scope: str | None = None,
) -> Callable[[Callable[..., Any]], Tool]: ...


def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    capability: str | None = None,
    name: str | None = None,
    description: str | None = None,
    scope: str | None = None,
) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """Decorator: ``@sn.tool`` or ``@sn.tool(capability="web.search", scope="url")``.

    ``capability`` defaults to the tool's name. Raises :class:`~swarmnb.ToolDefinitionError`
    for a parameter or return value without a type hint.
    """

    def wrap(f: Callable[..., Any]) -> Tool:
        return make_tool(f, capability=capability, name=name, description=description, scope=scope)

    return wrap(fn) if fn is not None else wrap
