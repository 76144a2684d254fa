"""The sensitivity sweep's axes: each assumption of the sim, how a value changes the profiles.

Example::

    profiles_at((("context_drop", 0.0),))["small"].context_drop     # 0.0
    AXES["price_ratio"].label(20.0)                                  # '20:1 (default)'
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..models.sim_params import SIM_PROFILES, SimProfile

__all__ = ["AXES", "Axis", "Point", "point_label", "points", "profiles_at"]

Profiles = dict[str, SimProfile]
_BUILTIN = ("small", "medium", "large", "orchestrator")


def _scaled(name: str, cap: float | None = None) -> Callable[[Profiles, float], Profiles]:
    def apply(profiles: Profiles, v: float) -> Profiles:
        out = {}
        for key, p in profiles.items():
            value = getattr(p, name) * v
            out[key] = dataclasses.replace(p, **{name: min(cap, value) if cap else value})
        return out

    return apply


def _price_ratio(profiles: Profiles, target: float) -> Profiles:
    """Put large ÷ small at ``target``; the others keep their place on the log scale."""
    small, large = profiles["small"], profiles["large"]
    alpha = math.log(target) / math.log(large.input_usd_per_mtok / small.input_usd_per_mtok)
    out = {}
    for key, p in profiles.items():
        r_in = p.input_usd_per_mtok / small.input_usd_per_mtok
        r_out = p.output_usd_per_mtok / small.output_usd_per_mtok
        out[key] = dataclasses.replace(
            p,
            input_usd_per_mtok=small.input_usd_per_mtok * r_in**alpha,
            output_usd_per_mtok=small.output_usd_per_mtok * r_out**alpha,
        )
    return out


@dataclass(frozen=True, slots=True)
class Axis:
    """One assumption of the sim: how a value changes the profiles, and how to label it."""

    name: str
    title: str
    apply: Callable[[Profiles, float], Profiles]
    default: float = 1.0
    ratio: bool = False  #: values are ratios ``v:1`` rather than multipliers ``×v``

    def label(self, value: float) -> str:
        text = f"{value:g}:1" if self.ratio else f"×{value:g}"
        return f"{text} (default)" if math.isclose(value, self.default) else text


def _default_price_ratio() -> float:
    return SIM_PROFILES["large"].input_usd_per_mtok / SIM_PROFILES["small"].input_usd_per_mtok


AXES: dict[str, Axis] = {
    "context_drop": Axis("context_drop", "context degradation (context_drop)",
                         _scaled("context_drop", cap=1.0)),
    "context_shape": Axis("context_shape", "how late it sets in (context_shape)",
                          _scaled("context_shape")),
    "base_accuracy": Axis("base_accuracy", "base accuracy", _scaled("base_accuracy", cap=1.0)),
    "overhead_s": Axis("overhead_s", "per-call overhead latency", _scaled("overhead_s")),
    "price_ratio": Axis("price_ratio", "price ratio large : small", _price_ratio,
                        default=round(_default_price_ratio(), 6), ratio=True),
    "malformed_rate": Axis("malformed_rate", "malformed-output rate",
                           _scaled("malformed_rate", cap=1.0)),
}  # fmt: skip

Point = tuple[tuple[str, float], ...]  # the non-default settings, sorted by axis name


def points(values: Mapping[str, Sequence[float]], pairs: Iterable[tuple[str, str]]) -> list[Point]:
    seen: dict[Point, None] = {(): None}
    for name, vals in values.items():
        for v in vals:
            if not math.isclose(v, AXES[name].default):
                seen[((name, float(v)),)] = None
    for a, b in pairs:
        for va in values[a]:
            for vb in values[b]:
                point = tuple(
                    sorted(
                        (n, float(v))
                        for n, v in ((a, va), (b, vb))
                        if not math.isclose(v, AXES[n].default)
                    )
                )
                seen[point] = None
    return list(seen)


def profiles_at(point: Point, base: Mapping[str, SimProfile] | None = None) -> Profiles:
    """The built-in profiles with ``point``'s assumptions applied."""
    profiles = {k: (base or SIM_PROFILES)[k] for k in _BUILTIN}
    for name, value in point:
        profiles = AXES[name].apply(profiles, value)
    return profiles


def point_label(point: Point) -> str:
    return ", ".join(f"{n} {AXES[n].label(v)}" for n, v in point) or "sim defaults"
