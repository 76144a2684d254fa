"""``sn.Client``: the swarm service from Python, and a dashboard that follows a remote swarm.

The client speaks the HTTP API with httpx (sync: calls are short). A :class:`RemoteSwarm`
follows its swarm's server-sent events in a background thread, reconnecting with
``Last-Event-ID`` so no event is lost or repeated, and offers the read side of a run
(``events``, ``subscribe``, ``events_since``, ``tasks``, ``metrics``), so ``swarm.dashboard()``
is the same live dashboard as for a local run.

Example::

    client = sn.Client("http://127.0.0.1:8000", token)
    swarm = client.create_swarm(name="demo", agents=8,
                                tasks=[{"prompt": f"look up item {i}"} for i in range(40)])
    swarm.dashboard()                # live, in a notebook
    swarm.wait(); swarm.info()["status"]
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson

from .._exceptions import ServiceError
from ..view import RunView

__all__ = ["Client", "RemoteSwarm", "ServiceError"]

Event = dict[str, Any]


class Client:
    """A connection to a swarm service (``url`` like ``http://127.0.0.1:8000``)."""

    def __init__(self, url: str, token: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._http = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )

    def __repr__(self) -> str:
        return f"<Client {self.url}>"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, **kw: Any) -> Any:
        """One call; returns the decoded JSON (or text), raises :class:`ServiceError`."""
        response = self._http.request(method, path, **kw)
        if response.status_code >= 400:
            try:
                detail = response.json()
            except ValueError:
                detail = response.text
            retry = response.headers.get("retry-after")
            raise ServiceError(response.status_code, detail, float(retry) if retry else None)
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    # -- swarms ------------------------------------------------------------------------------
    def healthz(self) -> dict[str, Any]:
        return self.request("GET", "/healthz")

    def create_swarm(self, **spec: Any) -> RemoteSwarm:
        """``POST /v1/swarms`` with the fields of :class:`~swarmnb.api.schemas.SwarmCreate`."""
        info = self.request("POST", "/v1/swarms", json=spec)
        return RemoteSwarm(self, info["id"], info=info)

    def swarms(self) -> list[dict[str, Any]]:
        return self.request("GET", "/v1/swarms")["swarms"]

    def swarm(self, swarm_id: str) -> RemoteSwarm:
        return RemoteSwarm(self, swarm_id, info=self.request("GET", f"/v1/swarms/{swarm_id}"))

    def metrics(self) -> str:
        """The Prometheus text exposition of ``GET /metrics``."""
        return self.request("GET", "/metrics")

    def events(
        self, swarm_id: str, *, last_event_id: int | None = None, timeout: float | None = None
    ) -> Iterator[tuple[int, Event]]:
        """(id, event) pairs from the swarm's SSE stream, from after ``last_event_id``.

        Ends when the swarm ends (the server closes the stream); reconnects by itself after a
        dropped connection, resuming after the last id it saw.
        """
        last = last_event_id
        while True:
            headers = {"Last-Event-ID": str(last)} if last is not None else {}
            try:
                with self._http.stream(
                    "GET", f"/v1/swarms/{swarm_id}/events", headers=headers,
                    timeout=httpx.Timeout(timeout or 60.0, connect=10.0),
                ) as response:  # fmt: skip
                    if response.status_code >= 400:
                        response.read()
                        raise ServiceError(response.status_code, response.text)
                    for event_id, kind, data in _parse_sse(response.iter_lines()):
                        if kind == "end":
                            return
                        if event_id is None:
                            continue
                        last = event_id
                        yield event_id, orjson.loads(data)
            except (httpx.TransportError, httpx.RemoteProtocolError):
                time.sleep(0.2)
                continue


def _parse_sse(lines: Iterator[str]) -> Iterator[tuple[int | None, str, str]]:
    event_id: int | None = None
    kind, data = "message", []
    for line in lines:
        if not line:
            if data:
                yield event_id, kind, "\n".join(data)
            event_id, kind, data = None, "message", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "id":
            event_id = int(value)
        elif name == "event":
            kind = value
        elif name == "data":
            data.append(value)


