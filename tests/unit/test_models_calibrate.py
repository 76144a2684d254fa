"""``calibrate`` on synthetic traces, its typed errors, and ``register_profile``."""

from __future__ import annotations

import dataclasses
import json
import math
import random

import pytest

import swarmnb as sn
from swarmnb.models import (
    SIM_PROFILES,
    calibrate,
    complete,
    register_profile,
    serve_sim,
    unregister_profile,
)
from swarmnb.models.sim import resolve_profile

TRUE = dataclasses.replace(
    SIM_PROFILES["medium"], overhead_s=0.8, prefill_tokens_per_s=6_000.0,
    output_tokens_per_s=70.0, latency_sigma=0.2, input_usd_per_mtok=0.5,
    output_usd_per_mtok=2.0, base_accuracy=0.9, context_drop=0.5, context_shape=2.0,
)  # fmt: skip


def _call(rng: random.Random, model: str = "openai/x", t_in: int | None = None, **extra) -> dict:
    t_in = rng.randint(200, 60_000) if t_in is None else t_in
    t_out = rng.randint(10, 800)
    z = rng.gauss(0.0, 1.0)
    return {
        "kind": "model.call", "model": model, "tokens_in": t_in, "tokens_out": t_out,
        "cost_usd": t_in * TRUE.input_cost_per_token + t_out * TRUE.output_cost_per_token,
        "latency_s": TRUE.latency(t_in, t_out, z), "cached": False, **extra,
    }  # fmt: skip


def _episodes(n_runs: int = 12, calls: int = 40) -> list[list[dict]]:
    """Runs whose calls fill the context more and more, graded at the profile's accuracy."""
    rng = random.Random(1)
    runs = []
    for r in range(n_runs):
        fill = r / (n_runs - 1)
        events = [{"kind": "run.started"}]
        for _ in range(calls):
            events.append(_call(rng, t_in=int(fill * TRUE.context_window)))
        grade = TRUE.accuracy(int(fill * TRUE.context_window))
        events.append({"kind": "run.finished", "quality": {"item_f1": grade}})
        runs.append(events)
    return runs


def test_fit_recovers_latency_prices_and_accuracy_from_synthetic_traces():
    rng = random.Random(0)
    runs = [[_call(rng) for _ in range(400)], *_episodes()]
    cal = calibrate(runs, context_window=TRUE.context_window)
    p = cal.profile
    assert abs(p.overhead_s - 0.8) < 0.08
    assert abs(p.prefill_tokens_per_s - 6_000) < 600
    assert abs(p.output_tokens_per_s - 70) < 7
    assert abs(p.latency_sigma - 0.2) < 0.03
    assert (p.input_usd_per_mtok, p.output_usd_per_mtok) == (0.5, 2.0)
    assert cal.graded_episodes == 12 and "context_drop" in cal.fitted
    assert abs(p.base_accuracy - 0.9) < 0.02 and abs(p.context_drop - 0.5) < 0.05
    assert p.context_shape == 2.0
    assert p.name == "x" and "fitted" in cal._repr_html_() and "openai/x" in repr(cal)


def test_repairs_give_the_malformed_rate_and_cached_calls_are_left_out():
    rng = random.Random(2)
    events = [_call(rng) for _ in range(90)] + [_call(rng, repair=1) for _ in range(10)]
    events += [{**_call(rng), "cached": True, "latency_s": 0.0} for _ in range(50)]
    cal = calibrate(events)
    assert cal.calls == 100
    assert math.isclose(cal.profile.malformed_rate, 0.1)


def test_no_model_calls_is_a_typed_error(tmp_path):
    trace = tmp_path / "empty.jsonl"
    trace.write_text(json.dumps({"v": 1, "run": "r", "seq": 0, "t": 0, "kind": "run.started"}))
    with pytest.raises(sn.CalibrationError, match="no model calls") as info:
        calibrate(trace)
    assert isinstance(info.value, ValueError) and isinstance(info.value, sn.SwarmError)
    with pytest.raises(sn.CalibrationError, match="no model calls"):
        calibrate(tmp_path)  # a folder with that trace


def test_several_models_need_a_model_named():
    rng = random.Random(3)
    events = [_call(rng, "openai/a") for _ in range(20)] + [
        _call(rng, "openai/b") for _ in range(20)
    ]
    with pytest.raises(sn.CalibrationError, match="name one with model=") as info:
        calibrate(events)
    assert info.value.models == ("openai/a", "openai/b")
    assert calibrate(events, "openai/b").model == "openai/b"
    with pytest.raises(sn.CalibrationError, match="no calls to 'openai/c'"):
        calibrate(events, "openai/c")
    with pytest.raises(sn.CalibrationError, match="need at least"):
        calibrate(events[:5])


def test_bad_trace_arguments():
    with pytest.raises(FileNotFoundError):
        calibrate("/nonexistent/trace.jsonl")
    with pytest.raises(TypeError):
        calibrate(42)


@pytest.fixture
def fast_profile():
    profile = dataclasses.replace(SIM_PROFILES["small"], overhead_s=0.05, base_accuracy=0.99)
    yield register_profile("fast-small", profile)
    unregister_profile("fast-small")


def test_register_profile_validates_and_protects_names(fast_profile):
    assert resolve_profile("sim/fast-small") is fast_profile
    assert fast_profile.model == "sim/fast-small"
    with pytest.raises(ValueError, match="already registered"):
        register_profile("fast-small", fast_profile)
    with pytest.raises(ValueError, match="no slash"):
        register_profile("a/b", fast_profile)
    with pytest.raises(TypeError):
        register_profile("other", object())
    with pytest.raises(ValueError, match="built in"):
        unregister_profile("small")
    with pytest.raises(KeyError):
        unregister_profile("never-registered")


async def test_a_registered_profile_runs_everywhere(fast_profile):
    c = await complete(model="sim/fast-small", messages=[{"role": "user", "content": "hi"}])
    assert c.content.startswith("[sim fast-small]")
    assert c.cost_usd == pytest.approx(
        c.tokens_in * fast_profile.input_cost_per_token
        + c.tokens_out * fast_profile.output_cost_per_token
    )
    with serve_sim(latency_scale=0.0) as server:
        served = await complete(
            model="openai/sim-fast-small",
            api_base=server.url,
            api_key="sk-local",
            messages=[{"role": "user", "content": "hi"}],
        )
    assert served.content == c.content

    swarm = sn.Swarm(policy=sn.policies.Heuristic(), subagents={"small": "sim/fast-small"},
                     clock="virtual")  # fmt: skip
    ep = await swarm.solve(sn.scenarios.WideSearch(n_items=10, seed=0))
    models = {e["model"] for e in ep.run.events if e["kind"] == "model.call"}
    assert "sim/fast-small" in models
    assert ep.metrics["item_f1"] is not None
