"""``AgentManifest``: what an agent is, in a file (TOML or YAML), close to an A2A Agent Card.

A manifest names a role's model, system prompt, the capabilities its tools need, its skills,
its dependencies on other roles, its limits and its health policy. Field names follow the A2A
Agent Card where the two overlap (``name``, ``description``, ``version``, ``provider``,
``skills[id, name, description, tags, examples]``, ``documentation_url``), so
:meth:`AgentManifest.to_agent_card` serves one. Unknown fields are an error, not ignored: a
typo in a capability list must not silently widen or narrow what an agent may do.

Example::

    m = AgentManifest.from_file("reviewer.toml")
    m = sn.agents.manifest("developer")          # a built-in role
    m.capabilities                               # ['fs.read:workspace/**', ...]
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

import pydantic
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .._exceptions import ManifestError

__all__ = [
    "AgentManifest",
    "Dependency",
    "Health",
    "Limits",
    "Provider",
    "Skill",
    "check_capability",
]

_ID = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_CAPABILITY = re.compile(r"^!?(\*|[a-z][a-z0-9_-]*(\.([a-z0-9_-]+|\*))*)(:\S+)?$")


def check_capability(text: str) -> str:
    """Validate one capability grant: ``name``, ``name:scope`` or ``!name`` (a denial)."""
    if not isinstance(text, str) or not _CAPABILITY.match(text):
        raise ValueError(
            f"bad capability {text!r}: expected 'tool.name', 'tool.name:scope/**' or '!tool.name'"
        )
    return text


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(
            f"{value!r} is not a valid id: lowercase letters, digits and '-', from a letter"
        )
    return value


def _check_version(value: str, problem: str, hint: str) -> str:
    try:
        Version(value)
    except InvalidVersion:
        raise ValueError(f"{problem} {value!r} ({hint})") from None
    return value


class _Strict(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", populate_by_name=True)


class Provider(_Strict):
    organization: str = "swarmnb"
    url: str | None = None


class Skill(_Strict):
    """One thing the agent is good at (A2A ``AgentSkill``)."""

    id: str
    name: str
    description: str = ""
    tags: list[str] = pydantic.Field(default_factory=list)
    examples: list[str] = pydantic.Field(default_factory=list)


class Dependency(_Strict):
    """Another role this one needs installed first (unless ``optional``).

    ``version`` is a ``packaging`` specifier (``">=1.2,<2"``); ``min_version`` is shorthand for
    ``">=min_version"``.
    """

    id: str
    version: str = ""
    min_version: str | None = None
    optional: bool = False

    @pydantic.field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _check_id(value)

    @pydantic.field_validator("version")
    @classmethod
    def _spec(cls, value: str) -> str:
        try:
            SpecifierSet(value)
        except InvalidSpecifier:
            raise ValueError(f"bad version specifier {value!r} (e.g. '>=1.0,<2')") from None
        return value

    @pydantic.field_validator("min_version")
    @classmethod
    def _min(cls, value: str | None) -> str | None:
        return value if value is None else _check_version(value, "bad min_version", "e.g. '1.0'")

    @property
    def specifier(self) -> SpecifierSet:
        spec = SpecifierSet(self.version)
        if self.min_version:
            spec &= SpecifierSet(f">={self.min_version}")
        return spec


class Limits(_Strict):
    """How much work an agent takes on, and what counts as anomalous."""

    max_concurrent_tasks: int = pydantic.Field(default=1, ge=1, le=64)
    max_steps: int = pydantic.Field(default=8, ge=1)  #: model turns per task
    task_timeout_s: float = pydantic.Field(default=300.0, gt=0)  #: longer = hung
    budget_usd: float | None = pydantic.Field(default=None, ge=0)
    budget_tokens: int | None = pydantic.Field(default=None, ge=0)
    memory_turns: int = pydantic.Field(default=4, ge=0)  #: past exchanges kept in context
    max_denied: int = pydantic.Field(default=3, ge=1)  #: denials per window → quarantine
    denied_window_s: float = pydantic.Field(default=60.0, gt=0)
    token_anomaly_factor: float = pydantic.Field(default=10.0, gt=1)  #: × role median


class Health(_Strict):
    """Heartbeats and restarts, OTP style: at most ``max_restarts`` per ``restart_window_s``."""

    interval_s: float = pydantic.Field(default=5.0, gt=0)
    timeout_s: float = pydantic.Field(default=15.0, gt=0)
    failure_threshold: int = pydantic.Field(default=2, ge=1)  #: failed checks → restart
    auto_restart: bool = True
    restart: Literal["permanent", "transient", "temporary"] = "permanent"
    max_restarts: int = pydantic.Field(default=10, ge=0)
    restart_window_s: float = pydantic.Field(default=60.0, gt=0)


class AgentManifest(_Strict):
    """A role's definition; see the module docs. Load with :meth:`from_file`."""

    id: str
    name: str
    version: str = "1.0.0"
    role: str
    description: str = ""
    provider: Provider = pydantic.Field(default_factory=Provider)
    documentation_url: str | None = None
    model: str = "sim/medium"
    system_prompt: str = ""
    capabilities: list[str] = pydantic.Field(default_factory=list)
    skills: list[Skill] = pydantic.Field(default_factory=list)
    dependencies: list[Dependency] = pydantic.Field(default_factory=list)
    limits: Limits = pydantic.Field(default_factory=Limits)
    health: Health = pydantic.Field(default_factory=Health)
    input: str = ""  #: what the role is given
    output: str = ""  #: what the role produces
    mode: Literal["parallel", "async", "sequential"] = "parallel"
    listens: list[str] = pydantic.Field(default_factory=list)  #: subjects it reads
    publishes: list[str] = pydantic.Field(default_factory=list)  #: subjects it writes
    tags: list[str] = pydantic.Field(default_factory=list)

    @pydantic.field_validator("id", "role")
    @classmethod
    def _ids(cls, value: str) -> str:
        return _check_id(value)

    @pydantic.field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        return _check_version(value, "bad version", "PEP 440, e.g. '1.2.0'")

    @pydantic.field_validator("capabilities")
    @classmethod
    def _caps(cls, value: list[str]) -> list[str]:
        return [check_capability(c) for c in value]

    @property
    def parsed_version(self) -> Version:
        return Version(self.version)

    # -- loading -----------------------------------------------------------------------------
    @classmethod
    def parse(cls, data: dict[str, Any], *, source: str = "<dict>") -> AgentManifest:
        """Validate a mapping; a problem raises :class:`~swarmnb.ManifestError` naming it."""
        if not isinstance(data, dict):
            raise ManifestError(
                f"{source}: a manifest is a table/mapping, not {type(data).__name__}"
            )
        try:
            return cls.model_validate(data)
        except pydantic.ValidationError as exc:
            problems = "; ".join(_describe(err) for err in exc.errors())
            raise ManifestError(f"{source}: invalid agent manifest: {problems}") from None

    @classmethod
    def from_file(cls, path: str | Path) -> AgentManifest:
        """Load a ``.toml``, ``.yaml`` or ``.yml`` manifest."""
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as exc:
            raise ManifestError(f"{path}: cannot read manifest ({exc.strerror})") from None
        return cls.from_text(text, format=path.suffix.lstrip("."), source=str(path))

    @classmethod
    def from_text(cls, text: str, *, format: str = "toml", source: str = "<text>") -> AgentManifest:
        """Parse manifest text in ``format`` ``"toml"`` or ``"yaml"``."""
        try:
            if format == "toml":
                data: Any = tomllib.loads(text)
            elif format in ("yaml", "yml"):
                import yaml

                data = yaml.safe_load(text)
            else:
                raise ManifestError(f"{source}: unknown manifest format {format!r} (toml, yaml)")
        except ManifestError:
            raise
        except Exception as exc:  # the parsers' own errors: say where
            raise ManifestError(f"{source}: not valid {format}: {exc}") from None
        return cls.parse(data, source=source)

    # -- serving -----------------------------------------------------------------------------
    def to_agent_card(self, *, url: str = "") -> dict[str, Any]:
        """This manifest as an A2A Agent Card (JSON-ready); swarmnb fields under an extension."""
        return {
            "name": self.name,
            "description": self.description,
            "url": url,
            "version": self.version,
            "provider": self.provider.model_dump(exclude_none=True),
            "documentationUrl": self.documentation_url,
            "capabilities": {"streaming": False, "pushNotifications": False},
            "defaultInputModes": ["text/plain"],
            "defaultOutputModes": ["text/plain"],
            "skills": [s.model_dump() for s in self.skills],
            "extensions": {
                "swarmnb": {
                    "id": self.id,
                    "role": self.role,
                    "model": self.model,
                    "grants": list(self.capabilities),
                    "dependencies": [d.model_dump(exclude_none=True) for d in self.dependencies],
                }
            },
        }

    def __repr__(self) -> str:
        return (
            f"AgentManifest(id={self.id!r}, version={self.version!r}, model={self.model!r}, "
            f"capabilities={len(self.capabilities)}, dependencies={len(self.dependencies)})"
        )


def _describe(err: Any) -> str:
    where = ".".join(str(p) for p in err.get("loc", ())) or "manifest"
    if err.get("type") == "extra_forbidden":
        return f"unknown field {where!r}"
    if err.get("type") == "missing":
        return f"missing field {where!r}"
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{where}: {msg}"
