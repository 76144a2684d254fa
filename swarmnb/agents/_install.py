"""Install-time checks: which manifest is meant, and whether its dependencies hold.

Run before anything starts, so a failed install changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from .._exceptions import DependencyError, ManifestError, UnknownRole
from .catalogue import manifest as builtin_manifest
from .catalogue import role_names
from .manifest import AgentManifest

__all__ = ["order_and_check", "resolve_manifest"]


def resolve_manifest(
    what: str | AgentManifest | Path, overrides: Mapping[str, Any]
) -> AgentManifest:
    """A manifest from a built-in role name, a file path, or a manifest; overrides applied."""
    if isinstance(what, AgentManifest):
        m = what
    elif isinstance(what, Path) or (
        isinstance(what, str) and what.endswith((".toml", ".yaml", ".yml"))
    ):
        m = AgentManifest.from_file(what)
    elif isinstance(what, str):
        if what not in role_names():
            raise UnknownRole(f"unknown role {what!r}; built-in roles: {', '.join(role_names())}")
        m = builtin_manifest(what)
    else:
        raise ManifestError(
            f"install a role name, a manifest file or an AgentManifest, not {what!r}"
        )
    if overrides:
        data = m.model_dump()
        for key, value in overrides.items():
            if isinstance(value, Mapping) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        m = AgentManifest.parse(data, source=f"{m.id} with overrides {sorted(overrides)}")
    return m


def order_and_check(
    new: Sequence[AgentManifest], installed: Mapping[str, AgentManifest]
) -> list[AgentManifest]:
    """``new`` in dependency order, after checking presence, versions and cycles.

    Raises :class:`~swarmnb.DependencyError` naming the manifest, the dependency and what is
    wrong (missing, installed at a version outside the specifier, or a cycle ``a → b → a``).
    """
    seen: dict[str, AgentManifest] = {}
    for m in new:
        if m.role in seen:
            raise ManifestError(f"role {m.role!r} is listed twice in one install")
        seen[m.role] = m
    available: dict[str, AgentManifest] = {**installed, **seen}
    by_key = {**{m.id: m for m in available.values()}, **available}
    graph = nx.DiGraph()
    for m in available.values():
        graph.add_node(m.role)
    for m in available.values():
        for d in m.dependencies:
            target = by_key.get(d.id)
            if target is not None:
                graph.add_edge(m.role, target.role)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        cycle = None
    if cycle:
        chain = [a for a, _ in cycle] + [cycle[0][0]]
        raise DependencyError(f"dependency cycle: {' → '.join(chain)}", chain=tuple(chain))
    for m in new:
        for d in m.dependencies:
            target = by_key.get(d.id)
            spec = d.specifier
            if target is None:
                if d.optional:
                    continue
                raise DependencyError(
                    f"{m.id} {m.version} needs {d.id}{spec or ''}, which is not installed; "
                    f"install {d.id!r} first or in the same call",
                    chain=(m.id, d.id),
                )
            if spec and target.parsed_version not in spec:
                raise DependencyError(
                    f"{m.id} {m.version} needs {d.id}{spec}, but {target.version} is installed",
                    chain=(m.id, d.id),
                )
    order = [r for r in reversed(list(nx.topological_sort(graph))) if r in seen]
    return [seen[r] for r in order]
