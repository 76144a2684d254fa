"""Long-lived agents: manifests, the role catalogue, a registry, supervision and capabilities.

Roles are manifests (:class:`AgentManifest`, TOML or YAML); twenty ship as the built-in
catalogue (:func:`roles`). A :class:`Registry` installs them as long-lived agent workers that
take tasks from a priority inbox over a message bus (:mod:`swarmnb.bus`), restarts them when
they crash or hang, quarantines them when they misbehave, and gates every tool call against
the capabilities their manifest grants, with an audit log of every decision.

Example::

    import swarmnb as sn

    @sn.tool(capability="web.search")
    async def search(query: str) -> str:
        \"\"\"Search the web.\"\"\"
        return f"results for {query}"

    reg = sn.agents.Registry(bus=sn.bus.MemoryBus())
    await reg.install("developer", count=3)
    res = await reg.submit("developer", "search for the parser spec", tools=[search])
    reg.agents(); reg.audit()
"""

from __future__ import annotations

from .capabilities import AuditEntry, AuditLog, Capabilities, Grant
from .catalogue import ROLES_DIR, manifest, role_names, roles
from .chaos import Chaos
from .manifest import AgentManifest, Dependency, Health, Limits, Provider, Skill
from .registry import Registry
from .results import TaskResult
from .supervisor import Supervisor
from .tools import Tool, ToolArgumentError, tool
from .worker import AgentStats, AgentWorker

__all__ = [
    "ROLES_DIR",
    "AgentManifest",
    "AgentStats",
    "AgentWorker",
    "AuditEntry",
    "AuditLog",
    "Capabilities",
    "Chaos",
    "Dependency",
    "Grant",
    "Health",
    "Limits",
    "Provider",
    "Registry",
    "Skill",
    "Supervisor",
    "TaskResult",
    "Tool",
    "ToolArgumentError",
    "manifest",
    "role_names",
    "roles",
    "tool",
]
