"""Policy files: one JSON object on disk, written and read the same way by every policy.

Learned policies (:class:`~swarmnb.policies.Bandit`, :class:`~swarmnb.policies.PARL`) keep
their state as a plain dict (``to_dict`` / ``from_dict``); these two functions are the only
place that dict meets the file system, so a bad file always fails with the same
:class:`~swarmnb.PolicyFileError`.

Example::

    write_policy_json("parl.json", policy.to_dict())
    PARL.from_dict(read_policy_json("parl.json"))
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._exceptions import PolicyFileError

__all__ = ["read_policy_json", "write_policy_json"]


def write_policy_json(path: str | Path, data: Mapping[str, Any]) -> Path:
    """Write ``data`` as JSON at ``path`` (creating parent folders) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def read_policy_json(path: str | Path) -> dict[str, Any]:
    """The JSON object in a policy file, or :class:`~swarmnb.PolicyFileError` saying why not."""
    p = Path(path)
    if not p.is_file():
        raise PolicyFileError(f"no policy file at {str(p)!r}")
    try:
        data = json.loads(p.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PolicyFileError(f"{str(p)!r} is not a JSON policy file: {exc}") from exc
    if not isinstance(data, dict):
        raise PolicyFileError(f"{str(p)!r} does not hold a policy object")
    return data
