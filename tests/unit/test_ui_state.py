"""Folding events into dashboard state, and the base+delta channel, on hand-made event lists."""

from __future__ import annotations

import random
from typing import Any

import pytest

from swarmnb.ui._channel import DeltaChannel
from swarmnb.ui._state import STATUSES, SwarmState


class Events:
    """Builds a well-formed event list the way the runtime stamps events."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.t = 0.0

    def __call__(self, kind: str, t: float | None = None, **fields: Any) -> dict[str, Any]:
        if t is not None:
            self.t = t
        event = {
            "v": 1,
            "run": "r-test",
            "seq": len(self.events),
            "t": self.t,
            "kind": kind,
            **fields,
        }
        self.events.append(event)
        return event


def fold(events: list[dict[str, Any]]) -> SwarmState:
    state = SwarmState()
    state.apply_many(events)
    return state


def test_task_lifecycle_with_retry():
    ev = Events()
    ev("run.started", 0.0, name="t", clock="virtual", max_concurrency=4, budget={"usd": 1.0})
    ev("task.queued", task="a", deps=[], prompt="look up A", profile="small")
    ev("task.queued", task="b", deps=["a"])
    state = fold(ev.events)
    assert [t.status for t in state.order] == ["queued", "queued"]
    ev("task.started", 1.0, task="a", attempt=1)
    ev("task.retrying", 2.0, task="a", attempt=1, error="RetryableError: 429", delay=0.5,
       tokens_in=10, tokens_out=0, cost_usd=0.001, steps=1)  # fmt: skip
    state = fold(ev.events)
    assert state.tasks["a"].status == "retrying"
    assert state.running == 0
    ev("task.started", 2.5, task="a", attempt=2)
    ev("task.completed", 4.0, task="a", attempt=2, result="A!", tokens_in=20, tokens_out=5,
       cost_usd=0.002, steps=2)  # fmt: skip
    ev("task.started", 4.0, task="b", attempt=1)
    ev("task.failed", 5.0, task="b", attempt=1, error="ValueError: nope")
    ev("run.finished", 5.0, status="failed")
    state = fold(ev.events)
    a, b = state.tasks["a"], state.tasks["b"]
    assert (a.status, a.attempts, a.retries, a.result) == ("done", 2, 1, "A!")
    assert (a.tokens_in, a.tokens_out, a.steps) == (30, 5, 3)
    assert a.cost_usd == pytest.approx(0.003)
    assert a.started == 1.0 and a.finished == 4.0 and a.duration == 3.0
    assert (b.status, b.error) == ("failed", "ValueError: nope")
    assert state.totals.cost_usd == pytest.approx(0.003)
    assert state.status == "failed"
    assert state.counts == {**dict.fromkeys(STATUSES, 0), "done": 1, "failed": 1}
    # one bar per attempt, closed with the attempt's outcome
    assert [(bar[3], bar[1], bar[2]) for bar in state.bars] == [
        ("b", 1.0, 2.0), ("d", 2.5, 4.0), ("f", 4.0, 5.0),
    ]  # fmt: skip
    assert state.budget == {"usd": 1.0} and state.max_concurrency == 4
    detail = a.detail()
    assert detail["prompt"] == "look up A" and detail["attempts"] == 2 and detail["result"] == "A!"


def test_skipped_and_cancelled_without_a_start_take_no_lane():
    ev = Events()
    ev("run.started", 0.0, max_concurrency=2)
    for tid in ("a", "b", "c"):
        ev("task.queued", task=tid, deps=[])
    ev("task.skipped", 1.0, task="b", reason="dependency 'x' failed", cause="x")
    ev("task.cancelled", 1.0, task="c", reason="run cancelled")
    state = fold(ev.events)
    assert state.tasks["b"].status == "skipped" and state.tasks["b"].reason.startswith("dependency")
    assert state.tasks["c"].status == "cancelled"
    assert state.bars == [] and state.agents == {} and state.lanes == []


def test_worker_lanes_reuse_the_lowest_free_slot():
    ev = Events()
    ev("run.started", 0.0, max_concurrency=3)
    for tid in "abcd":
        ev("task.queued", task=tid, deps=[])
    ev("task.started", 0.0, task="a", attempt=1)
    ev("task.started", 0.0, task="b", attempt=1)
    ev("task.started", 0.0, task="c", attempt=1)
    ev("task.completed", 1.0, task="b", attempt=1, cost_usd=0.5)
    ev("task.started", 1.0, task="d", attempt=1)  # takes b's lane
    state = fold(ev.events)
    lane_of = {bar[4]: bar[0] for bar in state.bars}
    assert lane_of["d"] == lane_of["b"]
    assert len(state.lanes) == 3 and state.lanes[lane_of["b"]] == "worker 1"
    assert state.agents["worker 1"].cost_usd == 0.5
    assert state.agents["worker 1"].task == "d" and state.agents["worker 1"].state == "busy"
    assert state.running == 3
    assert state.curve[-1] == [1.0, 3]


def test_agents_spawn_work_and_leave():
    ev = Events()
    ev("run.started", 0.0)
    ev("agent.spawned", 0.0, agent="sub-1", profile="small", name="researcher 1", role="researcher")
    ev("task.queued", task="a", deps=[], agent="sub-1")
    ev("task.queued", task="b", deps=[], agent="sub-1")
    ev("task.started", 1.0, task="a", attempt=1, agent="sub-1")
    state = fold(ev.events)
    agent = state.agents["sub-1"]
    assert (agent.name, agent.profile, agent.state, agent.task) == (
        "researcher 1", "small", "busy", "a",
    )  # fmt: skip
    ev("task.completed", 2.0, task="a", attempt=1, tokens_in=100, tokens_out=40, cost_usd=0.01,
       steps=3)  # fmt: skip
    ev("task.started", 2.0, task="b", attempt=1, agent="sub-1")
    ev("task.completed", 3.0, task="b", attempt=1, tokens_in=50, cost_usd=0.005, steps=1)
    ev("agent.finished", 3.0, agent="sub-1")
    state = fold(ev.events)
    agent = state.agents["sub-1"]
    assert agent.state == "finished" and agent.task is None and agent.tasks_done == 2
    assert state.agent_totals()["sub-1"] == {
        "tokens_in": 150, "tokens_out": 40, "cost_usd": pytest.approx(0.015), "steps": 4,
        "tasks_done": 2,
    }  # fmt: skip
    assert state.lanes == ["sub-1"]


def test_changes_name_only_what_changed():
    ev = Events()
    ev("run.started", 0.0)
    for i in range(10):
        ev("task.queued", task=f"t{i}", deps=[])
    state = SwarmState()
    state.apply_many(ev.events)
    first = state.take_changes()
    assert first.full and first.shape
    assert not state.take_changes()  # nothing new
    state.apply(ev("task.started", 1.0, task="t3", attempt=1))
    changes = state.take_changes()
    assert changes.tasks == {3} and not changes.shape and changes.bars == {0}
    assert changes.agents == {"worker 0"} and changes.curve_from == 0
    assert state.curve == [[1.0, 1]]
    state.apply(ev("task.queued", task="late", deps=["t3"]))
    assert state.take_changes().shape


def test_spend_rate_per_minute():
    ev = Events()
    ev("run.started", 0.0)
    ev("task.queued", task="a", deps=[])
    ev("task.started", 0.0, task="a", attempt=1)
    ev("task.retrying", 30.0, task="a", attempt=1, error="x", delay=0, cost_usd=1.0)
    ev("task.started", 30.0, task="a", attempt=2)
    ev("task.completed", 120.0, task="a", attempt=2, cost_usd=2.0)
    state = fold(ev.events)
    assert state.usd_per_minute() == pytest.approx(3.0 / 2.0)
    assert state.usd_per_minute(window=60.0) == pytest.approx(2.0)  # only the 2nd attempt's $2


class Client:
    """What the browser does with a channel's two traits (widgets/*.js followChannel)."""

    def __init__(self) -> None:
        self.base_v = None
        self.items: dict[str, Any] = {}

    def receive(self, traits: dict[str, Any], name: str) -> None:
        base = traits.get(f"{name}_base")
        delta = traits.get(f"{name}_delta")
        if base is not None and base["v"] != self.base_v:
            self.base_v = base["v"]
            self.items = (
                dict(enumerate(base["items"]))
                if isinstance(base["items"], list)
                else dict(base["items"])
            )
            self.items = {str(k): v for k, v in self.items.items()}
        if delta is not None and delta["base"] == self.base_v:
            self.items.update(delta["items"])


