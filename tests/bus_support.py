"""Bus fixtures shared by the contract suite and the NATS-backed agent tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from swarmnb.bus import MemoryBus, NatsServer


@pytest.fixture(scope="module")
def nats_server() -> Iterator[NatsServer]:
    """A real nats-server with JetStream on 127.0.0.1, for this test module."""
    with NatsServer() as server:
        yield server


async def make_bus(kind: str, server: NatsServer | None) -> AsyncIterator[object]:
    if kind == "memory":
        bus = MemoryBus()
        yield bus
        await bus.close()
        return
    from swarmnb.bus import NatsBus

    assert server is not None
    stream = "T" + uuid.uuid4().hex[:10].upper()
    bus = await NatsBus.connect(server.url, stream=stream)
    yield bus
    await bus.delete_stream()
    await bus.close()
