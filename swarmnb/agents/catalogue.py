"""The built-in role catalogue: manifest files shipped inside the package.

Twenty roles: the engineering roles (architect, developer, code-reviewer, tester, documenter,
marketer, presenter, devops, monitor, security, project-manager, decision-maker, orchestrator)
and the business roles (ceo, cfo, product, qa, risk, legal, tech-lead). Each is a TOML file in
``swarmnb/agents/roles/``; copy one to start your own.

Example::

    sn.agents.roles()                        # DataFrame: id, name, model, capabilities, …
    m = sn.agents.manifest("code-reviewer")
    m.dependencies[0].id                     # 'developer'
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from .._exceptions import UnknownRole
from .manifest import AgentManifest

__all__ = ["ROLES_DIR", "manifest", "role_names", "roles"]

ROLES_DIR = Path(__file__).parent / "roles"


@cache
def _load(role: str) -> AgentManifest:
    return AgentManifest.from_file(ROLES_DIR / f"{role}.toml")


def role_names() -> list[str]:
    """The built-in role ids, sorted."""
    return sorted(p.stem for p in ROLES_DIR.glob("*.toml"))


def manifest(role: str) -> AgentManifest:
    """The built-in manifest of ``role`` (a copy: change it freely).

    Raises :class:`~swarmnb.UnknownRole` listing the known roles.
    """
    if not isinstance(role, str) or role not in role_names():
        raise UnknownRole(f"unknown role {role!r}; built-in roles: {', '.join(role_names())}")
    return _load(role).model_copy(deep=True)


def roles() -> pd.DataFrame:
    """The catalogue: one row per built-in role."""
    rows = []
    for name in role_names():
        m = _load(name)
        rows.append(
            {
                "id": m.id,
                "name": m.name,
                "version": m.version,
                "model": m.model,
                "mode": m.mode,
                "input": m.input,
                "output": m.output,
                "capabilities": list(m.capabilities),
                "dependencies": [
                    d.id + (" (optional)" if d.optional else "") for d in m.dependencies
                ],
                "description": m.description,
            }
        )
    return pd.DataFrame(rows)
