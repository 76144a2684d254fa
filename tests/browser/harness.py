"""Render swarmnb widgets in headless Chromium without a Jupyter server.

Python widgets talk to their front end through comms. :class:`Hub` replaces the comm factory
so every message a widget sends is queued (and counted); :class:`WidgetPage` serves a small page
(``index.html`` + ``harness.js``, a minimal anywidget host) from 127.0.0.1, pumps the queued
messages into it, and routes the page's messages (button clicks, trait edits) back into the
Python comms. The page runs the very ES modules the widgets ship in their ``_esm`` traits.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import comm
from comm.base_comm import BaseComm

HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """Debian's chromium, or whatever SWARMNB_CHROMIUM names."""
    for candidate in (
        os.environ.get("SWARMNB_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


class BridgeComm(BaseComm):
    """A comm whose outgoing messages go to a :class:`Hub` instead of a kernel."""

    hub: Hub

    def publish_msg(
        self,
        msg_type: str,
        data: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        buffers: list[Any] | None = None,
        **keys: Any,
    ) -> None:
        self.hub.publish(self, msg_type, data or {})


class Hub:
    """Collects widget messages; counts them and their JSON size like a kernel's iopub would."""

    def __init__(self) -> None:
        self.outbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.comms: dict[str, BridgeComm] = {}
        self.messages = 0
        self.bytes = 0
        self._lock = threading.Lock()

    def publish(self, c: BridgeComm, msg_type: str, data: dict[str, Any]) -> None:
        payload = json.dumps(data, separators=(",", ":"))
        with self._lock:
            self.comms[c.comm_id] = c
            self.messages += 1
            self.bytes += len(payload)
        self.outbox.put({"type": msg_type, "comm_id": c.comm_id, "data": json.loads(payload)})

    def drain(self) -> list[dict[str, Any]]:
        out = []
        while True:
            try:
                out.append(self.outbox.get_nowait())
            except queue.Empty:
                return out

    def to_kernel(self, comm_id: str, data: dict[str, Any]) -> None:
        """Deliver a front-end message to the Python widget, as the kernel would."""
        self.comms[comm_id].handle_msg(
            {"content": {"comm_id": comm_id, "data": data}, "buffers": []}
        )

    @contextmanager
    def installed(self) -> Iterator[Hub]:
        """Route widgets created inside the block through this hub."""
        hub = self

        def factory(*args: Any, **kwargs: Any) -> BridgeComm:
            c = BridgeComm.__new__(BridgeComm)
            c.hub = hub
            BridgeComm.__init__(c, *args, **kwargs)
            return c

        previous = comm.create_comm
        comm.create_comm = factory
        try:
            yield self
        finally:
            comm.create_comm = previous


@contextmanager
def serve_harness() -> Iterator[str]:
    """Serve index.html + harness.js from 127.0.0.1; yields the page URL."""
    handler = functools.partial(_QuietHandler, directory=str(HERE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class WidgetPage:
    """A Playwright page running the harness, connected to a :class:`Hub`."""

    def __init__(self, page: Any, hub: Hub, url: str) -> None:
        self.page = page
        self.hub = hub
        page.expose_function("__toKernel", self._from_page)
        page.goto(url)
        page.wait_for_function("window.__snReady === true")

    def _from_page(self, comm_id: str, data: str) -> None:
        self.hub.to_kernel(comm_id, json.loads(data))

    def pump(self) -> int:
        """Push queued widget messages into the page; returns how many."""
        messages = self.hub.drain()
        if messages:
            self.page.evaluate("json => window.__snReceive(json)", json.dumps(messages))
        return len(messages)

    def render(self, widget: Any, selector: str = "#root") -> None:
        self.pump()
        self.page.evaluate("([id, sel]) => window.__snRender(id, sel)", [widget.model_id, selector])

    def wait_until(
        self, condition: Callable[[], Any], *, timeout: float = 30.0, what: str = "condition"
    ) -> Any:
        """Pump messages and let the page run until ``condition()`` is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            self.pump()
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            self.page.wait_for_timeout(25)

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def errors(self) -> list[str]:
        return self.page.evaluate("window.__snErrors")
