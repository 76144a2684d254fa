"""Fit a sim profile to traces of real runs, so cheap simulated episodes behave like your model.

A user runs a few real episodes (a trace per run), calls :func:`calibrate` on the traces and
registers the fit as ``sim/<name>``; thousands of episodes then run offline on the virtual
clock with the latency, prices and context behaviour of the measured model.

What is fitted, from the ``model.call`` events (``tokens_in``, ``tokens_out``, ``cost_usd``,
``latency_s``, ``repair``) and the grades in ``run.finished``:

* **latency** — ``latency = (overhead_s + tokens_in/prefill + tokens_out/output) · ε`` with a
  mean-one lognormal ``ε`` (the sim's own model): non-linear least squares on log latency
  (the maximum-likelihood fit for lognormal noise), ``latency_sigma`` from the residuals, and
  standard errors from the Jacobian;
* **prices** — least squares of ``cost_usd`` on the token counts (exact for linear price
  lists), rounded to 10 significant digits per million tokens;
* **malformed_rate** — repair turns per provider reply;
* **accuracy against context fill** — only where traces carry grades: each graded episode's
  score against the mean context fill of its calls, fitted to
  ``base · (1 − drop · fill^shape)``. Without grades the ``base`` profile's values stay, and
  :attr:`Calibration.fitted` says so.

Example::

    cal = sn.models.calibrate("runs/")          # or a list of traces, runs or episodes
    cal                                         # the fitted profile with its standard errors
    sn.models.register_profile("mine", cal)     # "sim/mine" now plays like the measured model
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._exceptions import CalibrationError
from ..events import decode_event
from ..metrics import quality
from .profiles import register_profile
from .sim_params import SIM_PROFILES, SimProfile

__all__ = ["Calibration", "calibrate"]

Event = Mapping[str, Any]
#: Fewest non-cached calls that give a usable latency fit.
MIN_CALLS = 10
#: Fewest graded episodes (with some spread of context fill) to fit accuracy.
MIN_GRADED = 3
_SHAPES = tuple(np.round(np.arange(0.5, 4.01, 0.25), 2))


@dataclass(frozen=True, slots=True)
class Calibration:
    """A fitted :class:`SimProfile` with what it was fitted from and how precisely."""

    model: str  #: the model the calls went to
    profile: SimProfile
    calls: int  #: provider replies used (cache hits are left out)
    graded_episodes: int  #: episodes with a grade, used for accuracy against context fill
    fitted: tuple[str, ...]  #: profile fields estimated from the traces (the rest: ``base``)
    stderr: Mapping[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def register(self, name: str, *, replace: bool = False) -> str:
        """Register the profile as ``sim/<name>``; returns that model string."""
        return register_profile(name, self.profile, replace=replace).model

    def rows(self) -> list[tuple[str, str, str]]:
        """(field, value, source) for display."""
        p = self.profile
        out = []
        for f in dataclasses.fields(p):
            if f.name == "name":
                continue
            value = getattr(p, f.name)
            text = f"{value:,.6g}" if isinstance(value, float) else f"{value:,}"
            err = self.stderr.get(f.name)
            if err is not None and math.isfinite(err):
                text += f" ± {err:,.2g}"
            out.append((f.name, text, "fitted" if f.name in self.fitted else "base profile"))
        return out

    def __repr__(self) -> str:
        p = self.profile
        return (
            f"<Calibration {self.model}: {self.calls:,} calls, overhead {p.overhead_s:.3g} s, "
            f"prefill {p.prefill_tokens_per_s:,.0f} tok/s, output {p.output_tokens_per_s:,.1f} "
            f"tok/s, σ {p.latency_sigma:.2f}, ${p.input_usd_per_mtok:g}/${p.output_usd_per_mtok:g}"
            f" per Mtok, fitted {list(self.fitted)}>"
        )

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td><td>{html.escape(c)}</td></tr>"
            for a, b, c in self.rows()
        )
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)
        return (
            f"<b>Calibration of {html.escape(self.model)}</b> — {self.calls:,} calls, "
            f"{self.graded_episodes:,} graded episodes<table><tr><th>field</th><th>value</th>"
            f"<th>source</th></tr>{body}</table>{notes}"
        )


def _jsonl(path: Path) -> list[dict[str, Any]]:
    events = []
    lines = path.read_bytes().splitlines()
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                events.append(decode_event(line))
            except ValueError:
                if number != len(lines):  # a torn last line is a crash mid-write: skip it
                    raise
    return events


def _runs(traces: Any) -> list[list[Event]]:
    """Event lists, one per run, from paths, folders, runs, episodes or event lists."""
    if isinstance(traces, str | Path):
        path = Path(traces)
        if path.is_dir():
            return [_jsonl(p) for p in sorted(path.rglob("*.jsonl"))]
        if not path.exists():
            raise FileNotFoundError(f"no trace at {path}")
        return [_jsonl(path)]
    events = getattr(traces, "events", None)
    if events is None and hasattr(traces, "run"):
        events = getattr(traces.run, "events", None)
    if events is not None:
        return [list(events)]
    if isinstance(traces, Mapping):
        raise TypeError("give calibrate a trace, a run, an episode or a list of them, not an event")
    if isinstance(traces, Iterable):
        items = list(traces)
        if items and all(isinstance(e, Mapping) and "kind" in e for e in items):
            return [items]
        return [run for item in items for run in _runs(item)]
    raise TypeError(f"cannot read traces from {traces!r}")


def _pick_model(calls: Sequence[Event], model: str | None) -> str:
    models = sorted({str(c.get("model")) for c in calls})
    if not models:
        raise CalibrationError("the traces hold no model calls (no model.call events) to fit")
    if model is None:
        if len(models) > 1:
            raise CalibrationError(
                f"the traces hold calls to {len(models)} models {models}: name one with model=",
                models=models,
            )
        return models[0]
    if model not in models:
        raise CalibrationError(
            f"the traces hold no calls to {model!r}; they hold {models}", models=models
        )
    return model


def _fit_latency(t_in: np.ndarray, t_out: np.ndarray, lat: np.ndarray) -> dict[str, float]:
    """Gauss–Newton on log latency; returns overhead, per-token times, sigma and stderrs."""
    x = np.column_stack([np.ones_like(t_in), t_in, t_out])
    theta, *_ = np.linalg.lstsq(x, lat, rcond=None)
    floor = np.array([1e-6, 1e-12, 1e-12])
    theta = np.maximum(theta, floor)
    y = np.log(lat)
    for _ in range(100):
        mean = x @ theta
        r = y - np.log(mean)
        jac = x / mean[:, None]
        step, *_ = np.linalg.lstsq(jac, r, rcond=None)
        new = np.maximum(theta + step, floor)
        if np.allclose(new, theta, rtol=1e-10, atol=0):
            theta = new
            break
        theta = new
    mean = x @ theta
    r = y - np.log(mean)
    sigma = float(np.std(r, ddof=3))
    scale = math.exp(sigma * sigma / 2.0)  # the fit absorbs E[log ε] = −σ²/2: undo it
    jac = x / mean[:, None]
    try:
        cov = np.linalg.inv(jac.T @ jac) * sigma**2
        err = np.sqrt(np.maximum(np.diag(cov), 0.0)) * scale
    except np.linalg.LinAlgError:
        err = np.full(3, math.nan)
    o, a, b = theta * scale
    return {
        "overhead_s": float(o),
        "sec_per_in": float(a),
        "sec_per_out": float(b),
        "latency_sigma": sigma,
        "overhead_err": float(err[0]),
        "in_err_rel": float(err[1] / (theta[1] * scale)),
        "out_err_rel": float(err[2] / (theta[2] * scale)),
    }


def _round_sig(value: float, digits: int = 10) -> float:
    return 0.0 if value == 0 else round(value, digits - 1 - math.floor(math.log10(abs(value))))


def _fit_prices(t_in: np.ndarray, t_out: np.ndarray, cost: np.ndarray) -> tuple[float, float]:
    if not np.any(cost):
        return 0.0, 0.0
    coef, *_ = np.linalg.lstsq(np.column_stack([t_in, t_out]), cost, rcond=None)
    return _round_sig(max(0.0, coef[0]) * 1e6), _round_sig(max(0.0, coef[1]) * 1e6)


def _grade(finished: Event | None) -> float | None:
    value, _name = quality((finished or {}).get("quality") or {})
    return value


def _fit_accuracy(fill: np.ndarray, grade: np.ndarray) -> tuple[float, float, float] | None:
    """(base, drop, shape) of ``grade ≈ base · (1 − drop · fill^shape)``, or None."""
    if len(fill) < MIN_GRADED or np.ptp(fill) < 0.05:
        return None
    best: tuple[float, float, float, float] | None = None
    for shape in _SHAPES:
        x = np.column_stack([np.ones_like(fill), -(fill**shape)])
        (b0, b1), *_ = np.linalg.lstsq(x, grade, rcond=None)
        base = min(1.0, max(1e-6, b0))
        drop = min(1.0, max(0.0, b1 / base))
        sse = float(np.sum((grade - base * (1 - drop * fill**shape)) ** 2))
        if best is None or sse < best[0]:
            best = (sse, base, drop, float(shape))
    assert best is not None
    return best[1], best[2], best[3]


def _context_window(model: str, given: int | None, base: SimProfile) -> tuple[int, str | None]:
    if given is not None:
        return int(given), None
    from .sim import sim_profile_or_none

    sim = sim_profile_or_none(model)
    if sim is not None:
        return sim.context_window, None
    try:
        from ._litellm import litellm

        info = litellm.get_model_info(model)
        window = info.get("max_input_tokens") or info.get("max_tokens")
        if window:
            return int(window), None
    except Exception:
        pass
    return base.context_window, (
        f"context window of {model} unknown: used the base profile's "
        f"{base.context_window:,} tokens (pass context_window=)"
    )


def calibrate(
    traces: Any,
    model: str | None = None,
    *,
    name: str | None = None,
    base: SimProfile | str = "medium",
    context_window: int | None = None,
) -> Calibration:
    """Fit a :class:`SimProfile` to the ``model.call`` events (and grades) in ``traces``.

    ``traces``: a JSONL trace path, a folder of traces, a run, a replayed run, an episode,
    a list of events, or a list of any of these. ``model``: which model's calls to fit —
    required when the traces hold calls to several. ``base``: the profile (or its name) whose
    values stand for what the traces cannot tell (accuracy without grades). ``name``: the
    fitted profile's name (default: derived from the model string). Cached replies are left
    out (they took no provider time).

    Raises :class:`~swarmnb.CalibrationError` (a ``ValueError``) when the traces hold no
    model calls, calls to several models and no ``model=``, or too few calls to fit.
    """
    base_profile = SIM_PROFILES[base] if isinstance(base, str) else base
    runs = _runs(traces)
    all_calls = [
        e for run in runs for e in run if e.get("kind") == "model.call" and not e.get("cached")
    ]
    chosen = _pick_model(all_calls, model)
    calls = [c for c in all_calls if str(c.get("model")) == chosen]
    timed = [c for c in calls if float(c.get("latency_s") or 0) > 0]
    if len(timed) < MIN_CALLS:
        raise CalibrationError(
            f"{chosen}: {len(timed)} timed model calls in the traces; need at least {MIN_CALLS}",
            models=[chosen],
        )
    col = lambda rows, key: np.array([float(r.get(key) or 0.0) for r in rows])  # noqa: E731
    lat = _fit_latency(col(timed, "tokens_in"), col(timed, "tokens_out"), col(timed, "latency_s"))
    p_in, p_out = _fit_prices(
        col(calls, "tokens_in"), col(calls, "tokens_out"), col(calls, "cost_usd")
    )
    malformed = sum(1 for c in calls if c.get("repair")) / len(calls)
    window, window_note = _context_window(chosen, context_window, base_profile)
    notes = [window_note] if window_note else []
    fills, grades = [], []
    for run in runs:
        grade = _grade(next((e for e in reversed(run) if e.get("kind") == "run.finished"), None))
        mine = [c for c in run if c.get("kind") == "model.call" and c.get("model") == chosen]
        if grade is not None and mine:
            fills.append(min(1.0, float(np.mean(col(mine, "tokens_in"))) / window))
            grades.append(grade)
    fitted = ["overhead_s", "prefill_tokens_per_s", "output_tokens_per_s", "latency_sigma",
              "input_usd_per_mtok", "output_usd_per_mtok", "malformed_rate"]  # fmt: skip
    accuracy = _fit_accuracy(np.array(fills), np.array(grades))
    acc_fields: dict[str, float] = {}
    if accuracy is not None:
        acc_fields = dict(
            zip(("base_accuracy", "context_drop", "context_shape"), accuracy, strict=True)
        )
        fitted += list(acc_fields)
    else:
        notes.append(
            f"accuracy against context fill kept from sim/{base_profile.name}: "
            f"{len(grades)} graded episodes (need {MIN_GRADED} with a spread of context fill)"
        )
    profile = dataclasses.replace(
        base_profile,
        name=name or _default_name(chosen),
        context_window=window,
        overhead_s=lat["overhead_s"],
        prefill_tokens_per_s=1.0 / lat["sec_per_in"],
        output_tokens_per_s=1.0 / lat["sec_per_out"],
        latency_sigma=lat["latency_sigma"],
        input_usd_per_mtok=p_in,
        output_usd_per_mtok=p_out,
        malformed_rate=min(1.0, malformed),
        **acc_fields,
    )
    stderr = {
        "overhead_s": lat["overhead_err"],
        "prefill_tokens_per_s": lat["in_err_rel"] * profile.prefill_tokens_per_s,
        "output_tokens_per_s": lat["out_err_rel"] * profile.output_tokens_per_s,
    }
    return Calibration(
        model=chosen,
        profile=profile,
        calls=len(calls),
        graded_episodes=len(grades),
        fitted=tuple(fitted),
        stderr=stderr,
        notes=tuple(notes),
    )


def _default_name(model: str) -> str:
    tail = model.rsplit("/", 1)[-1]
    return "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in tail) or "calibrated"
