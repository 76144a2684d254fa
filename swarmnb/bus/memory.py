"""``MemoryBus``: the default bus, inside one process and one event loop.

Same contract as :class:`~swarmnb.bus.NatsBus` (see :mod:`swarmnb.bus._base`): a publish is
delivered, synchronously and in order, to every open subscription whose pattern matches; a
message on a stream subject is stored with the next sequence number (once per ``msg_id``); a
request waits on a private inbox for the first reply.

Example::

    bus = MemoryBus()
    ack = await bus.publish("swarmnb.tasks.completed", {"task": "t1"}, msg_id="t1")
    ack.seq                                     # 1
    [m.data async for m in bus.replay("swarmnb.tasks.completed", from_seq=1)]
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import deque
from collections.abc import AsyncIterator, Generator, Sequence
from typing import Any

from .._exceptions import BusError, BusTimeout
from ._base import (
    DEFAULT_STREAM_SUBJECTS,
    Ack,
    Message,
    Payload,
    StreamSubjectsMixin,
    SubscriptionMixin,
    check_subject,
    encode_payload,
    subject_matches,
)

__all__ = ["MemoryBus", "MemorySubscription"]


class MemorySubscription(SubscriptionMixin):
    """An open subscription on a :class:`MemoryBus`: a queue the bus fills."""

    def __init__(self, bus: MemoryBus, subject: str) -> None:
        self.subject = check_subject(subject, wildcards=True)
        self._bus = bus
        self._queue: asyncio.Queue[Message | None] = asyncio.Queue()
        self._open = False
        self._closed = False

    def _start(self) -> MemorySubscription:
        if not self._open and not self._closed:
            self._open = True
            self._bus._add(self)
        return self

    def __await__(self) -> Generator[Any, None, MemorySubscription]:
        yield from asyncio.sleep(0).__await__()
        return self._start()

    def _deliver(self, msg: Message) -> None:
        self._queue.put_nowait(msg)

    async def next(self, timeout: float | None = None) -> Message:
        """The next message; :class:`~swarmnb.BusTimeout` after ``timeout`` seconds."""
        self._start()
        try:
            msg = await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            raise BusTimeout(f"no message on {self.subject!r} within {timeout}s") from None
        if msg is None:
            raise BusError(f"subscription to {self.subject!r} is closed")
        return msg

    async def _iterate(self) -> AsyncIterator[Message]:
        self._start()
        while True:
            msg = await self._queue.get()
            if msg is None:
                return
            yield msg

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._bus._remove(self)
        self._queue.put_nowait(None)

    async def __aenter__(self) -> MemorySubscription:
        return self._start()

    def __repr__(self) -> str:
        return f"<MemorySubscription {self.subject!r} pending={self._queue.qsize()}>"


class MemoryBus(StreamSubjectsMixin):
    """An in-process bus with a durable (in-memory) stream; see the module docs.

    ``dedupe_window`` is how many recent ``msg_id``s the stream remembers (NATS keeps a time
    window; a count keeps the in-memory bus deterministic under the virtual clock).
    """

    def __init__(
        self,
        *,
        stream_subjects: Sequence[str] = DEFAULT_STREAM_SUBJECTS,
        dedupe_window: int = 100_000,
    ) -> None:
        self.stream_subjects = tuple(check_subject(s, wildcards=True) for s in stream_subjects)
        self._subs: list[MemorySubscription] = []
        self._exact: dict[str, list[MemorySubscription]] = {}  #: plain subjects, by subject
        self._wild: list[MemorySubscription] = []  #: patterns with * or >
        self._stream: list[Message] = []
        self._ids: dict[str, int] = {}
        self._id_order: deque[str] = deque()
        self._window = dedupe_window
        self._closed = False
        self._inbox = itertools.count(1)

    def _add(self, sub: MemorySubscription) -> None:
        self._subs.append(sub)
        if "*" in sub.subject.split(".") or sub.subject.endswith(">"):
            self._wild.append(sub)
        else:
            self._exact.setdefault(sub.subject, []).append(sub)

    def _remove(self, sub: MemorySubscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)
        if sub in self._wild:
            self._wild.remove(sub)
        same = self._exact.get(sub.subject)
        if same and sub in same:
            same.remove(sub)
            if not same:
                del self._exact[sub.subject]

    def _matching(self, subject: str) -> list[MemorySubscription]:
        """Open subscriptions for ``subject``, in the order they subscribed."""
        found = [s for s in self._wild if subject_matches(s.subject, subject)]
        found += self._exact.get(subject, ())
        if len(found) > 1:
            order = {id(s): i for i, s in enumerate(self._subs)}
            found.sort(key=lambda s: order[id(s)])
        return found

    async def publish(
        self, subject: str, payload: Payload, *, msg_id: str | None = None, reply: str | None = None
    ) -> Ack | None:
        """Deliver to matching subscriptions; store when ``subject`` is a stream subject.

        Returns the stream's :class:`Ack` (``duplicate=True`` when ``msg_id`` was seen and the
        message was not stored again), or ``None`` off the stream. As on NATS, live
        subscribers get every publish, duplicates included; de-duplication is the stream's.
        """
        return self.publish_nowait(subject, payload, msg_id=msg_id, reply=reply)

    def publish_nowait(
        self, subject: str, payload: Payload, *, msg_id: str | None = None, reply: str | None = None
    ) -> Ack | None:
        """:meth:`publish` from synchronous code on the bus's loop."""
        if self._closed:
            raise BusError("the bus is closed")
        check_subject(subject)
        body = encode_payload(payload)
        ack: Ack | None = None
        if self._in_stream(subject):
            if msg_id is not None and msg_id in self._ids:
                ack = Ack(seq=self._ids[msg_id], duplicate=True)
            else:
                ack = Ack(seq=len(self._stream) + 1)
                self._stream.append(Message(subject=subject, body=body, seq=ack.seq, msg_id=msg_id))
                if msg_id is not None:
                    self._remember(msg_id, ack.seq)
        msg = Message(subject=subject, body=body, msg_id=msg_id, reply=reply, _bus=self)
        for sub in self._matching(subject):
            sub._deliver(msg)
        return ack

    def _remember(self, msg_id: str, seq: int) -> None:
        self._ids[msg_id] = seq
        self._id_order.append(msg_id)
        while len(self._id_order) > self._window:
            self._ids.pop(self._id_order.popleft(), None)

    def subscribe(self, subject: str) -> MemorySubscription:
        """A subscription to ``subject`` (wildcards allowed); ``async with`` it, or await it."""
        if self._closed:
            raise BusError("the bus is closed")
        return MemorySubscription(self, subject)._start()

    async def request(self, subject: str, payload: Payload, *, timeout: float = 30.0) -> Message:
        """Publish with a private reply subject and return the first reply."""
        check_subject(subject)
        if not self._matching(subject):
            raise BusTimeout(f"no responders on {subject!r}")
        inbox = f"_INBOX.{uuid.uuid4().hex}.{next(self._inbox)}"
        async with self.subscribe(inbox) as sub:
            await self.publish(subject, payload, reply=inbox)
            try:
                return await sub.next(timeout=timeout)
            except BusTimeout:
                raise BusTimeout(f"no reply on {subject!r} within {timeout}s") from None

    async def replay(self, subject: str, *, from_seq: int = 1) -> AsyncIterator[Message]:
        """Stored messages on ``subject`` (wildcards allowed) with ``seq >= from_seq``, in order."""
        check_subject(subject, wildcards=True)
        if from_seq < 1:
            raise BusError(f"from_seq counts from 1, not {from_seq}")
        for msg in self._stream[from_seq - 1 :]:
            if subject_matches(subject, msg.subject):
                yield msg

    @property
    def last_seq(self) -> int:
        """The stream's last sequence number (0 when empty)."""
        return len(self._stream)

    async def close(self) -> None:
        self._closed = True
        for sub in tuple(self._subs):
            await sub.close()

    async def __aenter__(self) -> MemoryBus:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return (
            f"<MemoryBus subscriptions={len(self._subs)} stream={len(self._stream)} "
            f"subjects={list(self.stream_subjects)}>"
        )
