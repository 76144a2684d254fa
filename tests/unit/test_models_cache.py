"""ResponseCache: a hit makes no provider call, costs nothing, and says it was cached."""

from __future__ import annotations

import pytest

import swarmnb as sn
from swarmnb.models import ResponseCache, complete
from swarmnb.models.cache import request_key
from tests.models_support import TOOLS, ask, count_calls, run_graph, run_virtual


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_a_hit_makes_no_call_and_costs_nothing(tmp_path, monkeypatch):
    cache = ResponseCache(tmp_path / "c.sqlite")

    async def twice():
        a = await complete("sim/small", ask(), tools=TOOLS, cache=cache, seed=3)
        b = await complete("sim/small", ask(), tools=TOOLS, cache=cache, seed=3)
        return a, b

    with count_calls(monkeypatch) as log:
        (a, b), _ = run_virtual(twice)
    assert log.calls == 1
    assert not a.cached and a.cost_usd > 0
    assert b.cached and b.cost_usd == 0 and b.calls == 0
    assert b.tool_calls == a.tool_calls and b.content == a.content
    assert (cache.hits, cache.misses, len(cache)) == (1, 1, 1)


def test_the_cache_survives_reopening_and_keys_include_the_seed(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite"

    async def call(seed):
        with ResponseCache(path) as cache:
            return await complete("sim/medium", ask("Peru"), cache=cache, seed=seed)

    with count_calls(monkeypatch) as log:
        run_virtual(lambda: call(1))
        again, _ = run_virtual(lambda: call(1))
        other, _ = run_virtual(lambda: call(2))
    assert again.cached and not other.cached
    assert log.calls == 2


def test_entries_expire_after_the_ttl(tmp_path, monkeypatch):
    clock = FakeClock()
    cache = ResponseCache(tmp_path / "c.sqlite", ttl=60.0, clock=clock)

    async def call():
        return await complete("sim/small", ask(), cache=cache)

    with count_calls(monkeypatch) as log:
        run_virtual(call)
        clock.now += 59.0
        assert run_virtual(call)[0].cached
        clock.now += 2.0
        fresh, _ = run_virtual(call)
    assert not fresh.cached and log.calls == 2


def test_cached_calls_are_reported_in_the_run_as_cached(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")

    async def work(task: sn.Task, ctx: sn.Context) -> str:
        c = await complete("sim/small", ask(), ctx=ctx, cache=cache)
        return c.content or ""

    g = sn.TaskGraph()
    g.add("first", id="a")
    g.add("again", id="b", deps=["a"])
    run = run_graph(g, work)
    calls = {e["task"]: e for e in run.events if e["kind"] == "model.call"}
    assert calls["a"]["cached"] is False and calls["a"]["cost_usd"] > 0
    assert calls["b"]["cached"] is True and calls["b"]["cost_usd"] == 0
    costs = run.tasks.set_index("id")["cost_usd"]
    assert costs["b"] == 0 and costs["a"] > 0


def test_request_key_is_canonical_and_ignores_transport_settings(tmp_path):
    a = request_key(model="m", messages=[{"role": "user", "content": "x"}], seed=1, tools=None)
    b = request_key(seed=1, messages=[{"content": "x", "role": "user"}], model="m")
    c = request_key(model="m", messages=[{"role": "user", "content": "x"}], seed=2)
    assert a == b != c and len(a) == 64

    cache = ResponseCache(tmp_path / "c.sqlite")

    async def call(**kw):
        return await complete("sim/small", ask(), cache=cache, **kw)

    run_virtual(lambda: call(timeout=5.0))
    assert run_virtual(lambda: call(timeout=99.0, metadata={"x": 1}))[0].cached
    assert not run_virtual(lambda: call(temperature=0.5))[0].cached


def test_bad_ttl_is_refused(tmp_path):
    with pytest.raises(ValueError, match="ttl"):
        ResponseCache(tmp_path / "c.sqlite", ttl=0)
    assert "ttl=none" in repr(ResponseCache(tmp_path / "d.sqlite", ttl=None))
