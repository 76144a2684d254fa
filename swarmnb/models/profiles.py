"""Your own ``sim/<name>`` models: register a :class:`SimProfile` and use it everywhere.

The sim resolves every ``sim/<name>`` (and ``<provider>/sim-<name>`` served by
:func:`~swarmnb.models.serve_sim`) through one table, so a profile registered here routes
through litellm, prices its calls, serves over HTTP and plays in a :class:`~swarmnb.Swarm`
like the built-in ones. Typical source: :func:`~swarmnb.models.calibrate`, which fits a
profile to traces of real runs, so thousands of cheap simulated episodes behave like the
model you measured.

Example::

    from swarmnb.models import SIM_PROFILES, register_profile
    import dataclasses
    slow = dataclasses.replace(SIM_PROFILES["small"], overhead_s=2.0)
    register_profile("slow-small", slow)            # now "sim/slow-small" works everywhere
    sn.Swarm(subagents={"small": "sim/slow-small"})
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Protocol

from .sim_params import SIM_PROFILES, SimProfile

__all__ = ["BUILTIN_PROFILES", "override_profiles", "register_profile", "unregister_profile"]

#: The profiles the sim ships with; they can be replaced only with ``replace=True``.
BUILTIN_PROFILES: frozenset[str] = frozenset(SIM_PROFILES)
_NAME = re.compile(r"^[A-Za-z0-9][\w.\-]*$")


class _HasProfile(Protocol):
    @property
    def profile(self) -> SimProfile: ...


def register_profile(
    name: str, profile: SimProfile | _HasProfile, *, replace: bool = False
) -> SimProfile:
    """Make ``sim/<name>`` (and ``openai/sim-<name>`` on :func:`serve_sim`) play ``profile``.

    ``profile`` is a :class:`SimProfile` or anything with a ``.profile`` (a
    :class:`~swarmnb.models.Calibration`). Registering a taken name raises ``ValueError``
    unless ``replace=True`` (a built-in name too: replacing ``small`` changes every
    default swarm). Returns the registered profile (its ``name`` set to ``name``).
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"a profile name is letters, digits, '.', '_' or '-' (no slash), not {name!r}"
        )
    inner = profile if isinstance(profile, SimProfile) else getattr(profile, "profile", None)
    if not isinstance(inner, SimProfile):
        raise TypeError(f"register_profile needs a SimProfile (or a Calibration), not {profile!r}")
    if name in SIM_PROFILES and not replace:
        raise ValueError(f"sim/{name} is already registered; pass replace=True to replace it")
    registered = dataclasses.replace(inner, name=name)
    SIM_PROFILES[name] = registered
    return registered


def unregister_profile(name: str) -> None:
    """Forget ``sim/<name>``; the built-in profiles cannot be removed."""
    if name in BUILTIN_PROFILES:
        raise ValueError(f"sim/{name} is built in and cannot be unregistered")
    if name not in SIM_PROFILES:
        raise KeyError(f"sim/{name} is not registered")
    del SIM_PROFILES[name]


@contextmanager
def override_profiles(profiles: Mapping[str, SimProfile]) -> Iterator[None]:
    """Within the block, ``sim/<name>`` plays the given profiles; the old ones come back after.

    Used by the sensitivity sweep to change the built-in profiles for a few episodes. It
    changes a process-wide table: do not run other sim episodes concurrently in the process.
    """
    saved = {name: SIM_PROFILES.get(name) for name in profiles}
    try:
        for name, profile in profiles.items():
            SIM_PROFILES[name] = dataclasses.replace(profile, name=name)
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                SIM_PROFILES.pop(name, None)
            else:
                SIM_PROFILES[name] = old
