"""``PARL``: a trainable stochastic policy over the orchestrator's stage-by-stage decisions.

A log-linear (softmax) policy with three heads over the features of a
:class:`~swarmnb.policies.stages.StageObservation`: the action *kind* (assign, join, replan,
tool_call, finish), the *width* (how many subtasks/subagents) and the subagent *profile*. The
last two are only drawn for ``assign`` and ``replan``. The width head is bilinear: a width's
logit is ``ψ(w) · (B x)``, with ``ψ`` its :func:`~swarmnb.policies.stages.width_features` —
the width *relative to what the chosen action can use*, and its absolute size — and ``x`` the
observation's features. No weight belongs to one width, so what is learned at one size
("as many subtasks as units") carries over to sizes never seen. Impossible choices are masked
out before the softmax. It is pure numpy — no torch — deterministic per seed (sampling uses the
episode's ``random.Random``), and saved as plain JSON.

:class:`~swarmnb.training.Trainer` fits it with a group-baseline policy gradient
(:meth:`grad_logprob` gives ∇ log π(a | s) for one decision).

Example::

    policy = sn.policies.PARL(seed=0)
    swarm = sn.Swarm(policy=policy)
    ep = await swarm.solve(sn.scenarios.WideSearch(n_items=20, seed=0))
    policy.save("parl.json"); sn.policies.PARL.load("parl.json")
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .._exceptions import PolicyFileError
from ._base import Decision, Observation, Policy
from ._persist import read_policy_json, write_policy_json
from .stages import (
    ACTION_KINDS,
    N_FEATURES,
    N_WIDTH_FEATURES,
    WIDTHS,
    StageAction,
    StageObservation,
    action_mask,
    features,
    width_features,
)

__all__ = ["PARL"]

FORMAT = "swarmnb.policies.PARL"
#: the saved format's version: 2 added idle subagents, the bilinear width head, wider widths
VERSION = 2
HEADS = ("kind", "width", "profile")


def _softmax(logits: np.ndarray, mask: Sequence[bool]) -> np.ndarray:
    allowed = np.asarray(mask, dtype=bool)
    z = np.where(allowed, logits, -np.inf)
    z = z - z[allowed].max()
    e = np.where(allowed, np.exp(z), 0.0)
    return e / e.sum()


def _draw(probs: np.ndarray, rng: random.Random) -> int:
    u = rng.random()
    acc = 0.0
    last = 0
    for i, p in enumerate(probs):
        if p <= 0.0:
            continue
        last = i
        acc += float(p)
        if u < acc:
            return i
    return last


class PARL(Policy):
    """Softmax policy over stage actions; weights per head, trained by policy gradient."""

    name: ClassVar[str] = "parl"
    trainable: ClassVar[bool] = True

    def __init__(
        self,
        *,
        seed: int = 0,
        profiles: Sequence[str] = ("small", "large"),
        widths: Sequence[int] = WIDTHS,
        init_scale: float = 0.01,
        greedy: bool = False,
        max_stages: int = 12,
    ) -> None:
        if not profiles:
            raise ValueError("PARL needs at least one subagent profile")
        if not widths or any(int(w) < 1 for w in widths):
            raise ValueError("widths must be a non-empty list of ints ≥ 1")
        self.seed = int(seed)
        self.profiles = tuple(str(p) for p in profiles)
        self.widths = tuple(sorted(set(int(w) for w in widths)))
        self.greedy = greedy
        self.max_stages = int(max_stages)
        rng = np.random.default_rng(self.seed)
        sizes = {
            "kind": len(ACTION_KINDS),
            "width": N_WIDTH_FEATURES,
            "profile": len(self.profiles),
        }
        self.weights: dict[str, np.ndarray] = {
            head: rng.normal(0.0, init_scale, size=(n, N_FEATURES)) for head, n in sizes.items()
        }
        self.episodes_trained = 0
        #: (λ1, λ2) the staged driver weighs the reward terms with; the trainer sets them
        self.reward_lambdas: tuple[float, float] = (0.0, 0.0)
        #: a separate stream for the policy's draws (None: the episode's seed alone). The
        #: trainer gives each rollout of a group its own stream over the same sim seed.
        self.draws: int | None = None

    # -- the Policy interface ------------------------------------------------------------------
    def decide(self, observation: Observation, rng: random.Random) -> Decision:
        """A staged episode: the driver asks :meth:`act` at every stage."""
        profile = self.profiles[0] if self.profiles[0] in observation.profiles else None
        return Decision(mode="stages", profile=profile or observation.profiles[0])

    def distribution(self, obs: StageObservation, kind: str = "assign") -> dict[str, np.ndarray]:
        """Each head's probabilities for this observation (masked, softmaxed); the width and
        profile heads as they are for ``kind``."""
        x = np.asarray(features(obs))
        mask = action_mask(obs, self.widths)
        usable = [p in obs.profiles for p in self.profiles]
        if not any(usable):
            usable = [True] * len(self.profiles)
        psi = np.asarray(width_features(obs, kind, self.widths))
        logits = {
            "kind": self.weights["kind"] @ x,
            "width": psi @ (self.weights["width"] @ x),
            "profile": self.weights["profile"] @ x,
        }
        masks = {"kind": mask["kind"], "width": mask["width"], "profile": usable}
        return {h: _softmax(logits[h], masks[h]) for h in HEADS}

    def act(self, obs: StageObservation, rng: random.Random) -> StageAction:
        """Draw the stage's action (or take the most likely one if ``greedy``)."""
        dist = self.distribution(obs)

        def pick(head: str) -> int:
            probs = dist[head]
            return int(np.argmax(probs)) if self.greedy else _draw(probs, rng)

        k = pick("kind")
        kind = ACTION_KINDS[k]
        if kind == "replan":  # the width is judged against what a replan can use
            dist = self.distribution(obs, kind)
        logprob = math.log(max(float(dist["kind"][k]), 1e-300))
        width, profile = 0, None
        probs = {
            "kind": {
                a: round(float(q), 6) for a, q in zip(ACTION_KINDS, dist["kind"], strict=True)
            },
        }
        if kind in ("assign", "replan"):
            w, p = pick("width"), pick("profile")
            width, profile = self.widths[w], self.profiles[p]
            logprob += math.log(max(float(dist["width"][w]), 1e-300))
            logprob += math.log(max(float(dist["profile"][p]), 1e-300))
            probs["width"] = {
                str(w): round(float(q), 6) for w, q in zip(self.widths, dist["width"], strict=True)
            }
            probs["profile"] = {
                p: round(float(q), 6) for p, q in zip(self.profiles, dist["profile"], strict=True)
            }
        return StageAction(kind=kind, width=width, profile=profile, logprob=logprob, probs=probs)  # type: ignore[arg-type]

    def logprob(self, obs: StageObservation, action: Mapping[str, Any]) -> float:
        """log π(action | obs) under the current weights (``action``: kind, width, profile)."""
        dist = self.distribution(obs, str(action["kind"]))
        idx = self._indices(action)
        return float(sum(math.log(max(float(dist[h][i]), 1e-300)) for h, i in idx.items()))

    def grad_logprob(
        self, obs: StageObservation, action: Mapping[str, Any]
    ) -> dict[str, np.ndarray]:
        """∇ log π(action | obs) with respect to each head's weights."""
        x = np.asarray(features(obs))
        kind = str(action["kind"])
        dist = self.distribution(obs, kind)
        grads = {h: np.zeros_like(w) for h, w in self.weights.items()}
        for head, i in self._indices(action).items():
            if head == "width":  # ∂/∂B of (ψ_i·Bx − log Σ_j exp(ψ_j·Bx)) = (ψ_i − E_p[ψ]) ⊗ x
                psi = np.asarray(width_features(obs, kind, self.widths))
                grads[head] = np.outer(psi[i] - dist[head] @ psi, x)
                continue
            g = -dist[head]
            g[i] += 1.0
            grads[head] = np.outer(g, x)
        return grads

    def _indices(self, action: Mapping[str, Any]) -> dict[str, int]:
        kind = str(action["kind"])
        out = {"kind": ACTION_KINDS.index(kind)}
        if kind in ("assign", "replan"):
            out["width"] = self.widths.index(int(action["width"]))
            out["profile"] = self.profiles.index(str(action["profile"]))
        return out

    # -- persistence ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "seed": self.seed,
            "profiles": list(self.profiles),
            "widths": list(self.widths),
            "actions": list(ACTION_KINDS),
            "n_features": N_FEATURES,
            "max_stages": self.max_stages,
            "episodes_trained": self.episodes_trained,
            "weights": {h: w.tolist() for h, w in self.weights.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PARL:
        if not isinstance(data, Mapping):
            raise PolicyFileError("not a saved PARL policy")
        if data.get("format") != FORMAT:
            raise PolicyFileError(f"not a saved PARL policy (format {data.get('format')!r})")
        if data.get("version") != VERSION:
            raise PolicyFileError(
                f"saved PARL policy has format version {data.get('version')!r}; this swarmnb "
                f"reads version {VERSION} (its action space changed): train it again"
            )
        try:
            policy = cls(
                seed=int(data["seed"]),
                profiles=list(data["profiles"]),
                widths=list(data["widths"]),
                max_stages=int(data.get("max_stages", 12)),
            )
            if list(data["actions"]) != list(ACTION_KINDS) or data["n_features"] != N_FEATURES:
                raise PolicyFileError("saved PARL policy was made for another action space")
            for head in HEADS:
                w = np.asarray(data["weights"][head], dtype=float)
                if w.shape != policy.weights[head].shape or not np.all(np.isfinite(w)):
                    raise PolicyFileError(f"saved PARL policy has bad {head!r} weights")
                policy.weights[head] = w
            policy.episodes_trained = int(data.get("episodes_trained", 0))
        except PolicyFileError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise PolicyFileError(f"saved PARL policy is incomplete or malformed: {exc!r}") from exc
        return policy

    def save(self, path: str | Path) -> Path:
        """Write the policy as JSON (weights as lists of floats; loads back exactly)."""
        return write_policy_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> PARL:
        """Read a policy written by :meth:`save`; raises :class:`~swarmnb.PolicyFileError`."""
        return cls.from_dict(read_policy_json(path))

    def copy(self) -> PARL:
        return PARL.from_dict(self.to_dict())

    def __repr__(self) -> str:
        return (
            f"PARL(seed={self.seed}, profiles={list(self.profiles)}, "
            f"episodes_trained={self.episodes_trained})"
        )
