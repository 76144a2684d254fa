"""Messaging for agents: one ``Bus`` protocol, an in-process bus and NATS JetStream.

``MemoryBus`` is the default (one process, no server). ``NatsBus`` (extra ``[nats]``) speaks
to a NATS server with JetStream, so agents in several processes or machines share one bus.
Both pass the same contract tests: wildcard subjects, request/reply with timeouts, a durable
stream replayable from a sequence number, and ``msg_id`` de-duplication on the stream.

Example::

    bus = sn.bus.MemoryBus()        # or: await sn.bus.NatsBus.connect("nats://127.0.0.1:4222")
    await bus.publish("swarmnb.tasks.completed", payload)
    async with bus.subscribe("swarmnb.agent.>") as sub: ...
    reply = await bus.request("swarmnb.agent.help", payload, timeout=30)
    async for msg in bus.replay("swarmnb.tasks.completed", from_seq=1): ...
"""

from __future__ import annotations

from typing import Any

from . import messages
from ._base import (
    DEFAULT_STREAM_SUBJECTS,
    Ack,
    Bus,
    Message,
    Subscription,
    subject_matches,
)
from ._server import NatsServer
from .memory import MemoryBus
from .messages import subjects

__all__ = [
    "DEFAULT_STREAM_SUBJECTS",
    "Ack",
    "Bus",
    "MemoryBus",
    "Message",
    "NatsBus",
    "NatsServer",
    "Subscription",
    "messages",
    "subject_matches",
    "subjects",
]


def __getattr__(name: str) -> Any:
    if name == "NatsBus":  # nats-py is an optional extra: import it only when asked
        from .nats import NatsBus

        return NatsBus
    raise AttributeError(f"module 'swarmnb.bus' has no attribute {name!r}")
