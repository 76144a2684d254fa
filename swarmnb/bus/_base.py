"""The ``Bus`` protocol and what travels on it: subjects, messages, acknowledgements.

A bus moves JSON messages between agents and the registry. Four things, the same on every
implementation (:class:`~swarmnb.bus.MemoryBus` in-process, :class:`~swarmnb.bus.NatsBus`
over NATS JetStream):

* **publish / subscribe** with NATS-style subjects: tokens separated by ``.``, ``*`` matches
  one token, ``>`` the rest (``swarmnb.agent.>``);
* **request / reply** with a timeout (:class:`~swarmnb.BusTimeout` when nobody answers);
* a **durable stream** of the subjects listed in ``stream_subjects`` (task completions by
  default): every message there gets a sequence number, and :meth:`Bus.replay` returns the
  stored messages from a sequence number on (inclusive), in order;
* **de-duplication** on the stream: publishing twice with the same ``msg_id`` stores once
  (live subscribers still see both publishes, as on NATS: consumers stay idempotent).

A live message has ``seq=None``; stored messages carry their sequence number on replay.

Example::

    bus = MemoryBus()
    async with bus.subscribe("swarmnb.agent.>") as sub:
        await bus.publish("swarmnb.agent.heartbeat.a1", {"load": 0.5})
        msg = await sub.next(timeout=1)
    msg.subject, msg.data        # ('swarmnb.agent.heartbeat.a1', {'load': 0.5})
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

import orjson
import pydantic

from .._exceptions import BusError

__all__ = [
    "DEFAULT_STREAM_SUBJECTS",
    "Ack",
    "Bus",
    "Message",
    "Payload",
    "StreamSubjectsMixin",
    "Subscription",
    "SubscriptionMixin",
    "check_subject",
    "encode_payload",
    "subject_matches",
]

#: Subjects kept in the durable stream unless a bus is told otherwise.
DEFAULT_STREAM_SUBJECTS: tuple[str, ...] = ("swarmnb.tasks.completed", "swarmnb.tasks.failed")

Payload = pydantic.BaseModel | Mapping[str, Any]
M = TypeVar("M", bound=pydantic.BaseModel)


def check_subject(subject: str, *, wildcards: bool = False) -> str:
    """Validate a subject (``wildcards`` allows ``*`` and a final ``>``); returns it."""
    if not isinstance(subject, str) or not subject or " " in subject:
        raise BusError(f"invalid subject {subject!r}: non-empty tokens separated by '.'")
    tokens = subject.split(".")
    for i, token in enumerate(tokens):
        if not token:
            raise BusError(f"invalid subject {subject!r}: empty token")
        if token in ("*", ">") and not wildcards:
            raise BusError(f"invalid subject {subject!r}: wildcards only when subscribing")
        if token == ">" and i != len(tokens) - 1:
            raise BusError(f"invalid subject {subject!r}: '>' must be the last token")
    return subject


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS matching: ``*`` is one token, a final ``>`` one or more."""
    p, s = pattern.split("."), subject.split(".")
    for i, token in enumerate(p):
        if token == ">":
            return len(s) > i
        if i >= len(s) or (token != "*" and token != s[i]):
            return False
    return len(p) == len(s)


def encode_payload(payload: Payload) -> bytes:
    """A payload (pydantic model or JSON-ready mapping) as JSON bytes."""
    if isinstance(payload, pydantic.BaseModel):
        return payload.model_dump_json().encode()
    if isinstance(payload, Mapping):
        return orjson.dumps(dict(payload))
    raise BusError(f"a payload is a pydantic model or a mapping, not {type(payload).__name__}")


@dataclass(frozen=True, slots=True)
class Ack:
    """The stream's answer to a publish on a stream subject."""

    seq: int
    duplicate: bool = False


@dataclass(slots=True, kw_only=True)
class Message:
    """One received message: subject, JSON body, and the stream sequence (on replay)."""

    subject: str
    body: bytes
    seq: int | None = None
    msg_id: str | None = None
    reply: str | None = None
    _bus: Bus | None = field(default=None, repr=False, compare=False)

    @property
    def data(self) -> dict[str, Any]:
        """The decoded JSON body."""
        return orjson.loads(self.body) if self.body else {}

    def parse(self, model: type[M]) -> M:
        """The body validated as ``model`` (one of :mod:`swarmnb.bus.messages`)."""
        return model.model_validate_json(self.body)

    async def respond(self, payload: Payload) -> None:
        """Answer a :meth:`Bus.request`."""
        if not self.reply or self._bus is None:
            raise BusError(f"message on {self.subject!r} expects no reply")
        await self._bus.publish(self.reply, payload)


@runtime_checkable
class Subscription(Protocol):
    """Messages on a subject pattern, in publish order; close it (or ``async with``) when done."""

    subject: str

    async def next(self, timeout: float | None = None) -> Message: ...

    def __aiter__(self) -> AsyncIterator[Message]: ...

    async def close(self) -> None: ...

    async def __aenter__(self) -> Subscription: ...

    async def __aexit__(self, *exc: object) -> None: ...


@runtime_checkable
class Bus(Protocol):
    """What the registry and the agents need from a message bus (see module docs)."""

    stream_subjects: tuple[str, ...]

    async def publish(
        self, subject: str, payload: Payload, *, msg_id: str | None = None
    ) -> Ack | None: ...

    def subscribe(self, subject: str) -> Subscription: ...

    async def request(
        self, subject: str, payload: Payload, *, timeout: float = 30.0
    ) -> Message: ...

    def replay(self, subject: str, *, from_seq: int = 1) -> AsyncIterator[Message]: ...

    async def close(self) -> None: ...


class StreamSubjectsMixin:
    """What every bus does with its ``stream_subjects``: tell which subjects the stream keeps."""

    stream_subjects: tuple[str, ...]

    def _in_stream(self, subject: str) -> bool:
        return any(subject_matches(p, subject) for p in self.stream_subjects)


class SubscriptionMixin:
    """The iteration and ``async with`` exit every subscription shares.

    A subclass provides ``_iterate()`` (an async generator of its messages) and ``close()``.
    """

    def _iterate(self) -> AsyncIterator[Message]:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._iterate()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
