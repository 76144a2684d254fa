"""Capabilities: grants, the one deny-first gate every tool call passes, and the audit log.

A grant is ``name`` (``web.search``), ``name:scope`` (``fs.write:workspace/**``) or a denial
``!name[:scope]``; ``*`` in a name matches any run of characters (``fs.*``), in a scope ``*``
matches within one path segment and ``**`` across segments. The gate decides in this order:
a matching denial refuses, then a matching grant allows, and anything else is refused. Every
decision, allowed or not, is appended to the :class:`AuditLog`; the log has no way to change
or remove an entry.

Delegation only narrows: :meth:`Capabilities.delegate` returns the requested grants only if
each is covered by the delegator's, and the delegator's denials always come along.

Example::

    caps = Capabilities.of(["fs.write:workspace/out/**", "!fs.write:workspace/out/secret*"])
    caps.allows("fs.write", "workspace/out/a.txt")       # (True, 'granted by fs.write:…')
    caps.allows("fs.write", "workspace/out/secret.txt")  # (False, 'denied by !fs.write:…')
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from typing import Literal

import pandas as pd

from .._exceptions import CapabilityDenied
from .manifest import check_capability

__all__ = ["AuditEntry", "AuditLog", "Capabilities", "Grant"]


@cache
def _scope_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


@dataclass(frozen=True, slots=True)
class Grant:
    """One parsed grant (see module docs)."""

    name: str
    scope: str | None = None
    deny: bool = False

    @classmethod
    def parse(cls, text: str) -> Grant:
        check_capability(text)
        deny = text.startswith("!")
        body = text[1:] if deny else text
        name, _, scope = body.partition(":")
        return cls(name=name, scope=scope or None, deny=deny)

    def matches(self, capability: str, scope: str | None) -> bool:
        if not fnmatch.fnmatchcase(capability, self.name):
            return False
        if self.scope is None:
            return True
        return scope is not None and bool(_scope_regex(self.scope).match(scope))

    def covers(self, other: Grant) -> bool:
        """Whether everything ``other`` allows is allowed by this grant (conservatively)."""
        if not fnmatch.fnmatchcase(other.name, self.name):
            return False
        if self.scope is None:
            return True
        if other.scope is None:
            return False
        return other.scope == self.scope or bool(_scope_regex(self.scope).match(other.scope))

    def __str__(self) -> str:
        return ("!" if self.deny else "") + self.name + (f":{self.scope}" if self.scope else "")


class Capabilities:
    """An immutable set of grants with the deny-first decision rule."""

    __slots__ = ("grants",)

    def __init__(self, grants: Iterable[Grant]) -> None:
        self.grants: tuple[Grant, ...] = tuple(grants)

    @classmethod
    def of(cls, texts: Iterable[str]) -> Capabilities:
        return cls(Grant.parse(t) for t in texts)

    def allows(self, capability: str, scope: str | None = None) -> tuple[bool, str]:
        """``(allowed, reason)`` for one call; denials first, then grants, else refused."""
        for g in self.grants:
            if g.deny and g.matches(capability, scope):
                return False, f"denied by {g}"
        for g in self.grants:
            if not g.deny and g.matches(capability, scope):
                return True, f"granted by {g}"
        wanted = capability + (f":{scope}" if scope is not None else "")
        return False, f"{wanted} is not granted"

    def delegate(self, requested: Iterable[str]) -> Capabilities:
        """Grants for a delegate: each must be covered by ours; our denials are kept.

        Raises :class:`~swarmnb.CapabilityDenied` naming the first grant that would widen.
        """
        out: list[Grant] = []
        for text in requested:
            g = Grant.parse(text)
            if not g.deny and not any(not own.deny and own.covers(g) for own in self.grants):
                raise CapabilityDenied(
                    f"cannot delegate {g}: not covered by the delegator's grants",
                    capability=str(g),
                )
            out.append(g)
        out.extend(g for g in self.grants if g.deny)
        return Capabilities(out)

    def __iter__(self):
        return (str(g) for g in self.grants)

    def __repr__(self) -> str:
        return f"Capabilities({[str(g) for g in self.grants]})"


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One capability decision."""

    seq: int
    t: float
    agent: str
    role: str
    task: str | None
    tool: str
    capability: str
    scope: str | None
    decision: Literal["allowed", "denied"]
    reason: str


class AuditLog:
    """Append-only record of capability decisions (kept in memory; a sink may persist it)."""

    def __init__(self, *, sink: Callable[[AuditEntry], object] | None = None) -> None:
        self._entries: list[AuditEntry] = []
        self._sink = sink

    def append(
        self,
        *,
        t: float,
        agent: str,
        role: str,
        task: str | None,
        tool: str,
        capability: str,
        scope: str | None,
        allowed: bool,
        reason: str,
    ) -> AuditEntry:
        entry = AuditEntry(
            seq=len(self._entries), t=t, agent=agent, role=role, task=task, tool=tool,
            capability=capability, scope=scope, decision="allowed" if allowed else "denied",
            reason=reason,
        )  # fmt: skip
        self._entries.append(entry)
        if self._sink is not None:
            self._sink(entry)
        return entry

    @property
    def entries(self) -> Sequence[AuditEntry]:
        return tuple(self._entries)

    def denied(self, agent: str | None = None) -> int:
        return sum(
            1
            for e in self._entries
            if e.decision == "denied" and (agent is None or e.agent == agent)
        )

    def frame(self) -> pd.DataFrame:
        cols = [f for f in AuditEntry.__dataclass_fields__]
        return pd.DataFrame([asdict(e) for e in self._entries], columns=cols)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<AuditLog entries={len(self._entries)} denied={self.denied()}>"
