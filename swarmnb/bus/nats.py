"""``NatsBus``: the bus over NATS, with the durable stream in JetStream (extra ``[nats]``).

Core NATS carries publish/subscribe and request/reply; a JetStream stream (``SWARMNB`` by
default) captures the ``stream_subjects``. Publishing on a stream subject goes through
JetStream with the ``Nats-Msg-Id`` header, so the server de-duplicates by ``msg_id`` and
answers with the sequence number. :meth:`NatsBus.replay` reads the stream from a sequence
number with an ephemeral consumer.

Example::

    with NatsServer() as server:                       # or your own server
        bus = await NatsBus.connect(server.url)
        ack = await bus.publish("swarmnb.tasks.completed", {"task": "t1"}, msg_id="t1")
        await bus.close()
"""

from __future__ import annotations

import contextlib
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
)
from ._server import NatsServer

__all__ = ["NatsBus", "NatsServer", "NatsSubscription"]


def _nats() -> Any:
    try:
        import nats
    except ImportError:  # pragma: no cover - depends on the extra
        raise BusError("NatsBus needs nats-py: pip install 'swarmnb[nats]'") from None
    return nats


class NatsSubscription(SubscriptionMixin):
    """A core NATS subscription, started on ``async with`` or ``await``."""

    def __init__(self, bus: NatsBus, subject: str) -> None:
        self.subject = check_subject(subject, wildcards=True)
        self._bus = bus
        self._sub: Any = None

    async def _start(self) -> NatsSubscription:
        if self._sub is None:
            self._sub = await self._bus._nc.subscribe(self.subject)
            await self._bus._nc.flush()  # the server knows the interest before we return
        return self

    def __await__(self) -> Generator[Any, None, NatsSubscription]:
        return self._start().__await__()

    def _wrap(self, m: Any) -> Message:
        return self._bus._message(m)

    async def next(self, timeout: float | None = None) -> Message:
        await self._start()
        try:
            m = await self._sub.next_msg(timeout=timeout if timeout is not None else 1e9)
        except _nats().errors.TimeoutError:
            raise BusTimeout(f"no message on {self.subject!r} within {timeout}s") from None
        return self._wrap(m)

    async def _iterate(self) -> AsyncIterator[Message]:
        await self._start()
        async for m in self._sub.messages:
            yield self._wrap(m)

    async def close(self) -> None:
        if self._sub is not None:
            sub, self._sub = self._sub, None
            with contextlib.suppress(Exception):  # already gone with the connection
                await sub.unsubscribe()

    async def __aenter__(self) -> NatsSubscription:
        return await self._start()

    def __repr__(self) -> str:
        return f"<NatsSubscription {self.subject!r}>"


