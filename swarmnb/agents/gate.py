"""The one place every agent tool call passes: look up, validate, decide, audit, run.

:meth:`ToolGate.call` is the only path from an agent to a tool function. It refuses a tool the
agent's manifest does not grant — raising :class:`~swarmnb.CapabilityDenied` (the worker turns
that into a tool error the model reads), emitting ``capability.denied`` and appending the
decision to the audit log — before the function is even looked at again. Allowed calls are
audited too, and emit ``tool.call``. Fault injection (:class:`~swarmnb.agents.Chaos`) hooks in
here, so crashes land mid-task, after the work has started.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from .._exceptions import CapabilityDenied
from .capabilities import AuditLog, Capabilities
from .tools import Tool, ToolArgumentError, render_result

__all__ = ["Caller", "ToolGate"]


class Caller(Protocol):
    """Who is calling: an agent's id, role and granted capabilities."""

    id: str
    role: str
    capabilities: Capabilities


Emit = Callable[..., object]
FaultHook = Callable[[Any, str | None, str], Awaitable[None]]


class ToolGate:
    """Deny-first capability check + audit around every tool call (see module docs)."""

    def __init__(
        self,
        *,
        audit: AuditLog,
        emit: Emit,
        now: Callable[[], float],
        on_denied: Callable[[Caller, str], object] | None = None,
    ) -> None:
        self.audit = audit
        self._emit = emit
        self._now = now
        self._on_denied = on_denied
        self.fault_hook: FaultHook | None = None

    def check(
        self, caller: Caller, tool: Tool, kwargs: Mapping[str, Any], task: str | None
    ) -> None:
        """Decide and audit one call; raises :class:`~swarmnb.CapabilityDenied` if refused."""
        scope = tool.scope_of(kwargs)
        allowed, reason = caller.capabilities.allows(tool.capability, scope)
        self.audit.append(
            t=self._now(), agent=caller.id, role=caller.role, task=task, tool=tool.name,
            capability=tool.capability, scope=scope, allowed=allowed, reason=reason,
        )  # fmt: skip
        if allowed:
            return
        wanted = tool.capability + (f":{scope}" if scope is not None else "")
        self._emit(
            "capability.denied", agent=caller.id, role=caller.role, task=task, tool=tool.name,
            capability=wanted, reason=reason,
        )  # fmt: skip
        if self._on_denied is not None:
            self._on_denied(caller, reason)
        raise CapabilityDenied(
            f"agent {caller.id} ({caller.role}) may not call {tool.name}: {reason}",
            agent=caller.id,
            capability=wanted,
        )

    async def call(
        self,
        caller: Caller,
        tool: Tool,
        arguments: Mapping[str, Any] | str | None,
        *,
        task: str | None = None,
    ) -> str:
        """Validate, check, run; returns the result text. Raises CapabilityDenied or
        :class:`~swarmnb.agents.tools.ToolArgumentError`; the tool's own errors propagate."""
        kwargs = tool.parse_arguments(arguments)
        self.check(caller, tool, kwargs, task)
        if self.fault_hook is not None:
            await self.fault_hook(caller, task, tool.name)
        try:
            out = render_result(await tool.invoke(kwargs))
        except Exception:
            self._emit("tool.call", agent=caller.id, task=task, tool=tool.name, ok=False)
            raise
        self._emit("tool.call", agent=caller.id, task=task, tool=tool.name, ok=True)
        return out

    async def call_for_model(
        self,
        caller: Caller,
        tools: Mapping[str, Tool],
        name: str,
        arguments: Mapping[str, Any] | str | None,
        *,
        task: str | None = None,
    ) -> tuple[str, bool]:
        """A model's tool call: ``(text for the model, ok)``; every error becomes text."""
        tool = tools.get(name)
        if tool is None:
            return f"ERROR: unknown tool {name!r}; available: {sorted(tools)}", False
        try:
            return await self.call(caller, tool, arguments, task=task), True
        except CapabilityDenied as exc:
            return f"ERROR: CapabilityDenied: {exc}", False
        except ToolArgumentError as exc:
            return f"ERROR: {exc}", False
        except Exception as exc:  # the tool's own failure is the model's to handle
            return f"ERROR: {type(exc).__name__}: {exc}", False
