"""Policies named by a short string, so a choice can travel on a command line or to a worker.

One grammar for the CLI (``swarmnb bench --policies``), the benchmark harness and the PARL
evaluation: ``single``, ``heuristic``, ``bandit`` (a fresh one), ``llm``, ``fixed-<width>``
(``fixed:<width>`` is read the same), ``parl=<policy.json>`` and ``bandit=<bandit.json>``. A
saved policy is loaded *frozen*: it is evaluated as it was saved (no warm-up training), and a
PARL policy takes its most likely action at every stage.

Example::

    policy_from_spec("fixed-8")                  # FixedWidth(8)
    policy_from_spec("parl=runs/parl/policy.json")
"""

from __future__ import annotations

from .._exceptions import PolicyFileError
from ._base import Policy
from .bandit import Bandit
from .fixed import FixedWidth, Single
from .heuristic import Heuristic
from .llm import LLM
from .parl import PARL

__all__ = ["POLICY_SPECS", "policy_from_spec"]

#: the spellings :func:`policy_from_spec` reads, for help texts and error messages
POLICY_SPECS = "single, heuristic, bandit, llm, fixed-<width>, parl=<policy.json>, bandit=<file>"

_FRESH: dict[str, type[Policy]] = {
    "single": Single,
    "heuristic": Heuristic,
    "bandit": Bandit,
    "llm": LLM,
}


def policy_from_spec(spec: str) -> Policy:
    """The policy ``spec`` names; :class:`~swarmnb.PolicyFileError` for a bad saved file,
    ``ValueError`` for a name it does not know."""
    kind, _, path = spec.partition("=")
    if path and kind in ("parl", "bandit"):
        saved: PARL | Bandit = PARL.load(path) if kind == "parl" else Bandit.load(path)
        saved.trainable = False  # type: ignore[misc]  # evaluated as saved: no warm-up
        if isinstance(saved, PARL):
            saved.greedy = True
        return saved
    for prefix in ("fixed-", "fixed:"):
        if spec.startswith(prefix):
            width = spec[len(prefix) :]
            if not width.isdigit() or int(width) < 1:
                raise ValueError(f"{spec!r}: the width after {prefix!r} must be an int ≥ 1")
            return FixedWidth(int(width))
    if spec in _FRESH:
        return _FRESH[spec]()
    if path:
        raise PolicyFileError(f"{spec!r}: only parl=<file> and bandit=<file> load a saved policy")
    raise ValueError(f"unknown policy {spec!r}; use one of: {POLICY_SPECS}")