class NatsBus(StreamSubjectsMixin):
    """The :class:`~swarmnb.bus.Bus` contract over a NATS server; use :meth:`connect`."""

    def __init__(self, nc: Any, js: Any, *, stream: str, stream_subjects: Sequence[str]) -> None:
        self._nc = nc
        self._js = js
        self.stream = stream
        self.stream_subjects = tuple(stream_subjects)

    @classmethod
    async def connect(
        cls,
        url: str = "nats://127.0.0.1:4222",
        *,
        stream: str = "SWARMNB",
        stream_subjects: Sequence[str] = DEFAULT_STREAM_SUBJECTS,
        duplicate_window_s: float = 120.0,
    ) -> NatsBus:
        """Connect and make sure the stream exists with ``stream_subjects``."""
        nats = _nats()
        from nats.js.api import StreamConfig

        subjects = [check_subject(s, wildcards=True) for s in stream_subjects]
        try:
            nc = await nats.connect(url, connect_timeout=5, max_reconnect_attempts=3)
        except Exception as exc:
            raise BusError(f"cannot connect to NATS at {url}: {exc}") from None
        js = nc.jetstream()
        config = StreamConfig(name=stream, subjects=subjects, duplicate_window=duplicate_window_s)
        try:
            await js.add_stream(config)
        except nats.js.errors.BadRequestError as exc:
            try:  # it exists with other settings: align them
                await js.update_stream(config)
            except nats.js.errors.NotFoundError:
                await nc.close()
                raise BusError(
                    f"cannot create stream {stream!r} for {subjects}: {exc.description} "
                    "(another stream on this server holds these subjects?)"
                ) from None
        return cls(nc, js, stream=stream, stream_subjects=subjects)

    def _message(self, m: Any) -> Message:
        seq = None
        headers = m.headers or {}
        if self._in_stream(m.subject) and headers.get("Nats-Sequence"):
            seq = int(headers["Nats-Sequence"])
        return Message(
            subject=m.subject, body=m.data, seq=seq, msg_id=headers.get("Nats-Msg-Id"),
            reply=m.reply or None, _bus=self,
        )  # fmt: skip

    async def publish(
        self, subject: str, payload: Payload, *, msg_id: str | None = None, reply: str | None = None
    ) -> Ack | None:
        check_subject(subject)
        body = encode_payload(payload)
        if self._in_stream(subject):
            headers = {"Nats-Msg-Id": msg_id} if msg_id else None
            try:
                ack = await self._js.publish(subject, body, headers=headers, timeout=10)
            except Exception as exc:
                raise BusError(f"JetStream publish on {subject!r} failed: {exc}") from None
            return Ack(seq=ack.seq, duplicate=bool(ack.duplicate))
        headers = {"Nats-Msg-Id": msg_id} if msg_id else None
        await self._nc.publish(subject, body, reply=reply or "", headers=headers)
        return None

    def subscribe(self, subject: str) -> NatsSubscription:
        return NatsSubscription(self, subject)

    async def request(self, subject: str, payload: Payload, *, timeout: float = 30.0) -> Message:
        check_subject(subject)
        nats = _nats()
        try:
            m = await self._nc.request(subject, encode_payload(payload), timeout=timeout)
        except nats.errors.NoRespondersError:
            raise BusTimeout(f"no responders on {subject!r}") from None
        except nats.errors.TimeoutError:
            raise BusTimeout(f"no reply on {subject!r} within {timeout}s") from None
        return self._message(m)

    async def replay(self, subject: str, *, from_seq: int = 1) -> AsyncIterator[Message]:
        """Stored messages on ``subject`` with ``seq >= from_seq``, in order."""
        check_subject(subject, wildcards=True)
        if from_seq < 1:
            raise BusError(f"from_seq counts from 1, not {from_seq}")
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        info = await self._js.stream_info(self.stream)
        if info.state.last_seq < from_seq:
            return
        psub = await self._js.pull_subscribe(
            subject, stream=self.stream,
            config=ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=from_seq,
                ack_policy=AckPolicy.NONE, inactive_threshold=30.0,
            ),
        )  # fmt: skip
        try:
            while True:
                try:
                    batch = await psub.fetch(256, timeout=2)
                except TimeoutError:  # nats-py: an empty fetch times out
                    return
                for m in batch:
                    meta = m.metadata
                    yield Message(
                        subject=m.subject, body=m.data, seq=meta.sequence.stream,
                        msg_id=(m.headers or {}).get("Nats-Msg-Id"), _bus=self,
                    )  # fmt: skip
                if batch and batch[-1].metadata.num_pending == 0:
                    return
        finally:
            await psub.unsubscribe()

    async def delete_stream(self) -> None:
        """Remove this bus's stream and everything stored in it from the server."""
        await self._js.delete_stream(self.stream)

    @property
    def connected(self) -> bool:
        return bool(self._nc.is_connected)

    async def close(self) -> None:
        """Flush what is pending and disconnect (a drain that times out just closes)."""
        if self._nc.is_closed:
            return
        try:
            await self._nc.drain()
        except Exception:  # a drain timeout on a busy connection: close without waiting
            with contextlib.suppress(Exception):
                await self._nc.close()

    async def __aenter__(self) -> NatsBus:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        url = getattr(self._nc, "connected_url", None)
        where = f"{url.hostname}:{url.port}" if url is not None else "?"
        return f"<NatsBus {where} stream={self.stream} subjects={list(self.stream_subjects)}>"
