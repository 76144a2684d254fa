"""Running the service: in the foreground (``swarmnb serve``) or in a background thread.

:func:`serve` is what the CLI calls. :class:`BackgroundServer` runs the same app with uvicorn
in a daemon thread — for a notebook that wants a service next to its kernel, and for tests
against a real server on 127.0.0.1 — and stops cleanly.

Example::

    with BackgroundServer(ServiceConfig(data_dir=tmp, tokens={"t": "write"})) as server:
        client = sn.Client(server.url, "t")
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import uvicorn

from .app import ServiceConfig, create_app

__all__ = ["BackgroundServer", "serve"]


def serve(config: ServiceConfig, *, host: str = "127.0.0.1", port: int = 8000, **uv: Any) -> None:
    """Serve until interrupted (uvicorn, one process: swarms live in its event loop)."""
    uvicorn.run(create_app(config), host=host, port=port, log_level=uv.pop("log_level", "warning"),
                **uv)  # fmt: skip


class BackgroundServer:
    """The service on ``host:port`` (``port=0``: any free port) in a daemon thread."""

    def __init__(self, config: ServiceConfig, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config
        self.host = host
        self.port = port
        self.app = create_app(config)
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, host=host, port=port, log_level="warning", lifespan="on")
        )
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> BackgroundServer:
        def main() -> None:
            try:
                asyncio.run(self._server.serve())
            except BaseException as exc:  # reported by start()
                self._error = exc

        self._thread = threading.Thread(target=main, name="swarmnb-service", daemon=True)
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the service did not start: {self._error!r}")
            self._thread.join(0.02)
        sockets = self._server.servers[0].sockets
        self.port = int(sockets[0].getsockname()[1])
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(30)

    def __enter__(self) -> BackgroundServer:
        return self.start() if self._thread is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        alive = self._thread is not None and self._thread.is_alive()
        return f"<BackgroundServer {self.url} {'running' if alive else 'stopped'}>"
