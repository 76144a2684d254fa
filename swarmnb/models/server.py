"""``serve_sim``: the sim models as an OpenAI-compatible HTTP endpoint on loopback.

The in-process ``sim/`` provider never touches the network, so it cannot exercise what real
deployments meet: litellm's ``openai/`` HTTP client, HTTP 429 with ``Retry-After``, a server
that stops answering. :func:`serve_sim` runs an aiohttp server in a background thread that
answers ``POST /v1/chat/completions`` (and ``GET /v1/models``) with exactly the replies the
in-process sim gives — same :func:`~swarmnb.models.sim.simulate`, same oracles, same seed —
and can be told to fail: the first ``fail_429`` requests get 429 with ``Retry-After``, the
first ``fail_500`` get 500, every ``timeout_every``-th request hangs for ``hang_s`` seconds
(past any sensible client timeout). It binds to loopback only.

Example::

    with serve_sim(fail_429=2, retry_after=0.2, latency_scale=0.0) as server:
        c = await complete(model="openai/sim-small", messages=msgs,
                           api_base=server.url, api_key="sk-local")
        server.requests     # 3: two 429s, then the answer
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from typing import Any

from aiohttp import web

from .sim import ContextOverflow, SimOutcome, UnknownSimModel, simulate
from .sim_params import SIM_PROFILES

__all__ = ["SimServer", "serve_sim"]

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_FAULTS = (
    "fail_429",
    "retry_after",
    "fail_500",
    "timeout_every",
    "hang_s",
    "malformed",
    "latency_scale",
)


def _error(status: int, message: str, kind: str, code: str | None = None, **headers: str) -> Any:
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return web.json_response(body, status=status, headers=headers or None)


def outcome_json(outcome: SimOutcome, model: str) -> dict[str, Any]:
    """The OpenAI ``chat.completion`` object for a simulated reply."""
    message: dict[str, Any] = {"role": "assistant", "content": outcome.content}
    if outcome.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in outcome.tool_calls
        ]
    return {
        "id": f"chatcmpl-sim-{outcome.request_hash[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "sim",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": outcome.finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": outcome.tokens_in,
            "completion_tokens": outcome.tokens_out,
            "total_tokens": outcome.tokens_in + outcome.tokens_out,
        },
    }


class SimServer:
    """A running loopback sim endpoint; a context manager that stops it on exit.

    Fault settings can be changed while it runs with :meth:`configure`. ``requests`` counts
    chat requests received (including the ones answered with an injected fault).
    """

    def __init__(
        self,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        fail_429: int = 0,
        retry_after: float = 1.0,
        fail_500: int = 0,
        timeout_every: int = 0,
        hang_s: float = 30.0,
        malformed: int = 0,
        latency_scale: float = 1.0,
    ) -> None:
        if host not in _LOOPBACK:
            raise ValueError(f"serve_sim binds to loopback only, not {host!r}")
        self.host = host
        self.port = port
        self._lock = threading.Lock()
        self.fail_429 = fail_429
        self.retry_after = retry_after
        self.fail_500 = fail_500
        self.timeout_every = timeout_every
        self.hang_s = hang_s
        self.malformed = malformed
        self.latency_scale = latency_scale
        self.requests = 0
        self.arrivals: list[float] = []  #: ``time.monotonic()`` of each chat request
        self.faults: list[str] = []  #: injected faults, in order ("429", "500", "timeout", …)
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._failure: BaseException | None = None

    @property
    def url(self) -> str:
        """The OpenAI base URL, e.g. ``http://127.0.0.1:PORT/v1``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    def configure(self, **changes: Any) -> None:
        """Change fault settings while running, e.g. ``configure(fail_429=3)``."""
        unknown = set(changes) - set(_FAULTS)
        if unknown:
            raise TypeError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        with self._lock:
            for name, value in changes.items():
                setattr(self, name, value)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> SimServer:
        if self._thread is not None:
            raise RuntimeError("server already started")
        self._thread = threading.Thread(target=self._main, name="swarmnb-serve-sim", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=30)
        if self._failure is not None:
            raise RuntimeError(f"serve_sim could not start: {self._failure}") from self._failure
        return self

    def stop(self) -> None:
        """Stop serving (hanging requests are released) and join the thread."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(stopping.set)
        if self._thread is not None:
            self._thread.join(timeout=30)

    def __enter__(self) -> SimServer:
        return self if self._thread is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._thread is not None and self._thread.is_alive() else "stopped"
        return f"<SimServer {self.url} {state} requests={self.requests}>"

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to start(); never lost silently
            self._failure = exc
            self._ready.set()
        finally:
            loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self.port = int(runner.addresses[0][1])
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            await runner.cleanup()

    # -- handlers ----------------------------------------------------------------------------
    async def _models(self, request: web.Request) -> web.StreamResponse:
        data = [
            {"id": f"sim-{n}", "object": "model", "created": 0, "owned_by": "swarmnb-sim"}
            for n in SIM_PROFILES
        ]
        return web.json_response({"object": "list", "data": data})

    def _next_fault(self) -> str | None:
        with self._lock:
            self.requests += 1
            self.arrivals.append(time.monotonic())
            fault = None
            if self.fail_429 > 0:
                self.fail_429 -= 1
                fault = "429"
            elif self.fail_500 > 0:
                self.fail_500 -= 1
                fault = "500"
            elif self.timeout_every and self.requests % self.timeout_every == 0:
                fault = "timeout"
            elif self.malformed > 0:
                self.malformed -= 1
                fault = "malformed"
            if fault:
                self.faults.append(fault)
            return fault

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        fault = self._next_fault()
        if fault == "429":
            return _error(
                429,
                "simulated rate limit",
                "rate_limit_error",
                "rate_limit_exceeded",
                **{"Retry-After": f"{self.retry_after:g}"},
            )
        if fault == "500":
            return _error(500, "simulated server error", "server_error")
        if fault == "timeout":
            assert self._stopping is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.hang_s)
            return _error(504, "simulated timeout", "server_error")
        try:
            body = json.loads(await request.text())
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
        except ValueError as exc:
            return _error(400, f"invalid JSON body: {exc}", "invalid_request_error")
        if body.get("stream"):
            return _error(400, "the sim server does not stream", "invalid_request_error")
        model = str(body.get("model", ""))
        try:
            outcome = simulate(
                model,
                body.get("messages") or [],
                tools=body.get("tools"),
                tool_choice=body.get("tool_choice"),
                response_format=body.get("response_format"),
                seed=body.get("seed"),
                malformed="bad_json" if fault == "malformed" else None,
            )
        except UnknownSimModel as exc:
            return _error(404, str(exc), "invalid_request_error", "model_not_found")
        except ContextOverflow as exc:
            return _error(400, str(exc), "invalid_request_error", "context_length_exceeded")
        except Exception as exc:  # an oracle bug: a deterministic failure, not a 5xx
            return _error(400, f"sim oracle failed: {exc!r}", "invalid_request_error")
        if self.latency_scale > 0:
            await asyncio.sleep(outcome.latency_s * self.latency_scale)
        return web.json_response(outcome_json(outcome, model))


def serve_sim(
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    fail_429: int = 0,
    retry_after: float = 1.0,
    timeout_every: int = 0,
    hang_s: float = 30.0,
    fail_500: int = 0,
    malformed: int = 0,
    latency_scale: float = 1.0,
) -> SimServer:
    """Start serving the sim models on ``http://host:port/v1`` (``port=0``: any free port).

    Returns the running :class:`SimServer`; use it as a context manager or call ``.stop()``.
    Use it from litellm as ``model="openai/sim-small"``, ``api_base=server.url``, any
    ``api_key``.
    """
    return SimServer(
        port=port,
        host=host,
        fail_429=fail_429,
        retry_after=retry_after,
        fail_500=fail_500,
        timeout_every=timeout_every,
        hang_s=hang_s,
        malformed=malformed,
        latency_scale=latency_scale,
    ).start()