def test_channel_clients_rebuild_the_full_state_live_and_late():
    rng = random.Random(0)
    channel = DeltaChannel("s", min_rebase=8, ratio=0.25)
    truth: dict[str, str] = {}
    traits: dict[str, Any] = {}
    live = Client()
    sent_items = 0
    for step in range(300):
        changed = {}
        if step % 50 == 0:  # new keys arrive now and then
            for k in range(len(truth), len(truth) + 20):
                changed[str(k)] = "q"
        for _ in range(rng.randint(0, 4)):
            if truth or changed:
                key = rng.choice(sorted({*truth, *changed}))
                changed[key] = rng.choice("rbdfsc")
        truth.update(changed)
        update = channel.update(changed, full=lambda: dict(truth), size=len(truth))
        traits.update(update)
        for value in update.values():
            sent_items += len(value["items"])
        live.receive(update, "s")
        assert live.items == truth
        late = Client()  # a view displayed now sees only the current trait values
        late.receive(traits, "s")
        assert late.items == truth
    assert channel.rebases > 1
    assert sent_items < 300 * len(truth) / 4  # far less than resending everything each flush


def test_channel_sends_nothing_when_nothing_changed():
    channel = DeltaChannel("s")
    assert "s_base" in channel.update({}, full=lambda: {"0": "q"})
    assert channel.update({}, full=lambda: {"0": "q"}) == {}
    out = channel.update({"0": "r"}, full=lambda: {"0": "r"})
    assert out == {"s_delta": {"base": 1, "v": 2, "items": {"0": "r"}}}
