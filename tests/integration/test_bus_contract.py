"""One contract, two buses: the in-process MemoryBus and NatsBus against a real nats-server."""

from __future__ import annotations

import asyncio

import pytest

import swarmnb as sn
from swarmnb.bus import messages
from tests.bus_support import make_bus, nats_server  # noqa: F401 - fixture

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=["memory", "nats"])
async def bus(request):
    server = request.getfixturevalue("nats_server") if request.param == "nats" else None
    gen = make_bus(request.param, server)
    yield await gen.__anext__()
    with pytest.raises(StopAsyncIteration):
        await gen.__anext__()


async def test_wildcards_deliver_in_order_and_only_matches(bus):
    async with (
        bus.subscribe("swarmnb.agent.>") as everything,
        bus.subscribe("swarmnb.agent.*.a1") as one_token,
    ):
        await bus.publish("swarmnb.agent.heartbeat.a1", {"n": 1})
        await bus.publish("swarmnb.agent.help.a2", {"n": 2})
        await bus.publish("swarmnb.other.x", {"n": 3})
        await bus.publish("swarmnb.agent.heartbeat.a1", {"n": 4})
        got = [(await everything.next(timeout=5)).data["n"] for _ in range(3)]
        assert got == [1, 2, 4]
        assert [(await one_token.next(timeout=5)).data["n"] for _ in range(2)] == [1, 4]
        with pytest.raises(sn.BusTimeout):
            await one_token.next(timeout=0.2)


async def test_request_reply_and_timeouts(bus):
    async def responder(sub):
        async for msg in sub:
            await msg.respond({"answer": msg.data["q"] * 2})

    async with bus.subscribe("swarmnb.agent.help.developer") as sub:
        task = asyncio.create_task(responder(sub))
        reply = await bus.request("swarmnb.agent.help.developer", {"q": 21}, timeout=5)
        assert reply.data == {"answer": 42}
        task.cancel()
    with pytest.raises(sn.BusTimeout, match=r"swarmnb.agent.help.nobody"):
        await bus.request("swarmnb.agent.help.nobody", {"q": 1}, timeout=0.3)
    async with bus.subscribe("swarmnb.agent.help.silent"):
        with pytest.raises(sn.BusTimeout):
            await bus.request("swarmnb.agent.help.silent", {"q": 1}, timeout=0.3)


async def test_stream_replay_from_a_sequence_is_exact(bus):
    acks = [
        await bus.publish("swarmnb.tasks.completed", {"i": i}, msg_id=f"m{i}") for i in range(12)
    ]
    assert [a.seq for a in acks] == list(range(1, 13))
    assert not any(a.duplicate for a in acks)
    for start in (1, 5, 12):
        got = [m async for m in bus.replay("swarmnb.tasks.completed", from_seq=start)]
        assert [m.seq for m in got] == list(range(start, 13))
        assert [m.data["i"] for m in got] == list(range(start - 1, 12))
    assert [m async for m in bus.replay("swarmnb.tasks.completed", from_seq=13)] == []
    with pytest.raises(sn.BusError):
        [m async for m in bus.replay("swarmnb.tasks.completed", from_seq=0)]


async def test_replay_filters_by_subject(bus):
    await bus.publish("swarmnb.tasks.completed", {"k": "c1"})
    await bus.publish("swarmnb.tasks.failed", {"k": "f1"})
    await bus.publish("swarmnb.tasks.completed", {"k": "c2"})
    done = [m.data["k"] async for m in bus.replay("swarmnb.tasks.completed")]
    assert done == ["c1", "c2"]
    every = [(m.seq, m.data["k"]) async for m in bus.replay("swarmnb.tasks.*")]
    assert every == [(1, "c1"), (2, "f1"), (3, "c2")]


async def test_msg_id_deduplicates_the_stream(bus):
    first = await bus.publish("swarmnb.tasks.completed", {"v": 1}, msg_id="task-7")
    again = await bus.publish("swarmnb.tasks.completed", {"v": 2}, msg_id="task-7")
    other = await bus.publish("swarmnb.tasks.completed", {"v": 3}, msg_id="task-8")
    assert (first.seq, first.duplicate) == (1, False)
    assert (again.seq, again.duplicate) == (1, True)
    assert other.seq == 2
    stored = [m.data["v"] async for m in bus.replay("swarmnb.tasks.completed")]
    assert stored == [1, 3]


async def test_live_subscribers_see_duplicates_the_stream_does_not_store(bus):
    async with bus.subscribe("swarmnb.tasks.completed") as sub:
        await bus.publish("swarmnb.tasks.completed", {"v": 1}, msg_id="x")
        await bus.publish("swarmnb.tasks.completed", {"v": 2}, msg_id="x")
        live = [(await sub.next(timeout=5)).data["v"] for _ in range(2)]
    assert live == [1, 2]
    assert [m.data["v"] async for m in bus.replay("swarmnb.tasks.completed")] == [1]


async def test_stream_messages_reach_live_subscribers_and_core_subjects_are_not_stored(bus):
    async with bus.subscribe("swarmnb.tasks.>") as sub:
        assert await bus.publish("swarmnb.tasks.started", {"t": "a"}) is None
        ack = await bus.publish("swarmnb.tasks.completed", {"t": "a"}, msg_id="a")
        first, second = await sub.next(timeout=5), await sub.next(timeout=5)
    assert (first.subject, first.seq) == ("swarmnb.tasks.started", None)
    assert (second.subject, second.data, second.seq) == (
        "swarmnb.tasks.completed",
        {"t": "a"},
        None,
    )
    assert ack.seq == 1
    assert [m.subject async for m in bus.replay("swarmnb.tasks.>")] == ["swarmnb.tasks.completed"]


async def test_pydantic_messages_round_trip(bus):
    sent = messages.TaskCompleted(task_id="t1", agent="developer-1", role="developer", output="ok")
    async with bus.subscribe(messages.subjects.completed) as sub:
        await bus.publish(messages.subjects.completed, sent, msg_id="t1")
        got = (await sub.next(timeout=5)).parse(messages.TaskCompleted)
    assert got == sent


async def test_bad_subjects_are_refused(bus):
    for bad in ("", "swarmnb..x", "swarmnb.*.x"):
        with pytest.raises(sn.BusError, match="invalid subject"):
            await bus.publish(bad, {})
    with pytest.raises(sn.BusError, match="last token"):
        bus.subscribe("swarmnb.>.x")