class RemoteSwarm(RunView):
    """A swarm in the service, seen from Python; a run view fed by its event stream."""

    def __init__(self, client: Client, swarm_id: str, *, info: Mapping[str, Any]) -> None:
        self.client = client
        self.id = swarm_id
        self.name = str(info.get("name", swarm_id))
        self.clock = "real"
        self.trace_path: Path | None = None
        self._info = dict(info)
        self._events: list[Event] = []
        self._lock = threading.Lock()
        self._subscribers: list[Callable[[Event], object]] = []
        self._thread: threading.Thread | None = None
        self._done = threading.Event()

    # -- API calls ---------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        self._info = self.client.request("GET", f"/v1/swarms/{self.id}")
        return self._info

    def submit(self, tasks: Sequence[Mapping[str, Any]], *, close: bool = False) -> list[str]:
        body = {"tasks": [dict(t) for t in tasks], "close": close}
        return self.client.request("POST", f"/v1/swarms/{self.id}/tasks", json=body)["ids"]

    def task(self, task_id: str) -> dict[str, Any]:
        return self.client.request("GET", f"/v1/swarms/{self.id}/tasks/{task_id}")

    def agents(self) -> list[dict[str, Any]]:
        return self.client.request("GET", f"/v1/swarms/{self.id}/agents")

    def close(self) -> dict[str, Any]:
        """Take no more tasks; the swarm finishes when its tasks are done."""
        return self.client.request("POST", f"/v1/swarms/{self.id}/close")

    def delete(self) -> dict[str, Any]:
        """Cancel the swarm and remove it from the service's list."""
        return self.client.request("DELETE", f"/v1/swarms/{self.id}")

    def analyze(
        self, question: str, *, image: bytes | None = None, model: str = "sim/small"
    ) -> dict[str, Any]:
        import base64

        body: dict[str, Any] = {"question": question, "model": model}
        if image is not None:
            body["image"] = base64.b64encode(image).decode()
        return self.client.request("POST", f"/v1/swarms/{self.id}/vision/analyze", json=body)

    def wait(self, timeout: float | None = None, *, poll: float = 0.2) -> dict[str, Any]:
        """Block until the swarm leaves ``running``; returns its info."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            info = self.info()
            if info["status"] != "running":
                return info
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"swarm {self.id} still running after {timeout}s")
            time.sleep(poll)

    # -- following (the run-view side) -------------------------------------------------------
    def follow(self) -> RemoteSwarm:
        """Start following the event stream in a background thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._follow, name=f"swarmnb-follow-{self.id}", daemon=True
            )
            self._thread.start()
        return self

    def _follow(self) -> None:
        try:
            for _, event in self.client.events(self.id):
                with self._lock:
                    self._events.append(event)
                    subscribers = list(self._subscribers)
                for subscriber in subscribers:
                    subscriber(event)
        finally:
            self._done.set()

    @property
    def events(self) -> list[Event]:
        with self._lock:
            return list(self._events)

    @property
    def n_events(self) -> int:
        return len(self._events)

    def events_since(self, start: int) -> list[Event]:
        with self._lock:
            return list(self._events[start:])

    @property
    def finished(self) -> bool:
        return self._done.is_set()

    @property
    def status(self) -> str:
        finished = next((e for e in reversed(self._events) if e["kind"] == "run.finished"), None)
        if self._done.is_set() and finished is not None:
            return str(finished.get("status"))
        return str(self._info.get("status", "running"))

    def subscribe(
        self, subscriber: Callable[[Event], object], *, replay: bool = True
    ) -> Callable[[], None]:
        self.follow()
        with self._lock:
            past = list(self._events) if replay else []
            self._subscribers.append(subscriber)
        for event in past:
            subscriber(event)
        return lambda: self._unsubscribe(subscriber)

    def _unsubscribe(self, subscriber: Callable[[Event], object]) -> None:
        with self._lock:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the followed stream ended; True if it did."""
        return self._done.wait(timeout)

    def dashboard(self, **options: Any) -> Any:
        """A live dashboard of this remote swarm (follows its events)."""
        self.follow()
        return super().dashboard(**options)

    def cancel(self) -> None:
        self.delete()

    def __repr__(self) -> str:
        status = self._info.get("status")
        return f"<RemoteSwarm {self.id} {self.name!r} status={status} at {self.client.url}>"
