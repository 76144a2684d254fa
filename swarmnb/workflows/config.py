"""A team's settings in one YAML file: models per role, attempts, timeouts, tests, deploy.

Example ``team.yaml``::

    model: sim/medium            # any litellm model string; the provider's key in the env
    temperature: 0.2
    max_tokens: 2000
    max_attempts: 3              # fixes after the first try
    approaches: 2                # the first approach and one change
    task_timeout_s: 3600         # continuous mode: a stuck task times out and escalates
    check_interval_s: 0          # continuous mode: pause between planning rounds
    min_score: 7                 # self-check bar
    test_framework: pytest       # or {framework: jest, command: [npx, jest]}
    deploy: {type: git-push, remote: origin}
    roles:
      developer: {model: sim/large, temperature: 0.1}

Then ``cfg = TeamConfig.from_yaml("team.yaml")``; ``cfg.model_team()`` is a
:class:`ModelTeam` with those models; ``cfg.tdd(registry=..., workspace=...)`` and
``cfg.continuous(registry=..., goals=[...])`` build the workflows with those settings. Docker
and SSH deploys are out of scope: only ``git-push`` (or ``none``) is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pydantic

from .._exceptions import RequirementError
from ._team import ModelTeam, Team

__all__ = ["DeployConfig", "RoleConfig", "TeamConfig"]


class RoleConfig(pydantic.BaseModel):
    """One role's model settings (unset fields fall back to the team's)."""

    model_config = pydantic.ConfigDict(extra="forbid")
    model: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None


class DeployConfig(pydantic.BaseModel):
    """Where an approved change goes: a git remote, or nowhere."""

    model_config = pydantic.ConfigDict(extra="forbid")
    type: Literal["git-push", "none"] = "none"
    remote: str | None = None

    @pydantic.model_validator(mode="after")
    def _remote_for_push(self) -> DeployConfig:
        if self.type == "git-push" and not self.remote:
            raise ValueError("deploy type git-push needs a remote")
        return self


class TeamConfig(pydantic.BaseModel):
    """The settings of a team (see module docs)."""

    model_config = pydantic.ConfigDict(extra="forbid")
    model: str = "sim/medium"
    temperature: float | None = None
    max_tokens: int | None = None
    max_attempts: int = pydantic.Field(3, ge=0)
    approaches: int = pydantic.Field(2, ge=1)
    task_timeout_s: float = pydantic.Field(3600.0, gt=0)
    check_interval_s: float = pydantic.Field(0.0, ge=0)
    min_score: float = pydantic.Field(7.0, ge=0, le=10)
    test_framework: str | dict[str, Any] = "pytest"
    deploy: DeployConfig = DeployConfig()
    roles: dict[str, RoleConfig] = {}

    @pydantic.field_validator("deploy", mode="before")
    @classmethod
    def _known_deploy(cls, value: Any) -> Any:
        kind = value.get("type") if isinstance(value, Mapping) else None
        if kind in ("docker", "ssh", "direct"):
            raise ValueError(f"deploy type {kind!r} is out of scope: use git-push (CI deploys)")
        return value

    @classmethod
    def from_yaml(cls, path: str | Path) -> TeamConfig:
        """Read and validate a YAML file; errors name the file and the bad field."""
        import yaml

        text = Path(path).read_text(encoding="utf-8")
        try:
            data = yaml.safe_load(text) or {}
            return cls.model_validate(data)
        except (yaml.YAMLError, pydantic.ValidationError) as exc:
            raise RequirementError(f"{path}: {exc}") from None

    def _options(self, role: RoleConfig | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("temperature", "max_tokens"):
            value = getattr(role, key, None) if role else None
            value = value if value is not None else getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def model_team(self, *, seed: int = 0) -> ModelTeam:
        """A :class:`ModelTeam` with these models (per-role options where they differ)."""
        models = {r: c.model for r, c in self.roles.items() if c.model}
        team = ModelTeam(models=models, default=self.model, seed=seed,
                         model_options=self._options())  # fmt: skip
        team.role_options = {r: self._options(c) for r, c in self.roles.items()}
        return team

    def tdd(self, *, registry: Team, workspace: str | Path, **overrides: Any) -> Any:
        """A :class:`~swarmnb.workflows.TDDTeam` with these settings."""
        from .tdd import TDDTeam

        kwargs: dict[str, Any] = {
            "max_fixes": self.max_attempts, "max_approaches": self.approaches,
            "min_score": self.min_score, "test_framework": self.test_framework,
            "remote": self.deploy.remote if self.deploy.type == "git-push" else None,
        }  # fmt: skip
        return TDDTeam(registry=registry, workspace=workspace, **{**kwargs, **overrides})

    def continuous(self, *, registry: Team, goals: Sequence[str], **overrides: Any) -> Any:
        """A :class:`~swarmnb.workflows.Continuous` loop with these settings."""
        from .continuous import Continuous

        kwargs = {"task_timeout": self.task_timeout_s, "check_interval": self.check_interval_s}
        return Continuous(registry=registry, goals=goals, **{**kwargs, **overrides})
