"""Tool specs: one OpenAI function schema and one argument check per tool.

Every scenario tool takes string arguments only (a query, a URL, a path, file content), so a
spec is a name, a description and the described parameters. :meth:`ToolSpec.schema` is what a
model sees; :meth:`ToolSpec.check` turns whatever the model sent (a dict, or the raw JSON text
of an OpenAI tool call) into clean keyword arguments, or raises :class:`ToolError` with a
message the model can act on.

Example::

    spec = ToolSpec(name="search", description="Search the corpus.",
                    params={"query": "What to look for."})
    spec.schema()["function"]["parameters"]["required"]   # ['query']
    spec.check('{"query": "Aldera Systems"}')              # {'query': 'Aldera Systems'}
    spec.check({"q": "x"})                                 # ToolError: missing 'query'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._exceptions import ToolError

__all__ = ["ToolError", "ToolSpec"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolSpec:
    """A tool with string parameters (all required unless listed in ``optional``)."""

    name: str
    description: str
    params: Mapping[str, str]
    optional: frozenset[str] = field(default_factory=frozenset)
    max_chars: int = 200_000

    def schema(self) -> dict[str, Any]:
        """The OpenAI ``{"type": "function", "function": {...}}`` schema of this tool."""
        properties = {
            name: {"type": "string", "description": text} for name, text in self.params.items()
        }
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": {
                    "type": "object",
                    "properties": properties,
                    "required": [p for p in self.params if p not in self.optional],
                    "additionalProperties": False,
                },
            },
        }

    def check(self, arguments: Mapping[str, Any] | str | None) -> dict[str, str]:
        """Validated arguments; raises :class:`ToolError` naming what is wrong."""
        if arguments is None:
            arguments = {}
        if isinstance(arguments, str | bytes):
            try:
                arguments = json.loads(arguments or "{}")
            except ValueError as exc:
                raise ToolError(
                    f"{self.name}: arguments are not valid JSON ({exc})", tool=self.name
                ) from None
        if not isinstance(arguments, Mapping):
            raise ToolError(
                f"{self.name}: arguments must be a JSON object, not {type(arguments).__name__}",
                tool=self.name,
            )
        unknown = sorted(set(arguments) - set(self.params))
        if unknown:
            raise ToolError(
                f"{self.name}: unexpected argument(s) {unknown}; expected {list(self.params)}",
                tool=self.name,
            )
        clean: dict[str, str] = {}
        for name in self.params:
            if name not in arguments:
                if name in self.optional:
                    continue
                raise ToolError(f"{self.name}: missing argument {name!r}", tool=self.name)
            value = arguments[name]
            if not isinstance(value, str):
                raise ToolError(
                    f"{self.name}: argument {name!r} must be a string, not {type(value).__name__}",
                    tool=self.name,
                )
            if len(value) > self.max_chars:
                raise ToolError(
                    f"{self.name}: argument {name!r} is longer than {self.max_chars} characters",
                    tool=self.name,
                )
            clean[name] = value
        return clean
